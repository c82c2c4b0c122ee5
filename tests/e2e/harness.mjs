// Shared set-up for the browser end-to-end tests: serve the repository with web/serve.mjs on a
// free port and drive Debian's Chromium with playwright-core (never a downloaded browser).
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

// Starts the server and a browser. Returns { url, browser, close() }.
export async function startExplorer({ webgpu = true } = {}) {
  const { server, url } = await serve({ root: repoRoot, port: 0 });
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
    async close() {
      await context.close();
      await new Promise((r) => server.close(r));
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Opens the explorer and collects the page's console errors and uncaught exceptions.
export async function openPage(explorer, { beforeLoad } = {}) {
  const page = await explorer.context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  if (beforeLoad) await beforeLoad(page);
  await page.goto(explorer.url);
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
