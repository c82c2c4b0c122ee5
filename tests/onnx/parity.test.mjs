// Every exported head variant, run in onnxruntime-node, must match LibTorch on the same input:
// heatmap, wh and wh_pre, max abs diff <= 1e-4. The native fixture writes the models and the
// LibTorch reference outputs; this test runs ONNX Runtime on them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
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
