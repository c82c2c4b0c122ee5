// Every exported head variant, run in onnxruntime-node and in OpenCV DNN, must match LibTorch on the
// same input: heatmap, wh and wh_pre, max abs diff <= 1e-4. The native fixture writes the models and the
// LibTorch reference outputs; this test runs ONNX Runtime on them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import * as ort from "onnxruntime-node";
import { repoRoot } from "../e2e/harness.mjs";

const fixture = path.join(repoRoot, "build/native/tests/onnx_parity_fixture");

function readFloats(file) {
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

test("exported ONNX models match LibTorch for every head variant", { skip: !fs.existsSync(fixture) && "trainer not built" }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-onnx-parity-"));
  try {
    execFileSync(fixture, [dir, "128"], { stdio: "pipe" });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    assert.equal(manifest.length, 5);
    for (const entry of manifest) {
      const session = await ort.InferenceSession.create(path.join(dir, entry.model));
      assert.deepEqual([...session.inputNames], ["image"]);
      assert.deepEqual([...session.outputNames].sort(), ["heatmap", "wh", "wh_pre"]);
      const image = new ort.Tensor("float32", readFloats(path.join(dir, `${entry.variant}.image.bin`)), entry.shapes.image);
      const result = await session.run({ image });
      for (const name of ["heatmap", "wh", "wh_pre"]) {
        const expected = readFloats(path.join(dir, `${entry.variant}.${name}.bin`));
        const actual = result[name].data;
        assert.deepEqual([...result[name].dims], entry.shapes[name], `${entry.variant} ${name} shape`);
        let maxDiff = 0, maxAbs = 0;
        for (let i = 0; i < expected.length; ++i) {
          maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
          maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        assert.ok(maxAbs > 0.05, `${entry.variant} ${name}: reference output is ~0 (max |x| ${maxAbs}); the check would be vacuous`);
        assert.ok(maxDiff <= 1e-4, `${entry.variant} ${name}: max abs diff ${maxDiff} > 1e-4`);
      }
      await session.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The same models in OpenCV's DNN module (Debian's python3-opencv, run by opencv_dnn_run.py): every
// output at the right shape and within 1e-4 of LibTorch, and OpenCV prints no warning or error while
// loading and running them (an export whose squeeze-and-excitation gate OpenCV fuses into a HardSwish
// gives 8x8 maps without a word: the exporter writes the gate so that it does not).
test("OpenCV DNN runs every exported variant like LibTorch", { skip: !fs.existsSync(fixture) && "trainer not built" }, () => {
  const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const runner = path.join(repoRoot, "tests/onnx/opencv_dnn_run.py");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-opencv-parity-"));
  try {
    execFileSync(fixture, [dir, "128"], { stdio: "pipe" });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    assert.equal(manifest.length, 5);
    for (const entry of manifest) {
      const out = fs.mkdtempSync(path.join(dir, `${entry.variant}-opencv-`));
      const run = spawnSync(python, [runner, path.join(dir, entry.model), path.join(dir, `${entry.variant}.image.bin`),
        entry.shapes.image.join(","), out], { encoding: "utf8", env: { ...process.env, OPENCV_LOG_LEVEL: "WARNING" } });
      assert.equal(run.status, 0, `${entry.variant}: OpenCV DNN failed (python3-opencv is installed by scripts/setup.sh):\n${run.stderr}`);
      assert.doesNotMatch(run.stderr, /WARN|ERROR/i, `${entry.variant}: OpenCV DNN reported:\n${run.stderr}`);
      const shapes = JSON.parse(run.stdout.trim().split("\n").pop()).outputs;
      for (const name of ["heatmap", "wh", "wh_pre"]) {
        assert.deepEqual(shapes[name], entry.shapes[name], `${entry.variant} ${name} shape in OpenCV DNN`);
        const expected = readFloats(path.join(dir, `${entry.variant}.${name}.bin`));
        const actual = readFloats(path.join(out, `${name}.bin`));
        assert.equal(actual.length, expected.length);
        let maxDiff = 0;
        for (let i = 0; i < expected.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        assert.ok(maxDiff <= 1e-4, `${entry.variant} ${name}: OpenCV DNN vs LibTorch max abs diff ${maxDiff} > 1e-4`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The dead-zone scan (tools/scan_runner.mjs: core's C++ on onnxruntime-node) against the trainer's
// own activation tap (LibTorch) on the same two inputs: for every tapped activation, the scan's layer
// of the exported model has the same dead units per channel. Activations are matched in forward
// order by shape (the export keeps the order; the scan also lists activations the tap does not
// record, such as the squeeze-and-excitation branches).
test("the scan's dead units per channel equal LibTorch's on an exported model", { skip: !fs.existsSync(fixture) && "trainer not built" }, async () => {
  const { scanModel } = await import("../../tools/scan_runner.mjs");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-scan-parity-"));
  try {
    execFileSync(fixture, [dir, "128"], { stdio: "pipe" });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    for (const entry of manifest) {
      const both = readFloats(path.join(dir, `${entry.variant}.scan_input.bin`));
      const half = both.length / 2;
      const images = [0, 1].map((i) => ({ name: `input${i}`, tensor: Float32Array.from(both.subarray(i * half, (i + 1) * half)) }));
      const { report } = await scanModel({ modelPath: path.join(dir, entry.model), images });
      let j = 0, compared = 0, deadSeen = 0;
      for (const tapped of entry.activations) {
        while (j < report.layers.length && JSON.stringify(report.layers[j].shape) !== JSON.stringify(tapped.shape)) ++j;
        assert.ok(j < report.layers.length, `${entry.variant}: no scan layer for ${tapped.name} ${JSON.stringify(tapped.shape)}`);
        const layer = report.layers[j++];
        if (!layer.can_die) continue; // LeakyRelu/Softplus heads: nothing can be dead
        const positions = tapped.shape.slice(2).reduce((a, b) => a * b, 1);
        layer.channels.forEach((c, k) => {
          // Values that are ~0 may land on either side of 0 in the two runtimes (BN folded or not):
          // allow 2% of a channel's positions.
          assert.ok(Math.abs(c.dead_units - tapped.dead_units[k]) <= Math.max(1, 0.02 * positions),
            `${entry.variant} ${tapped.name} (${layer.node}) channel ${k}: scan ${c.dead_units}, LibTorch ${tapped.dead_units[k]} dead units`);
          deadSeen += tapped.dead_units[k];
        });
        ++compared;
      }
      assert.ok(compared >= 20, `${entry.variant}: only ${compared} layers compared`);
      assert.ok(deadSeen > 0, `${entry.variant}: no dead unit at all: the comparison would be vacuous`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
