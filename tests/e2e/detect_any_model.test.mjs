// Models exported by other code run in the Detect view: any input name, a fixed non-square input, a
// symbolic H and W (the app picks a size and says which), a heatmap exported after its sigmoid,
// weights in an external data file, float16 input and outputs, CenterNet's size + offset outputs fed
// BGR, and boxes mapped back through the letterbox actually used. The models and the scene are the shared
// real-input cases (tests/data): three blobs whose boxes are known.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startExplorer, openWithModels, dropFiles, state, waitFor, repoRoot, screenshot, clickWidget } from "./harness.mjs";

const DATA = path.join(repoRoot, "tests/data");
const SCENE = fs.readFileSync(path.join(DATA, "images/reference_scene.png"));
// The cases' README: the three blobs' boxes are (368,168,432,232), (128,208,192,272), (528,348,592,412)
// at 640x480 with the cell-corner convention (decode.h's): centres (400,200), (160,240), (560,380),
// and the models give every box 32 input pixels on each side of its centre. Through a letterbox of
// scale k those are 32 / k source pixels.
const CENTRES = [[400, 200], [160, 240], [560, 380]];
const HALF_SIDE_INPUT_PX = 32;

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

function assertBoxes(detections, scale, tolerance, what) {
  assert.equal(detections.length, CENTRES.length, `${what}: ${detections.length} boxes`);
  const half = HALF_SIDE_INPUT_PX / scale;
  for (const [cx, cy] of CENTRES) {
    const want = [cx - half, cy - half, cx + half, cy + half];
    const got = detections.find((d) => Math.abs(d.cx - cx) < 20 && Math.abs(d.cy - cy) < 20);
    assert.ok(got, `${what}: no box near (${cx}, ${cy})`);
    [got.x1, got.y1, got.x2, got.y2].forEach((v, k) =>
      assert.ok(Math.abs(v - want[k]) <= tolerance, `${what}: box at (${cx}, ${cy}) edge ${k} at ${v}, expected ${want[k]}`));
  }
}

test("models with other names, sizes and a sigmoid heatmap find the scene's three blobs", async () => {
  const { page, problems } = await openWithModels(explorer);
  let gen = (await state(page)).image.generation;
  await dropFiles(page, [{ name: "reference_scene.png", bytes: SCENE }]);
  await waitFor(page, `s.image.generation === ${gen + 1}`);
  // [file, input size, letterbox scale, tolerance in source px]: a 640x480 model sees the scene as it
  // is; the 512x288 one through a letterbox (scale 0.6: one stride-4 cell is 6.7 source px).
  for (const [file, size, scale, tolerance] of [["c12_reference_ok", [640, 480], 1, 1], ["c10_dynamic_hw", [640, 480], 1, 1],
                                                ["c10_fixed_288x512", [512, 288], 0.6, 7]]) {
    await dropFiles(page, [{ name: `${file}.onnx`, bytes: fs.readFileSync(path.join(DATA, "models", file + ".onnx")) }]);
    let s = await waitFor(page, `s.models.some((m) => m.name === "${file}")`, 30000);
    const model = s.models.find((m) => m.name === file);
    assert.equal(model.interface.input, "input");
    assert.equal(model.interface.heatmap_probabilities, true);
    await page.evaluate((name) => window.deadzone.call("dz_select_model", "number", ["number", "string"], [1, name]), file);
    s = await waitFor(page, `s.panels[1].model === "${file}" && s.panels[1].has_result && !s.panels[1].busy && ` +
                            `s.panels[1].result_model === "${file}"`);
    assert.equal(s.panels[1].error, "", `${file}: ${s.panels[1].error}`);
    assert.deepEqual(s.panels[1].output_size.slice(1), [size[1] / 4, size[0] / 4], `${file}: output size`);
    assertBoxes(s.panels[1].detections, scale, tolerance, file);
    if (file === "c10_dynamic_hw") {
      assert.deepEqual(model.input_size, [0, 0], "a symbolic input reads as fixed");
      await screenshot(page, "detect-any-model-dynamic");
    }
  }
  assert.deepEqual(problems.filter((p) => !/adapter|weights in/i.test(p)), []);
  await page.close();
});

