// Prints the head-variant comparison table from real training runs:
//   preset | dead wh channels | step of death | mAP@0.5 | mean IoU | ms/step
//
//   node bench/compare_presets.mjs [--runs build/asset_runs] [--manifest assets/models/manifest.json]
//       [--val-data yolo:DIR --val-on "what DIR is"]
//   node bench/compare_presets.mjs --train [--seed S] [--steps N] [--presets broken,leaky,...] [--runs DIR]
//
// Without --train it reads what scripts/make_assets.sh left in the runs folder. With --train it first
// trains every preset itself (into build/bench_runs/seed-<S> unless --runs says otherwise) with the
// shared recipe, scripts/preset_recipe.args, where --seed and --steps replace the recipe's values:
// that is how the seed study in the README was made. Either way the table comes from each run's
// telemetry: its end record (dead channels and the step each died) and its step records (ms/step,
// the median). mAP@0.5 and mean IoU come from `ttfnet-eval --val` on each run's
// checkpoint when that tool is built; otherwise those columns say "n/a". --manifest also writes each
// preset's figures into the explorer's model manifest (an "evaluation" object per model of that
// name), which the Detect view shows beside its model picker. --val-data scores every run on that
// data set as a whole (`ttfnet-eval --val --val-all`, e.g. the street footage's hand-checked frames)
// instead of the run's own validation split; --val-on says what it is, in the manifest.
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argValue = (flag) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
const train = process.argv.includes("--train");
const seed = argValue("--seed") ?? "1";
const runs = path.resolve(argValue("--runs") ?? path.join(root, train ? `build/bench_runs/seed-${seed}` : "build/asset_runs"));
const evalTool = path.join(root, "build/native/native_trainer/ttfnet-eval");
const trainTool = path.join(root, "build/native/native_trainer/ttfnet-train");
const channelNames = ["left", "top", "right", "bottom"];
const valData = argValue("--val-data");
const valOn = argValue("--val-on") ??
  (valData ? `ttfnet-eval --val --val-all --data ${valData}` : "ttfnet-eval --val: the 100-image validation split of the training run's synthetic stream");

