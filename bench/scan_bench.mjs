// The dead-zone scan on a large model: time and peak memory of scanning a generated
// 25 M-parameter model at 640x640 (make_test_models --scan-heavy: 100 MB of weights, a 26 MB
// activation at 320x320, seven activation layers), in one run:
//
//   cli      node tools/deadzone-scan.mjs (onnxruntime-node + core as wasm): seconds and the peak
//            resident memory it prints, at fetch budgets of 256 MB and 16 MB
//   browser  the explorer's Scan view (ORT Web wasm back-end in its worker + core in deadzone.wasm):
//            seconds from Scan to the report, the peak resident memory of all of Chromium's processes
//            (sampled every 200 ms from /proc), and the app's wasm heap
//
//   node bench/scan_bench.mjs [--images 2]
//
// Needs the native build (make_test_models) and the wasm build. Prints the machine's load first: a
// busy machine makes the seconds meaningless (the memory figures hold).
import { spawnSync, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startExplorer, openPage, waitForApp, repoRoot } from "../tests/e2e/harness.mjs";

const args = { images: 2 };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = Number(process.argv[i + 1]);

const dir = path.join(repoRoot, "build", "bench_runs", "scan");
const model = path.join(dir, "scan-heavy.onnx");
if (!fs.existsSync(model)) {
  const generator = path.join(repoRoot, "build/native/tests/fixtures/make_test_models");
  if (!fs.existsSync(generator)) {
    console.error(`bench: ${generator} is missing: run scripts/build.sh native`);
    process.exit(2);
  }
  execFileSync(generator, [dir, "--scan-heavy"], { stdio: "inherit" });
}
const samples = fs.readdirSync(path.join(repoRoot, "assets/images")).filter((f) => f.endsWith(".png")).sort().slice(0, args.images);
const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-scan-bench-"));
for (const f of samples) fs.copyFileSync(path.join(repoRoot, "assets/images", f), path.join(imageDir, f));

const load = os.loadavg()[0];
console.log(`scan bench, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load ${load.toFixed(2)}` +
            (load > os.cpus().length * 0.5 ? "  (BUSY: times are not meaningful)" : ""));
console.log(`model: ${path.relative(repoRoot, model)} (${(fs.statSync(model).size / 2 ** 20).toFixed(0)} MB), ` +
            `${samples.length} images at 640x640\n`);

function cli(budgetMb) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(repoRoot, "tools/deadzone-scan.mjs"), model, "--images", imageDir,
    "--fail-on", "none", "--budget-mb", String(budgetMb)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const m = /peak memory: (\d+) MB resident \(wasm heap (\d+) MB\)/.exec(r.stdout);
  return { seconds: (performance.now() - t0) / 1000, rss: Number(m[1]), heap: Number(m[2]), summary: r.stdout.trim().split("\n").at(-1) };
}

// Resident memory of every process of this browser (they share its --user-data-dir), in MB.
function browserRss(userDataDir) {
  let kb = 0;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(userDataDir)) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch { /* the process ended */ }
  }
  return kb / 1024;
}

async function browser() {
  const explorer = await startExplorer({ webgpu: false });
  try {
    const { page } = await openPage(explorer);
    const status = await waitForApp(page);
    if (status.error) throw new Error(status.error);
    await page.evaluate(() => window.deadzone.call("dz_set_view", null, ["string"], ["scan"]));
    await page.waitForFunction(() => window.deadzone.state().scan.images.length > 0, null, { timeout: 60000 });
    const idle = browserRss(explorer.userDataDir);
    // The model and images go in as one drop, as a user's would; clear the samples first.
    const files = [path.join(model), ...samples.map((f) => path.join(imageDir, f))];
    const clear = (await page.evaluate(() => window.deadzone.state())).widgets["scan:clear"];
    await page.mouse.click(clear[0] + clear[2] / 2, clear[1] + clear[3] / 2);
    await page.waitForFunction(() => window.deadzone.state().scan.images.length === 0, null, { timeout: 10000 });
    const input = await page.$("#dz-open-file");
    await input.setInputFiles(files);
    await page.waitForFunction((n) => { const s = window.deadzone.state().scan; return s.phase === "ready" && s.images.length === n; },
      samples.length, { timeout: 120000 });
    let peak = browserRss(explorer.userDataDir);
    const sampler = setInterval(() => { peak = Math.max(peak, browserRss(explorer.userDataDir)); }, 200);
    const t0 = performance.now();
    const run = (await page.evaluate(() => window.deadzone.state())).widgets["scan:run"];
    await page.mouse.click(run[0] + run[2] / 2, run[1] + run[3] / 2);
    await page.waitForFunction(() => ["done", "failed"].includes(window.deadzone.state().scan.phase), null, { timeout: 600000, polling: 250 });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const s = await page.evaluate(() => window.deadzone.state());
    if (s.scan.phase !== "done") throw new Error(s.scan.error);
    return { seconds, rss: peak, idle, heap: s.heap_used_bytes / 2 ** 20, summary: s.scan.summary };
  } finally {
    await explorer.close();
  }
}

const rows = [];
for (const budget of [256, 16]) {
  const r = cli(budget);
  rows.push([`cli, budget ${budget} MB`, r.seconds.toFixed(1), String(r.rss), String(r.heap), r.summary]);
}
const b = await browser();
rows.push(["browser (wasm), budget 64 MB", b.seconds.toFixed(1), `${b.rss.toFixed(0)} (idle ${b.idle.toFixed(0)})`, b.heap.toFixed(0), b.summary]);
const header = ["run", "seconds", "peak RSS MB", "wasm heap MB", "summary"];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
for (const r of [header, ...rows]) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join("  "));
fs.rmSync(imageDir, { recursive: true, force: true });
