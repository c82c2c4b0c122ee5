// Shared set-up for the browser end-to-end tests: serve the repository with web/serve.mjs on a
// free port and drive Debian's Chromium with playwright-core (never a downloaded browser).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import { serve } from "../../web/serve.mjs";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const outputDir = process.env.DEADZONE_TEST_OUTPUT || path.join(repoRoot, "test-output/e2e");

// Flags that make WebGL2, WebGPU (SwiftShader) and screenshots work headless on this machine.
// The background-networking flags keep Chromium from calling out of a machine with no network.
function chromiumArgs({ webgpu }) {
  const args = [
    "--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--ignore-gpu-blocklist", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  ];
  if (webgpu) args.push("--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader");
  // Extra flags for experiments, e.g. DEADZONE_CHROMIUM_FLAGS="--js-flags=--no-liftoff".
  if (process.env.DEADZONE_CHROMIUM_FLAGS) args.push(...process.env.DEADZONE_CHROMIUM_FLAGS.split(" ").filter(Boolean));
  return args;
}

// Starts the server (with a live runs folder when runsDir is given) and a browser.
// Returns { url, context, userDataDir, close() }.
export async function startExplorer({ webgpu = true, runsDir = null } = {}) {
  const { server, url } = await serve({ root: repoRoot, port: 0, runsDir });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: chromiumArgs({ webgpu }),
      viewport: { width: 1280, height: 800 },
    });
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    url,
    context,
    userDataDir, // names this browser's processes (--user-data-dir=...), e.g. for a memory bench
    async close() {
      await context.close();
      await new Promise((r) => server.close(r));
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Opens the explorer and collects the page's console errors and uncaught exceptions. `query` is the
// page's URL query: by default "first-sample=none", so a test starts with no image on screen (the
// first-open test passes "" to see what a newcomer sees).
export async function openPage(explorer, { beforeLoad, query = "first-sample=none" } = {}) {
  const page = await explorer.context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  if (beforeLoad) await beforeLoad(page);
  await page.goto(explorer.url + (query ? "?" + query : ""));
  return { page, problems };
}

// Waits until the app reports ready (a frame drawn) or an error, whichever first.
export async function waitForApp(page, timeout = 60000) {
  await page.waitForFunction(() => window.deadzone && (window.deadzone.ready || window.deadzone.error), null, { timeout });
  return page.evaluate(() => ({ ready: window.deadzone.ready, error: window.deadzone.error }));
}

export async function screenshot(page, name) {
  fs.mkdirSync(outputDir, { recursive: true });
  const file = path.join(outputDir, name + ".png");
  const png = await page.screenshot({ path: file });
  return PNG.sync.read(png);
}

// Pixels of a decoded screenshot close to an RGB colour (each channel within tol).
export function countPixels(png, [r, g, b], tol = 6) {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (Math.abs(png.data[i] - r) <= tol && Math.abs(png.data[i + 1] - g) <= tol && Math.abs(png.data[i + 2] - b) <= tol) ++n;
  }
  return n;
}

// The longest a model run may take in a test: WebGPU on SwiftShader compiles its shaders on the
// first run (seconds).
export const RUN_TIMEOUT = 120000;

// Drops files onto the page the way a user does: a DragEvent carrying a DataTransfer of Files.
export async function dropFiles(page, files) {
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
    window.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files.map(({ name, bytes }) => ({ name, base64: Buffer.from(bytes).toString("base64") })));
}

export const state = (page) => page.evaluate(() => window.deadzone.state());

export async function waitFor(page, predicateSource, timeout = RUN_TIMEOUT) {
  await page.waitForFunction((src) => new Function("s", "return " + src)(window.deadzone.state()), predicateSource, { timeout, polling: 100 });
  return state(page);
}

// Clicks a toolbar widget where the app says it drew it (state().widgets: name -> [x, y, w, h]).
// ImGui sees input once a frame, so hover first and hold the button a little, as a person does.
export async function clickWidget(page, name) {
  const s = await waitFor(page, `s.widgets && ${JSON.stringify(name)} in s.widgets`, 10000);
  const [x, y, w, h] = s.widgets[name];
  assert.ok(w > 0 && h > 0, `widget ${name} has no size`);
  await page.mouse.move(x + w / 2, y + h / 2);
  await page.waitForTimeout(100);
  await page.mouse.down();
  await page.waitForTimeout(60);
  await page.mouse.up();
}

// Both panels hold a finished result for image generation `gen` (from any back-end unless given).
export const bothDone = (gen, backend) =>
  `s.panels.every((p) => p.has_result && !p.busy && p.image_generation === ${gen}` +
  (backend ? ` && p.backend === "${backend}"` : "") + ")";

// These tests need models with a known, hand-set dead channel, so they always use the generated
// test models: the shipped manifest is replaced by an empty one and the app falls back to /test-models/.
export async function openWithModels(explorer) {
  const { page, problems } = await openPage(explorer, {
    beforeLoad: (p) => p.route(/assets\/models\/manifest\.json$/, (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ models: [] }) })),
  });
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  await waitFor(page, `s.models.length >= 3 && s.sample_images.length > 0 && s.panels[0].model === "broken" && s.panels[1].model === "leaky"`, 30000);
  return { page, problems };
}
