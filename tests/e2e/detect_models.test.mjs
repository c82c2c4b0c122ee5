// The Detect view explains itself. Its model picker explains its models: they are listed in the manifest's order
// whatever order their files arrive in, and each shipped model carries the manifest's card (what it
// changes, what it was trained on, mAP@0.5, dead channels since which step).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startExplorer, openPage, waitForApp, waitFor, repoRoot, screenshot } from "./harness.mjs";

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "assets/models/manifest.json"), "utf8"));
const names = manifest.models.map((m) => m.name);

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

// Opens the page with the model files delayed so that they arrive in the given order.
async function openWithArrivalOrder(order) {
  const { page, problems } = await openPage(explorer, {
    beforeLoad: (p) => p.route("**/assets/models/*.onnx", async (route) => {
      const name = path.basename(new URL(route.request().url()).pathname, ".onnx");
      await new Promise((r) => setTimeout(r, 400 * Math.max(0, order.indexOf(name))));
      await route.continue();
    }),
  });
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  const s = await waitFor(page, `s.models.length === ${names.length}`, 60000);
  return { page, problems, s };
}

test("models are listed in the manifest's order, whatever order they arrive in", async () => {
  for (const order of [[...names].reverse(), [names[2], names[0], names[4], names[1], names[3]], names]) {
    const { page, problems, s } = await openWithArrivalOrder(order);
    assert.deepEqual(s.models.map((m) => m.name), names, `arrival order ${order.join(", ")}`);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test("each shipped model carries the manifest's card: change, training data, mAP@0.5, dead channels", async () => {
  const { page, problems, s } = await openWithArrivalOrder(names);
  for (const entry of manifest.models) {
    const m = s.models.find((x) => x.name === entry.name);
    assert.ok(m.card, `${entry.name} has no card`);
    assert.equal(m.card.description, entry.description);
    assert.equal(m.card.training, entry.training ?? manifest.training); // a model's own line, else the manifest's
    assert.equal(m.card.evaluated, true);
    assert.equal(m.card.map50, entry.evaluation.map50);
    assert.equal(m.card.mean_iou, entry.evaluation.mean_iou);
    assert.deepEqual(m.card.dead_channels, entry.evaluation.dead_channels);
  }
  // Each pair's broken model says its left channel died, and scores below its fix.
  for (const [brokenName, fixName] of Object.values(manifest.pairs)) {
    const broken = s.models.find((x) => x.name === brokenName).card;
    assert.deepEqual(broken.dead_channels.map((d) => d.channel), [0], brokenName);
    assert.ok(broken.map50 < s.models.find((x) => x.name === fixName).card.map50, `${brokenName} vs ${fixName}`);
  }
  // The picker's tooltip, for the README and a look.
  await waitFor(page, `s.widgets && "detect:model0" in s.widgets`, 10000);
  const [x, y, w, h] = (await page.evaluate(() => window.deadzone.state())).widgets["detect:model0"];
  await page.mouse.move(x + w / 2, y + h / 2);
  await page.waitForTimeout(900);
  await screenshot(page, "detect-model-card");
  assert.deepEqual(problems, []);
  await page.close();
});

// A quick click (press and release at once, as automation and some people do) on either Open button
// opens the browser's file chooser exactly once: the page opens it inside the browser's own event
// (the press), where the user activation a chooser needs is certain, not a frame later in ImGui.
test("a quick click on an Open button opens the file chooser once", async () => {
  let opened = 0;
  // Listening before the page loads: Playwright intercepts choosers only once it listens.
  const { page, problems } = await openPage(explorer, { beforeLoad: (p) => p.on("filechooser", () => { ++opened; }) });
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  // Playwright turns its chooser interception on asynchronously; a chooser shown before that is
  // cancelled unseen (measured: a click 3 s after the listener was seen every time, at once not).
  await page.waitForTimeout(3000);
  for (const [view, widget] of [["detect", "open"], ["replay", "replay:open"]]) {
    await page.evaluate((v) => window.deadzone.call("dz_set_view", null, ["string"], [v]), view);
    const s = await waitFor(page, `s.widgets && ${JSON.stringify(widget)} in s.widgets`, 10000);
    const [x, y, w, h] = s.widgets[widget];
    const before = opened;
    await page.mouse.click(x + w / 2, y + h / 2);
    await page.waitForTimeout(1500); // ImGui's own press of the button comes a frame later
    assert.equal(opened - before, 1, `${widget}: the chooser opened ${opened - before} times`);
    // It opens in the browser's own event, on the press: before ImGui has seen a click at all.
    await page.mouse.move(x + w / 2, y + h / 2);
    await page.mouse.down();
    await page.waitForTimeout(300);
    assert.equal(opened - before, 2, `${widget}: the press did not open the chooser`);
    await page.mouse.up();
    await page.waitForTimeout(1500);
    assert.equal(opened - before, 2, `${widget}: ImGui's click opened it a second time`);
  }
  // A click elsewhere opens nothing.
  const before = opened;
  await page.mouse.click(640, 500);
  await page.waitForTimeout(800);
  assert.equal(opened, before);
  assert.deepEqual(problems.filter((p) => !/No available adapters/.test(p)), []);
  await page.close();
});

// Every mark on the image has a legend entry: a box colour per class found, the centre dot, and on
// the dead model's panel the dashed ghost, named after the model it comes from.
test("the legend names every mark drawn, and the ghost's model", async () => {
  const { page, problems } = await openPage(explorer, { query: "" }); // the first sample, detected at once
  await waitForApp(page);
  // The first sample is a street frame, detected by the street pair (one class: person).
  const [brokenName, fixName] = manifest.pairs.street;
  const s = await waitFor(page, `s.image.generation === 1 && s.panels.every((p) => p.has_result && !p.busy) && s.panels[0].legend.length > 0 &&
    s.panels[1].result_model === "${fixName}"`);
  const manifestClasses = ["person"];
  for (const p of s.panels) {
    const found = [...new Set(p.detections.map((d) => d.class_id))].sort().map((c) => manifestClasses[c]);
    assert.deepEqual(p.legend.filter((e) => manifestClasses.includes(e)), found, `${p.model}: one box entry per class found`);
    assert.ok(p.legend.includes("box centre"), `${p.model}: no centre-dot entry`);
  }
  // broken (left dead) on the left draws the fix's left edges; the fix draws no ghost.
  assert.equal(s.panels[0].model, brokenName);
  assert.ok(s.panels[0].legend.includes(`left edges by ${fixName}`), `left legend: ${s.panels[0].legend.join(", ")}`);
  assert.ok(!s.panels[1].legend.some((e) => e.startsWith("left edges")), `right legend: ${s.panels[1].legend.join(", ")}`);
  // A threshold above every score leaves no box: the legend says so instead of listing marks; only
  // the labelled boxes (the first sample has labels) are still drawn and named.
  await page.evaluate(() => window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [0.999, 100]));
  const none = await waitFor(page, `s.params.score_threshold > 0.99 && s.panels.every((p) => p.detections.length === 0)`, 10000);
  await page.waitForTimeout(300);
  assert.deepEqual((await page.evaluate(() => window.deadzone.state())).panels.map((p) => p.legend), [["ground truth"], ["ground truth"]]);
  assert.ok(none);
  await page.evaluate(() => window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [0.3, 100]));
  await waitFor(page, `s.panels[0].legend.includes("left edges by ${fixName}")`, 10000);
  await screenshot(page, "detect-legend");
  assert.deepEqual(problems, []);
  await page.close();
});
