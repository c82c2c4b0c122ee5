// Ground truth in the Detect view: a labelled sample (or an image dropped with its YOLO .txt) gets its
// boxes drawn, each detection its IoU, each panel precision/recall/mean IoU at the current threshold.
// The numbers are checked against an independent matching written here (greedy by score, same class,
// IoU >= 0.5: the rule core/'s match_image documents), from the boxes the app shows and the label
// file's text read here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startExplorer, openPage, waitForApp, waitFor, state, dropFiles, repoRoot, screenshot } from "./harness.mjs";

const IMAGES = path.join(repoRoot, "assets/images");
const bothDone = (gen) => `s.panels.every((p) => p.has_result && !p.busy && p.image_generation === ${gen})`;

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

// YOLO rows (class cx cy w h, normalised) -> pixel boxes.
function yoloBoxes(text, width, height) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [c, cx, cy, w, h] = l.split(/\s+/).map(Number);
    return { x1: (cx - w / 2) * width, y1: (cy - h / 2) * height, x2: (cx + w / 2) * width, y2: (cy + h / 2) * height, class_id: c };
  });
}

function iou(a, b) {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1), ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

function matchOracle(gt, preds) {
  const order = preds.map((_, i) => i).sort((a, b) => preds[b].score - preds[a].score || a - b);
  const used = gt.map(() => false), gtOf = preds.map(() => -1), iouOf = preds.map(() => 0);
  for (const i of order) {
    let best = 0.5, j = -1;
    gt.forEach((g, k) => { if (!used[k] && g.class_id === preds[i].class_id && iou(preds[i], g) >= best) { best = iou(preds[i], g); j = k; } });
    if (j >= 0) { used[j] = true; gtOf[i] = j; iouOf[i] = best; }
    else iouOf[i] = Math.max(0, ...gt.filter((g) => g.class_id === preds[i].class_id).map((g) => iou(preds[i], g)));
  }
  const tp = gtOf.filter((j) => j >= 0).length;
  const matched = iouOf.filter((_, i) => gtOf[i] >= 0);
  return { tp, gtOf, iouOf, precision: preds.length ? tp / preds.length : 0, recall: gt.length ? tp / gt.length : 0,
           meanIou: tp ? matched.reduce((a, b) => a + b, 0) / tp : 0 };
}

function assertMatchesOracle(s, gt, what) {
  for (const [p, panel] of s.panels.entries()) {
    const want = matchOracle(gt, panel.detections);
    const got = panel.match;
    assert.ok(got, `${what}: panel ${p} has no match read-out`);
    assert.equal(got.true_positives, want.tp, `${what}: panel ${p} true positives`);
    assert.deepEqual(got.gt_of_prediction, want.gtOf, `${what}: panel ${p} matches`);
    got.iou_of_prediction.forEach((v, i) => assert.ok(Math.abs(v - want.iouOf[i]) < 1e-4, `${what}: panel ${p} IoU of box ${i}: ${v} vs ${want.iouOf[i]}`));
    assert.ok(Math.abs(got.precision - want.precision) < 1e-9, `${what}: panel ${p} precision`);
    assert.ok(Math.abs(got.recall - want.recall) < 1e-9, `${what}: panel ${p} recall`);
    assert.ok(Math.abs(got.mean_iou - want.meanIou) < 1e-4, `${what}: panel ${p} mean IoU`);
  }
}