test("a model whose weights live in an external .data file runs once that file is dropped too, in either order", async () => {
  const model = { name: "c10_external_data.onnx", bytes: fs.readFileSync(path.join(DATA, "models/c10_external_data.onnx")) };
  const data = { name: "c10_external_data.onnx.data", bytes: fs.readFileSync(path.join(DATA, "models/c10_external_data.onnx.data")) };
  // The model alone: it says which file to drop, and waits for it.
  let { page } = await openWithModels(explorer);
  await dropFiles(page, [{ name: "reference_scene.png", bytes: SCENE }]);
  await dropFiles(page, [model]);
  let s = await waitFor(page, `s.messages.some((m) => /c10_external_data\\.onnx\\.data.*drop that file too/.test(m.text))`, 10000);
  assert.ok(!s.models.some((m) => m.name === "c10_external_data"));
  await dropFiles(page, [data]);
  s = await waitFor(page, `s.panels[1].result_model === "c10_external_data" && !s.panels[1].busy`);
  assert.equal(s.panels[1].error, "");
  assertBoxes(s.panels[1].detections, 1, 1, "external data, dropped later");
  await page.close();
  // Both in one drop, the data file first.
  ({ page } = await openWithModels(explorer));
  await dropFiles(page, [{ name: "reference_scene.png", bytes: SCENE }]);
  await dropFiles(page, [data, model]);
  s = await waitFor(page, `s.panels[1].result_model === "c10_external_data" && !s.panels[1].busy`);
  assertBoxes(s.panels[1].detections, 1, 1, "external data, dropped together");
  await page.close();
});

test("a model exported in half precision (float16 input and outputs, other output names) gives the float32 model's boxes", async () => {
  const { page } = await openWithModels(explorer);
  const gen = (await state(page)).image.generation;
  await dropFiles(page, [{ name: "blobs-wide.png", bytes: fs.readFileSync(path.join(repoRoot, "assets/images/blobs-wide.png")) }]);
  await waitFor(page, `s.image.generation === ${gen + 1} && s.panels[0].has_result && !s.panels[0].busy`);
  await dropFiles(page, [{ name: "broken-fp16.onnx", bytes: fs.readFileSync(path.join(repoRoot, "build/native/test_models/broken-fp16.onnx")) }]);
  await waitFor(page, `s.models.some((m) => m.name === "broken-fp16")`, 30000);
  await page.evaluate(() => window.deadzone.call("dz_select_model", "number", ["number", "string"], [1, "broken-fp16"]));
  const s = await waitFor(page, `s.panels[1].result_model === "broken-fp16" && !s.panels[1].busy && s.panels[0].result_model === "broken"`);
  assert.equal(s.panels[1].error, "");
  const iface = s.models.find((m) => m.name === "broken-fp16").interface;
  assert.equal(iface.input, "image_fp16");
  assert.match(iface.found_by, /by shape/);
  const [full, half] = [s.panels[0].detections, s.panels[1].detections];
  assert.ok(full.length > 0);
  assert.equal(half.length, full.length, "float16 found another number of boxes");
  full.forEach((d, i) => {
    for (const k of ["x1", "y1", "x2", "y2"]) assert.ok(Math.abs(d[k] - half[i][k]) < 0.5, `box ${i} ${k}: ${d[k]} vs ${half[i][k]}`);
    assert.ok(Math.abs(d.score - half[i].score) < 0.01, `box ${i} score`);
  });
  // The dead left channel survives the conversion: exactly zero is exact in float16.
  assert.deepEqual(s.panels[1].channels.map((c) => c.dead), [true, false, false, false]);
  await page.close();
});