function endRecord(telemetryFile) {
  const lines = fs.readFileSync(telemetryFile, "utf8").split("\n").filter((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; --i) {
    try {
      const r = JSON.parse(lines[i]);
      if (r.type === "end") return r;
    } catch { /* a run killed mid-line: keep looking */ }
  }
  return null;
}

// The median of the step times the run recorded in its telemetry: robust to a stretch of the run
// that shared the two cores with something else (the mean in ttfnet-train's "done" line is not).
function msPerStep(telemetryFile) {
  const times = [];
  for (const line of fs.readFileSync(telemetryFile, "utf8").split("\n")) {
    try {
      const r = JSON.parse(line);
      if (r.type === "step" && Number.isFinite(r.ms_per_step)) times.push(r.ms_per_step);
    } catch { /* a run killed mid-line */ }
  }
  if (times.length === 0) return NaN;
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}

// The training run's own settings (from its telemetry header), so evaluation sees the same input
// size and the validation split of the same synthetic stream.
function runConfig(telemetryFile) {
  const first = fs.readFileSync(telemetryFile, "utf8").split("\n", 1)[0];
  try {
    return JSON.parse(first).config || {};
  } catch {
    return {};
  }
}

function evaluate(runDir, config) {
  if (!fs.existsSync(evalTool)) return null;
  const args = ["--checkpoint", path.join(runDir, "last.pt"), "--val"];
  const own = valData ? ["--input-size"] : ["--input-size", "--seed", "--data", "--synthetic-size", "--synthetic-val-size", "--synthetic-base-size"];
  for (const flag of own)
    if (config[flag] !== undefined) args.push(flag, String(config[flag]));
  if (valData) args.push("--data", valData, "--val-all");
  try {
    const out = execFileSync(evalTool, args, { encoding: "utf8", stdio: "pipe" });
    const map = out.match(/mAP@0\.5\s*=\s*([\d.]+)/);
    const iou = out.match(/mean IoU.*=\s*([\d.]+) over \d+ matches/);
    return { map50: map ? Number(map[1]) : NaN, iou: iou ? Number(iou[1]) : NaN };
  } catch (e) {
    return { error: String(e.stderr || e.message).split("\n")[0] };
  }
}

// scripts/preset_recipe.args as argv words, with --seed / --steps replaced when given.
function recipe(overrides) {
  const words = [];
  for (const line of fs.readFileSync(path.join(root, "scripts/preset_recipe.args"), "utf8").split("\n")) {
    const w = line.trim().split(/\s+/).filter(Boolean);
    if (w.length === 0 || w[0].startsWith("#")) continue;
    if (overrides[w[0]] !== undefined) w.splice(1, w.length - 1, String(overrides[w[0]]));
    words.push(...w);
  }
  return words;
}

if (train) {
  if (!fs.existsSync(trainTool)) {
    console.error(`${trainTool} is missing: run scripts/build.sh native`);
    process.exit(2);
  }
  const presets = (argValue("--presets") ?? "broken,leaky,bias-init,softplus,leaky-bias").split(",");
  const overrides = { "--seed": seed };
  if (argValue("--steps")) overrides["--steps"] = argValue("--steps");
  fs.mkdirSync(runs, { recursive: true });
  for (const preset of presets) {
    const args = ["--preset", preset, ...recipe(overrides), "--out", path.join(runs, preset)];
    process.stderr.write(`[bench] training ${preset}: ttfnet-train ${args.join(" ")}\n`);
    const r = spawnSync(trainTool, args, { encoding: "utf8", maxBuffer: 64 << 20 });
    fs.writeFileSync(path.join(runs, preset + ".log"), r.stdout + r.stderr);
    if (r.status !== 0) {
      console.error(`ttfnet-train failed for ${preset}:\n${r.stderr}`);
      process.exit(1);
    }
  }
}

if (!fs.existsSync(runs)) {
  console.error(`no runs in ${runs}: run scripts/make_assets.sh first`);
  process.exit(1);
}
const rows = [];
for (const preset of fs.readdirSync(runs).sort()) {
  const dir = path.join(runs, preset);
  const telemetry = path.join(dir, "telemetry.jsonl");
  if (!fs.statSync(dir).isDirectory() || !fs.existsSync(telemetry)) continue;
  const end = endRecord(telemetry);
  const dead = end ? end.dead_channels : null;
  const ev = evaluate(dir, runConfig(telemetry));
  const ms = msPerStep(telemetry);
  rows.push({
    preset,
    evaluation: {
      map50: ev && Number.isFinite(ev.map50) ? Number(ev.map50.toFixed(3)) : null,
      mean_iou: ev && Number.isFinite(ev.iou) ? Number(ev.iou.toFixed(3)) : null,
      dead_channels: dead === null ? null : dead.map((d) => ({ channel: d.channel, since_step: d.since_step })),
    },
    dead: dead === null ? "run unfinished" : dead.length === 0 ? "none" : dead.map((d) => `${d.channel} (${channelNames[d.channel]})`).join(", "),
    died: dead && dead.length ? dead.map((d) => d.since_step).join(", ") : "-",
    map50: ev && Number.isFinite(ev.map50) ? ev.map50.toFixed(3) : "n/a",
    iou: ev && Number.isFinite(ev.iou) ? ev.iou.toFixed(3) : "n/a",
    ms: Number.isFinite(ms) ? ms.toFixed(0) : "n/a",
  });
}
const header = ["preset", "dead wh channels", "step of death", "mAP@0.5", "mean IoU", "ms/step"];
const table = [header, ...rows.map((r) => [r.preset, r.dead, r.died, r.map50, r.iou, r.ms])];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) => "| " + row.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
console.log(line(header));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const row of table.slice(1)) console.log(line(row));

// The figures into the manifest: the explorer shows them, with what they were measured on.
const manifestFile = argValue("--manifest");
if (manifestFile) {
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  const measured = new Date().toISOString().slice(0, 10);
  for (const model of manifest.models) {
    const row = rows.find((r) => r.preset === model.name);
    if (!row) continue;
    model.evaluation = { ...row.evaluation, measured, on: valOn };
  }
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
  console.log(`wrote the figures of ${rows.length} presets into ${manifestFile}`);
}