test("the labelled first sample: GT boxes, each box's IoU, precision/recall/mean IoU per panel, labels that do not overlap", async () => {
  const { page, problems } = await openPage(explorer, { query: "" }); // the first sample is shown, with its labels
  assert.equal((await waitForApp(page)).error, null);
  const first = JSON.parse(fs.readFileSync(path.join(IMAGES, "samples.json"), "utf8")).images[0];
  const pairs = JSON.parse(fs.readFileSync(path.join(repoRoot, "assets/models/manifest.json"), "utf8")).pairs;
  let s = await waitFor(page, `s.image.generation > 0 && s.ground_truth.available && ${bothDone("s.image.generation")} &&
    s.panels.map((p) => p.result_model).join() === ${JSON.stringify(pairs[first.pair].join())}`);
  assert.equal(s.image.name, first.file);
  assert.equal(s.ground_truth.file, first.labels);
  const gt = yoloBoxes(fs.readFileSync(path.join(IMAGES, first.labels), "utf8"), s.image.width, s.image.height);
  assert.equal(s.ground_truth.boxes.length, gt.length);
  s.ground_truth.boxes.forEach((b, i) => {
    for (const k of ["x1", "y1", "x2", "y2"]) assert.ok(Math.abs(b[k] - gt[i][k]) < 1e-3, `GT box ${i} ${k}`);
    assert.equal(b.class_id, gt[i].class_id);
  });
  for (const threshold of [0.3, 0.1, 0.5]) {
    await page.evaluate((t) => window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [t, 100]), threshold);
    s = await state(page);
    assertMatchesOracle(s, gt, `threshold ${threshold}`);
  }
  // The story in numbers: the broken model's boxes (left edge on the centre) fit worse than the fix's.
  await page.evaluate(() => window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [0.3, 100]));
  await page.waitForTimeout(200);
  s = await state(page);
  assert.deepEqual(s.panels.map((p) => p.model), pairs[first.pair]);
  assert.ok(s.panels[1].match.true_positives > 0, "the fixed model found none of the labelled objects");
  const iouOfAll = (p) => s.panels[p].match.iou_of_prediction.reduce((a, b) => a + b, 0) / Math.max(1, s.panels[p].detections.length);
  assert.ok(iouOfAll(0) < iouOfAll(1), `broken boxes fit no worse than the fix's: ${iouOfAll(0)} vs ${iouOfAll(1)}`);
  for (const p of s.panels) {
    assert.ok(p.legend.includes("ground truth"), `legend: ${p.legend}`);
    // Labels never cover each other.
    for (let i = 0; i < p.label_rects.length; ++i)
      for (let j = i + 1; j < p.label_rects.length; ++j) {
        const [a, b] = [p.label_rects[i], p.label_rects[j]];
        assert.ok(!(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]), `labels ${i} and ${j} overlap`);
      }
    assert.equal(p.label_rects.length + p.labels_hidden, p.detections.length);
  }
  await screenshot(page, "detect-ground-truth");
  // G turns it off: no GT read-out, no GT legend entry.
  await page.mouse.move(5, 300);
  await page.keyboard.press("g");
  s = await waitFor(page, `!s.ground_truth.show`, 5000);
  await page.waitForTimeout(100);
  s = await state(page);
  assert.ok(s.panels.every((p) => !p.match && !p.legend.includes("ground truth")));
  assert.deepEqual(problems.filter((p) => !/adapter/i.test(p)), []);
  await page.close();
});

test("an image dropped with its .txt (either order) gets ground truth; bad rows are named; a stray .txt waits for its image", async () => {
  const { page } = await openPage(explorer);
  assert.equal((await waitForApp(page)).error, null);
  await waitFor(page, `s.models.length >= 2 && s.panels.every((p) => p.model)`, 60000);
  const png = fs.readFileSync(path.join(IMAGES, "synthetic-99-0.png"));
  const txt = fs.readFileSync(path.join(IMAGES, "synthetic-99-0.txt"), "utf8");

  // Labels first, under a phone-ish name, with a bad row and CRLF ends; then the image of that stem.
  await dropFiles(page, [{ name: "IMG_0042.txt", bytes: Buffer.from(txt.trim().split("\n").join("\r\n") + "\r\n0 nan 0.5 0.1 0.1\r\n") }]);
  let s = await waitFor(page, `s.messages.some((m) => /IMG_0042\\.txt.*kept/.test(m.text))`, 10000);
  assert.equal(s.ground_truth.available, false);
  let gen = s.image.generation;
  await dropFiles(page, [{ name: "IMG_0042.png", bytes: png }]);
  s = await waitFor(page, `s.image.generation === ${gen + 1} && ${bothDone(gen + 1)}`);
  assert.equal(s.ground_truth.available, true);
  assert.equal(s.ground_truth.file, "IMG_0042.txt");
  const rows = txt.trim().split("\n").length;
  assert.equal(s.ground_truth.boxes.length, rows);
  assert.deepEqual(s.ground_truth.dropped, [{ line: rows + 1, reason: "non-finite value 'nan'" }]);
  assert.ok(s.messages.some((m) => m.error && new RegExp(`line ${rows + 1}: non-finite`).test(m.text)), "the bad row was not reported");
  assertMatchesOracle(s, yoloBoxes(txt, s.image.width, s.image.height), "dropped labels");

  // Image and labels in one drop, image first.
  gen = s.image.generation;
  await dropFiles(page, [{ name: "scene.png", bytes: png }, { name: "scene.txt", bytes: Buffer.from(txt) }]);
  s = await waitFor(page, `s.image.generation === ${gen + 1} && s.ground_truth.available && s.ground_truth.file === "scene.txt"`);
  assert.equal(s.ground_truth.boxes.length, rows);

  // A binary file of that name is refused and the good labels stay.
  await dropFiles(page, [{ name: "scene.txt", bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]) }]);
  s = await waitFor(page, `s.messages.some((m) => m.error && /scene\\.txt.*not used.*binary/.test(m.text))`, 10000);
  assert.equal(s.ground_truth.boxes.length, rows);

  // Another image: no labels of its stem, so no ground truth, and the checkbox says how to add some.
  gen = s.image.generation;
  await dropFiles(page, [{ name: "other.png", bytes: png }]);
  s = await waitFor(page, `s.image.generation === ${gen + 1}`);
  assert.equal(s.ground_truth.available, false);
  assert.ok(s.panels.every((p) => !p.match));
  await page.close();
});