test("the interface step: a corrected mapping changes the boxes, is refused when it does not fit, and is remembered", async () => {
  const c12 = { name: "c12_reference_ok.onnx", bytes: fs.readFileSync(path.join(DATA, "models/c12_reference_ok.onnx")) };
  const open = async () => {
    const { page } = await openWithModels(explorer);
    await dropFiles(page, [{ name: "reference_scene.png", bytes: SCENE }]);
    await dropFiles(page, [c12]);
    const s = await waitFor(page, `s.panels[1].result_model === "c12_reference_ok" && !s.panels[1].busy`);
    return { page, s };
  };
  let { page, s } = await open();
  const mapping = s.models.find((m) => m.name === "c12_reference_ok").interface.mapping;
  assert.deepEqual(mapping, { heatmap: "heatmap", wh: "wh", wh_pre: "wh_pre", offset: "", heatmap_encoding: "probabilities",
                              box_encoding: "ltrb", box_units: "input_px", stride: 4, scaling: "imagenet", channel_order: "rgb" });
  // Say the distances are in feature cells: every box is 4 times as large (clipped to the image).
  const set = (m) => page.evaluate((json) => window.deadzone.call("dz_set_interface", "number", ["string", "string"],
                                                                  ["c12_reference_ok", json]), JSON.stringify(m));
  assert.equal(await set({ ...mapping, box_units: "stride" }), 1);
  s = await waitFor(page, `s.panels[1].result_model === "c12_reference_ok" && !s.panels[1].busy && ` +
                          `s.panels[1].detections.some((d) => d.x2 - d.x1 > 200)`);
  const big = s.panels[1].detections.find((d) => Math.abs(d.cx - 400) < 5);
  assert.deepEqual([big.x1, big.y1, big.x2, big.y2].map(Math.round), [272, 72, 528, 328]);
  // A box map with one channel does not fit: refused, named, nothing changed.
  assert.equal(await set({ ...mapping, box_units: "stride", wh: "heatmap" }), 0);
  s = await waitFor(page, `s.messages.some((m) => m.error && /interface not set.*'heatmap'/.test(m.text))`, 5000);
  assert.equal(s.models.find((m) => m.name === "c12_reference_ok").interface.mapping.box_units, "stride");
  // The button opens the step (a screenshot for a look).
  await clickWidget(page, "detect:interface1");
  await page.waitForTimeout(300);
  await screenshot(page, "detect-interface-step");
  await page.close();
  // Another visit, the same file: the mapping is remembered.
  ({ page, s } = await open());
  assert.equal(s.models.find((m) => m.name === "c12_reference_ok").interface.mapping.box_units, "stride");
  assert.ok(s.messages.some((m) => /earlier visit/.test(m.text)));
  assert.ok(s.panels[1].detections.some((d) => d.x2 - d.x1 > 200));
  await page.close();
});

