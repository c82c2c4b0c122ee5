// Data-parallel ttfnet-train on this host: one process against two (scripts/train_distributed.sh),
// the same global batch, seed and steps, alternated round by round so both see the same machine.
// Prints ms/step and images/s for each, the gradient all-reduce's bytes per step and the time a
// step waited for it after backward(), and a projection for N hosts from those measured figures.
//
//   node bench/distributed_bench.mjs [--batch 8] [--input-size 128] [--steps 30] [--rounds 2]
//
// The projection assumes the per-host compute shrinks as 1/N (the global batch split N ways) and a
// ring all-reduce, whose time is 2 (N - 1) / N x bytes / link bandwidth plus a latency per step,
// at link speeds given below (loopback bandwidth says nothing about a network). It ignores the
// overlap with backward() the bucketed all-reduce gets, so it is a bound, not a promise.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const trainer = path.join(root, "build/native/native_trainer/ttfnet-train");
const launcher = path.join(root, "scripts/train_distributed.sh");

const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const batch = option("--batch", 8), inputSize = option("--input-size", 128), steps = option("--steps", 30),
  rounds = option("--rounds", 2);
if (!fs.existsSync(trainer)) {
  console.error(`${trainer} is not built (bash scripts/build.sh native)`);
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-distributed-bench-"));
const cores = os.cpus().length;

// ttfnet-train's "done:" line: ms/step, and with ranks the all-reduce figures.
function parse(stderr, what) {
  const done = stderr.split("\n").find((l) => l.startsWith("done:"));
  if (!done) throw new Error(`${what} did not finish:\n${stderr}`);
  const ms = Number(/([\d.]+) ms\/step, loss/.exec(done)[1]);
  const bytes = /gradient all-reduce (\d+) bytes\/step, ([\d.]+) ms\/step from first to last bucket, ([\d.]+) ms\/step waited/.exec(done);
  return { ms, bytes: bytes ? Number(bytes[1]) : 0, spanMs: bytes ? Number(bytes[2]) : 0, waitMs: bytes ? Number(bytes[3]) : 0 };
}

function run(processes, round, extra = []) {
  const out = path.join(dir, `p${processes}-r${round}${extra.join("")}`);
  // Each process gets its share of the cores, so both runs use the whole machine.
  const threads = Math.max(1, Math.floor(cores / processes));
  const args = ["--data", "synthetic", "--synthetic-size", "64", "--synthetic-val-size", "8", "--input-size", String(inputSize),
    "--batch", String(batch), "--steps", String(steps), "--threads", String(threads), "--no-progress", "--telemetry", "none",
    "--checkpoint-every", "0", "--val-batches", "0", "--seed", "1", "--out", out, ...extra];
  const r = processes === 1
    ? spawnSync(trainer, args, { encoding: "utf8" })
    : spawnSync("bash", [launcher, "--nproc", String(processes), "--", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${processes} process(es) failed (${r.status}):\n${r.stderr}`);
  return parse(r.stderr, `${processes} process(es)`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Two processes with BatchNorm over the global batch (the default) and per rank (--per-rank-bn).
const configs = { one: [1, []], sync: [2, []], perRank: [2, ["--per-rank-bn"]] };
const results = { one: [], sync: [], perRank: [] };
for (let round = 0; round < rounds; ++round) {
  const order = Object.keys(configs);
  if (round % 2 === 1) order.reverse();
  for (const k of order) results[k].push(run(configs[k][0], round, configs[k][1]));
}

const one = median(results.one.map((r) => r.ms)), two = median(results.sync.map((r) => r.ms));
const perRank = median(results.perRank.map((r) => r.ms));
const bytes = results.sync[0].bytes, wait = median(results.sync.map((r) => r.waitMs));
const span = median(results.sync.map((r) => r.spanMs));
const date = new Date().toISOString().slice(0, 10);
console.log(`distributed bench, ${date}, ${cores} cores, load ${os.loadavg()[0].toFixed(2)}; synthetic ${inputSize} px, global batch ${batch}, ${steps} steps, ${rounds} rounds`);
console.log(`1 process  (${Math.max(1, cores)} threads):   ${one.toFixed(1)} ms/step, ${(batch * 1000 / one).toFixed(1)} images/s`);
console.log(`2 processes (${Math.max(1, Math.floor(cores / 2))} thread each): ${two.toFixed(1)} ms/step, ${(batch * 1000 / two).toFixed(1)} images/s`);
console.log(`2 processes, --per-rank-bn:   ${perRank.toFixed(1)} ms/step, ${(batch * 1000 / perRank).toFixed(1)} images/s`);
console.log(`ratio 2 / 1 processes: ${(two / one).toFixed(2)} (BatchNorm over the global batch), ${(perRank / one).toFixed(2)} (per rank)`);
console.log(`gradient all-reduce: ${(bytes / 1e6).toFixed(2)} MB per step per rank, ${span.toFixed(1)} ms/step from the first bucket's start ` +
  `to the last one's end, of which ${wait.toFixed(1)} ms after backward (loopback)`);
console.log("projection for N hosts (compute 1/N of one process's step; ring all-reduce; 0.2 ms latency per bucket step):");
const links = [["1 Gbit/s", 1e9 / 8], ["10 Gbit/s", 10e9 / 8]];
console.log(`  N   compute ms   ${links.map(([name]) => `all-reduce ms @${name}`).join("   ")}   images/s @${links.map(([n]) => n).join(" / ")}`);
for (const n of [1, 2, 4, 8]) {
  const compute = one / n;
  const comm = links.map(([, bw]) => (n === 1 ? 0 : (2 * (n - 1) / n) * bytes / bw * 1000 + 0.2));
  const rate = comm.map((c) => (batch * 1000 / (compute + c)).toFixed(1));
  console.log(`  ${String(n).padEnd(3)} ${compute.toFixed(1).padStart(10)}   ${comm.map((c) => c.toFixed(1).padStart(20)).join("   ")}   ${rate.join(" / ")}`);
}
console.log("note: on this machine two processes share its cores; expect little or no speed-up here.");
fs.rmSync(dir, { recursive: true, force: true });
