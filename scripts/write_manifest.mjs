// Writes assets/models/manifest.json, the list of shipped models the explorer offers, from the table
// below: every model in it whose .onnx is in assets/models, in this order (the model picker's), with
// the pairs the explorer shows side by side. Each model's "evaluation" object (written by
// bench/compare_presets.mjs --manifest) is kept from the previous manifest, so regenerating one part
// of the assets (scripts/make_assets.sh --part street) leaves the other part's figures as they were.
//
//   node scripts/write_manifest.mjs assets/models/manifest.json
//
// The manifest's fields are read by wasm/pipeline.cpp (on_manifest_fetched) and described in
// assets/README.md.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

// What a model was trained on, in one line, from its run's settings (the telemetry header's config),
// so that a recipe edited or a --steps given to make_assets.sh shows in the card.
const SYNTHETIC = (c) =>
  `synthetic street scenes (ttfnet-synth, seed ${c["--seed"]}: person, car, sign), ${c["--input-size"]}x${c["--input-size"]} ` +
  `input, ${c["--steps"]} SGD steps, batch ${c["--batch"]}`;
const STREET = (c) =>
  "real street footage: frames 0-549 of OpenCV's vtest.avi (one fixed camera, 10 fps), people labelled automatically " +
  `(HOG + motion + tracking: noisy labels), ${c["--input-size"]}x${c["--input-size"]} input, ${c["--steps"]} SGD steps, ` +
  `batch ${c["--batch"]}, seed ${c["--seed"]}. One camera: it will not find people in unrelated photos`;

// name, what the variant changes, what it was trained on. The first model of each pair is the broken one.
const MODELS = [
  { name: "street-broken", description: "TTFNet as published: ReLU wh head, bias 0, normal(std 0.001) init", training: STREET },
  { name: "street-leaky", description: "LeakyReLU(0.1) wh head", training: STREET },
  { name: "broken", description: "TTFNet as published: ReLU wh head, bias 0, normal(std 0.001) init", training: SYNTHETIC },
  { name: "leaky", description: "LeakyReLU(0.1) wh head", training: SYNTHETIC },
  { name: "bias-init", description: "ReLU wh head, final bias initialised to 0.1", training: SYNTHETIC },
  { name: "softplus", description: "Softplus wh head", training: SYNTHETIC },
  { name: "leaky-bias", description: "LeakyReLU(0.1) wh head, final bias 0.1", training: SYNTHETIC },
];

// Pairs by the kind of image they were trained for; samples.json names one per sample ("pair").
const PAIRS = { street: ["street-broken", "street-leaky"], synthetic: ["broken", "leaky"] };

// The settings a shipped model's run recorded: the first line of its telemetry (a JSON header).
function runConfig(telemetryFile) {
  const text = zlib.gunzipSync(fs.readFileSync(telemetryFile)).toString("utf8");
  return JSON.parse(text.slice(0, text.indexOf("\n"))).config;
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/write_manifest.mjs assets/models/manifest.json");
  process.exit(2);
}
const dir = path.dirname(file);
let previous = { models: [] };
if (fs.existsSync(file)) previous = JSON.parse(fs.readFileSync(file, "utf8")); // a broken one stops here, figures kept

const models = [];
for (const m of MODELS) {
  if (!fs.existsSync(path.join(dir, `${m.name}.onnx`))) continue;
  const telemetry = path.join(dir, "..", "telemetry", `${m.name}.jsonl.gz`);
  if (!fs.existsSync(telemetry)) throw new Error(`${telemetry} is missing: every shipped model ships its training run`);
  const entry = { name: m.name, file: `${m.name}.onnx`, description: m.description, training: m.training(runConfig(telemetry)),
    telemetry: `../telemetry/${m.name}.jsonl.gz` };
  const old = (previous.models ?? []).find((o) => o.name === m.name);
  if (old?.evaluation) entry.evaluation = old.evaluation;
  models.push(entry);
}
const shipped = new Set(models.map((m) => m.name));
const pairs = Object.fromEntries(Object.entries(PAIRS).filter(([, p]) => p.every((n) => shipped.has(n))));
// default_pair: the panels' models when no sample asks for a pair (a page opened without one);
// training: the line of a model that has none of its own (older manifests had only this one).
const defaultPair = pairs.synthetic ?? Object.values(pairs)[0] ?? [];
const manifest = {
  source: "scripts/make_assets.sh (recipes: scripts/preset_recipe.args, scripts/street_recipe.args)",
  training: models.find((m) => m.name === defaultPair[0])?.training ?? "",
  default_pair: defaultPair,
  pairs,
  models,
};
fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n");
console.log(`[assets] ${file}: ${models.length} models, pairs ${Object.keys(pairs).join(", ") || "none"}`);