test("a phone photo with EXIF orientation 6 is shown upright and its upright labels land on its objects; BMP variants", async () => {
  // The shared real-input case c02 (tests/data/images): pixels stored sideways, Orientation = 6, labels
  // written for the upright picture.
  const DATA = path.join(repoRoot, "tests/data/images");
  const jpg = fs.readFileSync(path.join(DATA, "c02_exif_orient6.jpg"));
  const txt = fs.readFileSync(path.join(DATA, "c02_exif_orient6.txt"), "utf8");
  const { page } = await openPage(explorer);
  assert.equal((await waitForApp(page)).error, null);
  let s = await waitFor(page, `s.models.length >= 2 && s.panels.every((p) => p.model)`, 60000);
  let gen = s.image.generation;
  await dropFiles(page, [{ name: "c02_exif_orient6.jpg", bytes: jpg }, { name: "c02_exif_orient6.txt", bytes: Buffer.from(txt) }]);
  s = await waitFor(page, `s.image.generation === ${gen + 1} && s.ground_truth.available && ${bothDone(gen + 1)}`);
  assert.equal(s.image.exif_orientation, 6);
  assert.ok(s.messages.some((m) => !m.error && /EXIF orientation 6 applied.*clockwise/.test(m.text)), "the app says it turned the photo");
  // The stored JPEG is wider than tall (SOF: width at byte 7 of the frame header); upright it is the other way.
  const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
  const [storedH, storedW] = [jpg.readUInt16BE(sof + 5), jpg.readUInt16BE(sof + 7)];
  assert.deepEqual([s.image.width, s.image.height], [storedH, storedW]);
  assert.deepEqual(s.ground_truth.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2].map(Math.round)),
                   yoloBoxes(txt, s.image.width, s.image.height).map((b) => [b.x1, b.y1, b.x2, b.y2].map(Math.round)));
  await screenshot(page, "detect-exif-upright");

  // A V3 BITFIELDS BMP (the shared case c04) decodes; an RLE8 one is refused by name, the photo kept.
  gen = s.image.generation;
  await dropFiles(page, [{ name: "c04_v3hdr_bitfields32.bmp", bytes: fs.readFileSync(path.join(DATA, "c04_v3hdr_bitfields32.bmp")) }]);
  s = await waitFor(page, `s.image.generation === ${gen + 1}`);
  assert.deepEqual([s.image.width, s.image.height], [640, 480]);
  const rle = Buffer.from(fs.readFileSync(path.join(DATA, "c04_v3hdr_bitfields32.bmp")));
  rle.writeUInt16LE(8, 14 + 14);
  rle.writeUInt32LE(1, 14 + 16);
  await dropFiles(page, [{ name: "rle8.bmp", bytes: rle }]);
  s = await waitFor(page, `s.messages.some((m) => m.error && /rle8\\.bmp.*RLE8 compression is not supported/.test(m.text))`, 10000);
  assert.equal(s.image.generation, gen + 1);
  assert.equal(s.image.name, "c04_v3hdr_bitfields32.bmp");
  await page.close();
});