test("a CenterNet-style export (size + offset outputs) fed BGR gives the TTFNet model's boxes once BGR is set", async () => {
  // broken-centernet-bgr (make_test_models): broken's boxes re-encoded as CenterNet's hm / wh / reg,
  // with a BGR input. Guessed as CenterNet by shape; RGB is the default, under which its red and blue
  // blobs swap classes but keep their boxes; with BGR set, boxes and classes are broken's.
  const { page } = await openWithModels(explorer);
  const gen = (await state(page)).image.generation;
  await dropFiles(page, [{ name: "blobs-wide.png", bytes: fs.readFileSync(path.join(repoRoot, "assets/images/blobs-wide.png")) }]);
  await waitFor(page, `s.image.generation === ${gen + 1} && s.panels[0].has_result && !s.panels[0].busy`);
  const file = "broken-centernet-bgr";
  await dropFiles(page, [{ name: `${file}.onnx`, bytes: fs.readFileSync(path.join(repoRoot, `build/native/test_models/${file}.onnx`)) }]);
  let s = await waitFor(page, `s.models.some((m) => m.name === "${file}")`, 30000);
  const iface = s.models.find((m) => m.name === file).interface;
  assert.match(iface.found_by, /by shape.*offset = reg.*CenterNet/);
  assert.deepEqual({ ...iface.mapping }, { heatmap: "hm", wh: "wh", wh_pre: "", offset: "reg", heatmap_encoding: "logits",
                                           box_encoding: "centernet", box_units: "stride", stride: 4, scaling: "imagenet",
                                           channel_order: "rgb" });
  await page.evaluate((name) => window.deadzone.call("dz_select_model", "number", ["number", "string"], [1, name]), file);
  const done = `s.panels[1].result_model === "${file}" && !s.panels[1].busy && s.panels[0].result_model === "broken"`;
  s = await waitFor(page, done);
  assert.equal(s.panels[1].error, "");
  const reference = s.panels[0].detections;
  assert.ok(reference.length >= 2, `broken found ${reference.length} boxes`);
  assert.ok(new Set(reference.map((d) => d.class_id)).size === 2, "the sample has a red and a blue blob");
  const sameBoxes = (got, what) => {
    assert.equal(got.length, reference.length, `${what}: ${got.length} boxes, broken ${reference.length}`);
    for (const want of reference) {
      const d = got.find((g) => Math.abs(g.cx - want.cx) < 1 && Math.abs(g.cy - want.cy) < 1);
      assert.ok(d, `${what}: no box centred at (${want.cx}, ${want.cy})`);
      for (const k of ["x1", "y1", "x2", "y2"]) assert.ok(Math.abs(d[k] - want[k]) < 0.5, `${what}: ${k} ${d[k]} vs ${want[k]}`);
    }
  };
  // Read as RGB: the same boxes, every class swapped.
  sameBoxes(s.panels[1].detections, "as RGB");
  for (const want of reference) {
    const d = s.panels[1].detections.find((g) => Math.abs(g.cx - want.cx) < 1 && Math.abs(g.cy - want.cy) < 1);
    assert.equal(d.class_id, 1 - want.class_id, "as RGB the colours are swapped");
  }
  // The interface step says BGR: classes right, boxes unchanged. The dump shows the head as the model
  // wrote it (width, height, offsets), not the derived edges: none of those is dead here.
  const mapping = { ...iface.mapping, channel_order: "bgr" };
  assert.equal(await page.evaluate((json) => window.deadzone.call("dz_set_interface", "number", ["string", "string"],
                                                                  ["broken-centernet-bgr", json]), JSON.stringify(mapping)), 1);
  s = await waitFor(page, `${done} && s.models.find((m) => m.name === "${file}").interface.mapping.channel_order === "bgr" && ` +
                          `s.panels[1].detections.length > 0 && s.panels[1].detections[0].class_id === s.panels[0].detections[0].class_id`);
  sameBoxes(s.panels[1].detections, "as BGR");
  for (const want of reference) {
    const d = s.panels[1].detections.find((g) => Math.abs(g.cx - want.cx) < 1 && Math.abs(g.cy - want.cy) < 1);
    assert.equal(d.class_id, want.class_id, "as BGR the classes are broken's");
  }
  assert.deepEqual(s.panels[1].channels.map((c) => [c.name, c.dead]),
                   [["width", false], ["height", false], ["offset x", false], ["offset y", false]]);
  assert.match(s.panels[1].dump_text, /wh channel 0 \(width\)/);
  // The step shows the CenterNet fields (a screenshot for a look).
  await clickWidget(page, "detect:interface1");
  await page.waitForTimeout(300);
  await screenshot(page, "detect-interface-centernet");
  await page.close();
});

test("a CenterNet model whose width channel died: the dump flags 'width' dead (judged on the size map, not the derived edges)", async () => {
  // centernet-dead-width: the same model with its size through a ReLU whose width input is -1
  // everywhere. Its derived left and right edges are -dx*s and dx*s, not 0: judged on them, the dead
  // channel would be missed.
  const { page } = await openWithModels(explorer);
  const gen = (await state(page)).image.generation;
  await dropFiles(page, [{ name: "blobs-wide.png", bytes: fs.readFileSync(path.join(repoRoot, "assets/images/blobs-wide.png")) }]);
  await waitFor(page, `s.image.generation === ${gen + 1} && s.panels[0].has_result && !s.panels[0].busy`);
  const file = "centernet-dead-width";
  await dropFiles(page, [{ name: `${file}.onnx`, bytes: fs.readFileSync(path.join(repoRoot, `build/native/test_models/${file}.onnx`)) }]);
  await waitFor(page, `s.models.some((m) => m.name === "${file}")`, 30000);
  await page.evaluate((name) => window.deadzone.call("dz_select_model", "number", ["number", "string"], [1, name]), file);
  const s = await waitFor(page, `s.panels[1].result_model === "${file}" && !s.panels[1].busy`);
  assert.equal(s.panels[1].error, "");
  assert.deepEqual(s.panels[1].channels.map((c) => [c.name, c.dead]),
                   [["width", true], ["height", false], ["offset x", false], ["offset y", false]]);
  assert.match(s.panels[1].dump_text, /wh channel 0 \(width\).*<- DEAD/);
  await page.close();
});
