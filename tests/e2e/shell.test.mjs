// The app shell: the wasm module loads, ImGui draws into the canvas, and the back-end report
// reaches the page through the test hook. Also proves the check fails when the wasm is missing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startExplorer, openPage, waitForApp, screenshot, countPixels } from "./harness.mjs";

// Dear ImGui's dark style: active title bar, and the clear colour main.cpp paints behind it.
const IMGUI_TITLE_ACTIVE = [41, 74, 122];
const CLEAR_COLOUR = [20, 23, 28];

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: true }); });
after(async () => { await explorer?.close(); });

test("the explorer loads and ImGui draws into the canvas", async () => {
  const { page, problems } = await openPage(explorer);
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  assert.equal(status.ready, true);
  // Let a few frames go by so the probe has answered and the window has its final size.
  await page.waitForFunction(() => window.deadzone.state().backends.probed, null, { timeout: 30000 });
  await page.waitForTimeout(300);
  const png = await screenshot(page, "shell");
  const title = countPixels(png, IMGUI_TITLE_ACTIVE, 8) + countPixels(png, [15, 15, 15], 4);
  const background = countPixels(png, CLEAR_COLOUR, 3);
  assert.ok(background > png.width * png.height * 0.3, `clear colour covers too little: ${background} px`);
  assert.ok(title > 2000, `no ImGui window pixels found (${title} px)`);
  // Text: bright pixels that only glyphs produce on this dark style.
  assert.ok(countPixels(png, [255, 255, 255], 30) > 100, "no text pixels found");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the back-end report names WebGPU and wasm threads", async () => {
  const { page } = await openPage(explorer);
  await waitForApp(page);
  await page.waitForFunction(() => window.deadzone.state().backends.probed, null, { timeout: 30000 });
  const state = await page.evaluate(() => window.deadzone.state());
  const b = state.backends;
  // Served with COOP/COEP, so threads must be available; Chromium runs with --enable-unsafe-webgpu
  // on SwiftShader, so an adapter must exist.
  assert.equal(b.cross_origin_isolated, true);
  assert.equal(b.wasm_threads, true);
  assert.equal(b.webgpu_api, true);
  assert.equal(b.webgpu_adapter, true, `no WebGPU adapter: ${b.webgpu_error}`);
  assert.ok(b.hardware_concurrency >= 1);
  assert.ok(state.frame > 0);
  assert.ok(state.framebuffer[0] > 0 && state.framebuffer[1] > 0);
  await page.close();
});

test("a wasm module that fails to load is reported, not hidden", async () => {
  const { page } = await openPage(explorer, {
    beforeLoad: (p) => p.route("**/app/deadzone.wasm", (route) => route.fulfill({ status: 404, body: "gone" })),
  });
  const status = await waitForApp(page);
  assert.equal(status.ready, false);
  assert.match(status.error ?? "", /abort|wasm|could not/i);
  const text = await page.textContent("#status-text");
  assert.match(text, /could not start/);
  await screenshot(page, "shell-wasm-missing");
  await page.close();
});

test("a browser without wasm SIMD gets a message naming it, not a broken page", async () => {
  // Pretend to be such a browser: every SIMD module fails validation.
  const { page } = await openPage(explorer, {
    beforeLoad: (p) => p.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => (new Uint8Array(bytes).includes(253) ? false : validate(bytes));
    }),
  });
  const status = await waitForApp(page);
  assert.equal(status.ready, false);
  assert.match(status.error ?? "", /no WebAssembly SIMD/);
  assert.match(await page.textContent("#status-text"), /SIMD/);
  await page.close();
});
