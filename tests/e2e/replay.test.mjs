// The Replay view end to end: the shipped broken run's telemetry in the browser must show the death
// the file records (step and channel), scrubbing must show the file's numbers at that step, two runs
// overlay, bad files are reported without losing what is loaded, and a run still being written is
// followed live. Every expected value is read from the telemetry files here, in Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { startExplorer, openPage, waitForApp, screenshot, repoRoot, dropFiles, state, waitFor, clickWidget } from "./harness.mjs";

const TELEMETRY = path.join(repoRoot, "assets/telemetry");
const manifestPairs = JSON.parse(fs.readFileSync(path.join(repoRoot, "assets/models/manifest.json"), "utf8")).pairs;

// The lines of a shipped telemetry file (gzip) and its records, parsed here independently of core/.
function shippedLines(name) {
  return zlib.gunzipSync(fs.readFileSync(path.join(TELEMETRY, name + ".jsonl.gz"))).toString("utf8").split("\n").filter((l) => l.trim());
}
const records = (lines) => lines.map((l) => JSON.parse(l));

// The step record the app must show at `step`: the last one at or before it.
function recordAt(recs, step) {
  let found = null;
  for (const r of recs) if (r.type === "step" && r.step <= step) found = r;
  return found;
}

function assertChannelsMatch(shown, record) {
  assert.equal(shown.record_step, record.step);
  for (const w of record.wh_channels) {
    const s = shown.wh_channels.find((c) => c.channel === w.channel);
    assert.ok(s, `channel ${w.channel} missing`);
    for (const [k, v] of [["pre_min", w.pre.min], ["pre_max", w.pre.max], ["pre_mean", w.pre.mean], ["frac_pos", w.pre.frac_pos],
      ["post_max", w.post.max], ["bias", w.bias], ["grad_norm", w.grad_norm]])
      assert.equal(s[k], v, `step ${record.step} channel ${w.channel} ${k}: app ${s[k]}, file ${v}`);
  }
}

let explorer;
let runsDir;
before(async () => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), `deadzone-runs-${process.pid}-`));
  explorer = await startExplorer({ webgpu: false, runsDir });
});
after(async () => {
  await explorer?.close();
  fs.rmSync(runsDir, { recursive: true, force: true });
});

async function openReplay(query) {
  const { page, problems } = await openPage(explorer, query === undefined ? {} : { query });
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  return { page, problems };
}

test("first open: a street frame detected by the street pair, and one click replays the broken run at its death", async () => {
  const { page, problems } = await openReplay("");
  // Without doing anything, the first sample is on screen with both models of its pair.
  const [brokenName, fixName] = manifestPairs.street;
  let s = await waitFor(page, `s.image.generation === 1 && s.panels.every((p) => p.has_result && !p.busy) &&
    s.panels[0].result_model === "${brokenName}" && s.panels[1].result_model === "${fixName}"`);
  assert.deepEqual(s.panels[0].channels.filter((c) => c.dead).map((c) => c.name), ["left"]);
  await screenshot(page, "first-open");

  await clickWidget(page, "replay-training");
  s = await waitFor(page, `s.view === "replay" && s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading && r.records > 0)`, 30000);
  const recs = records(shippedLines(brokenName));
  const death = recs.find((r) => r.type === "event" && r.kind === "channel_death");
  assert.ok(death, `the shipped ${brokenName} telemetry has no channel_death event`);
  const broken = s.replay.runs.find((r) => r.name === brokenName);
  assert.deepEqual(broken.deaths.map((d) => [d.channel, d.died_at]), [[death.channel, death.step]]);
  assert.match(broken.deaths[0].caption, new RegExp(`^left: pre-activation < 0 for every sample from step ${death.step} `));
  assert.equal(s.replay.step, death.step, "the replay opens at the death step");
  assert.equal(s.replay.primary, s.replay.runs.indexOf(broken));
  assertChannelsMatch(broken.at_step, recordAt(recs, death.step));
  assert.equal(broken.at_step.wh_channels[death.channel].dead, true);
  // The fix's run is overlaid and lost nothing.
  const fix = s.replay.runs.find((r) => r.name === fixName);
  assert.deepEqual(fix.deaths, []);
  assert.equal(fix.variant, "leaky");
  // Opened zoomed in on the death (step 2 of 2500 would be the plots' first pixel).
  assert.ok(s.replay.x_range[1] < 500 && s.replay.x_range[0] <= death.step, `x range ${s.replay.x_range}`);
  await page.mouse.move(1270, 790); // no tooltip in the screenshot
  await page.waitForTimeout(1200);
  await screenshot(page, "replay-death-step");
  assert.deepEqual(problems.filter((p) => !/adapter/i.test(p)), []);
  await page.close();
});

test("scrubbing to a step shows that step's values from the file, before and after the death", async () => {
  const { page } = await openReplay();
  await page.evaluate(() => window.deadzone.call("dz_replay_load_url", null, ["string", "string", "number"],
    ["broken", "assets/telemetry/broken.jsonl.gz", 0]));
  await waitFor(page, `s.replay.runs.length === 1 && s.replay.runs[0].records > 0`, 30000);
  const recs = records(shippedLines("broken"));
  const death = recs.find((r) => r.type === "event" && r.kind === "channel_death");
  const last = recs.filter((r) => r.type === "step").at(-1).step;
  for (const step of [1, death.step - 1, death.step, 57, 1000, 1234, last]) {
    await page.evaluate((n) => window.deadzone.call("dz_replay_set_step", null, ["number"], [n]), step);
    const s = await waitFor(page, `s.replay.step === ${step}`, 5000);
    const run = s.replay.runs[0];
    assertChannelsMatch(run.at_step, recordAt(recs, step));
    assert.equal(run.at_step.wh_channels[death.channel].dead, step >= death.step, `step ${step}`);
  }
  // The keyboard: Home goes to the first step, End to the last.
  await page.mouse.move(640, 400);
  await page.keyboard.press("Home");
  await waitFor(page, `s.replay.step === 1`, 5000);
  await page.keyboard.press("End");
  await waitFor(page, `s.replay.step === ${last}`, 5000);
  await page.close();
});

test("a truncated file with malformed lines loads what is valid and says what was skipped", async () => {
  const { page } = await openReplay();
  const lines = shippedLines("leaky");
  const damaged = [...lines];
  damaged[5] = "{\"type\":\"step\", this is not json";
  damaged[9] = damaged[9].replace("\"lr\"", "\"xx\"");
  // The run was killed while writing line 41 (a step record): only part of it is in the file.
  const cut = damaged.slice(0, 40).join("\n") + "\n" + damaged[40].slice(0, 300);
  await dropFiles(page, [{ name: "damaged.jsonl", bytes: Buffer.from(cut) }]);
  const s = await waitFor(page, `s.view === "replay" && s.replay.runs.length === 1`, 30000);
  const run = s.replay.runs[0];
  assert.equal(run.truncated, true);
  assert.equal(run.skipped_lines, 2);
  assert.equal(run.first_skipped_line, 6);
  const steps = lines.slice(0, 40).filter((l) => l.includes("\"type\":\"step\"")).length;
  assert.ok(lines[40].includes("\"type\":\"step\""));
  assert.equal(run.records, steps - 2); // two damaged; the cut-off one is not counted
  assert.ok(s.messages.some((m) => /2 malformed line\(s\) skipped, the first at line 6/.test(m.text) && /cut off/.test(m.text)),
    JSON.stringify(s.messages.map((m) => m.text)));
  await page.close();
});

test("a file that is not DeadZone telemetry is refused and the loaded run stays", async () => {
  const { page } = await openReplay();
  await dropFiles(page, [{ name: "leaky.jsonl", bytes: zlib.gunzipSync(fs.readFileSync(path.join(TELEMETRY, "leaky.jsonl.gz"))) }]);
  await waitFor(page, `s.replay.runs.length === 1 && s.replay.runs[0].records > 0`, 30000);
  for (const [name, bytes, why] of [
    ["other.jsonl", "{\"epoch\":1,\"loss\":0.5}\n{\"epoch\":2,\"loss\":0.4}\n", /not DeadZone telemetry/],
    ["empty.jsonl", "", /empty file/],
    ["random.jsonl.gz", Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), /gzip/],
    ["binary.json", Buffer.from([0x7b, 0, 0xff, 0xfe, 10, 1, 2, 3]), /not DeadZone telemetry/],
  ]) {
    const before = (await state(page)).messages.length;
    await dropFiles(page, [{ name, bytes: Buffer.from(bytes) }]);
    const s = await waitFor(page, `s.messages.length > ${before}`, 10000);
    assert.match(s.replay.load_error, why, name);
    assert.ok(s.messages.at(-1).error, `${name}: not shown as an error`);
    assert.equal(s.replay.runs.length, 1, `${name} replaced the loaded run`);
    assert.equal(s.replay.runs[0].name, "leaky.jsonl");
  }
  // With the view full (four runs), a URL that turns out not to be telemetry costs none of them.
  const gz = fs.readFileSync(path.join(TELEMETRY, "leaky.jsonl.gz"));
  await dropFiles(page, ["b", "c", "d"].map((n) => ({ name: `${n}.jsonl.gz`, bytes: gz })));
  await waitFor(page, `s.replay.runs.length === 4`, 30000);
  await page.evaluate(() => window.deadzone.call("dz_replay_load_url", null, ["string", "string", "number"], ["samples", "assets/images/samples.json", 0]));
  let s = await waitFor(page, `/samples/.test(s.replay.load_error)`, 30000);
  assert.deepEqual(s.replay.runs.map((r) => r.name), ["leaky.jsonl", "b.jsonl.gz", "c.jsonl.gz", "d.jsonl.gz"]);
  // A fifth real run closes the oldest.
  await dropFiles(page, [{ name: "e.jsonl.gz", bytes: gz }]);
  s = await waitFor(page, `s.replay.runs.some((r) => r.name === "e.jsonl.gz")`, 30000);
  assert.deepEqual(s.replay.runs.map((r) => r.name), ["b.jsonl.gz", "c.jsonl.gz", "d.jsonl.gz", "e.jsonl.gz"]);
  await screenshot(page, "replay-refused-file");
  await page.close();
});

test("live follow: records appended to a run's telemetry appear without a reload", async () => {
  const lines = shippedLines("bias-init");
  const runDir = path.join(runsDir, "live-run");
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, "telemetry.jsonl");
  fs.writeFileSync(file, lines.slice(0, 11).join("\n") + "\n"); // header + 10 step records
  const { page } = await openReplay();
  await page.evaluate(() => window.deadzone.call("dz_set_view", null, ["string"], ["replay"]));
  let s = await waitFor(page, `s.replay.live_listed && s.replay.live_runs.some((r) => r.name === "live-run")`, 15000);
  const url = s.replay.live_runs.find((r) => r.name === "live-run").url;
  await page.evaluate((u) => window.deadzone.call("dz_replay_load_url", null, ["string", "string", "number"], ["live-run", u, 1]), url);
  s = await waitFor(page, `s.replay.runs.length === 1 && s.replay.runs[0].records === 10`, 15000);
  assert.equal(s.replay.runs[0].following, true);
  // The trainer appends: first half a line (a poll may land mid-write), then the rest and more.
  const more = lines.slice(11, 31).join("\n") + "\n";
  fs.appendFileSync(file, more.slice(0, 500));
  await page.waitForTimeout(700);
  assert.equal((await state(page)).replay.runs[0].records, 10, "a half-written line was taken as a record");
  fs.appendFileSync(file, more.slice(500));
  s = await waitFor(page, `s.replay.runs[0].records === 30`, 10000); // how fast: bench/replay_bench.mjs
  // Only the appended bytes were fetched and parsed: the run's byte count is the file's size, and so
  // is the sum of the bodies the page received for it (a whole file per poll would be far more).
  const size = fs.statSync(file).size;
  assert.equal(s.replay.runs[0].bytes, size);
  const received = await page.evaluate((u) => performance.getEntriesByType("resource")
    .filter((e) => e.name.endsWith(u)).reduce((n, e) => n + e.encodedBodySize, 0), url);
  assert.equal(received, size);
  assert.equal(s.replay.runs[0].skipped_lines, 0);
  // The trainer resumes from a checkpoint: the file is rewritten, shorter; the view starts it again.
  fs.writeFileSync(file, lines.slice(0, 6).join("\n") + "\n");
  s = await waitFor(page, `s.replay.runs[0].records === 5`, 10000);
  assert.ok(s.messages.some((m) => /rewritten/.test(m.text)));
  await screenshot(page, "replay-live");
  await page.close();
});

test("a long run streams in piece by piece and ends with exactly the file's records", async () => {
  // About 5 MB: the page hands it to C++ in ~1 MB pieces as the download proceeds.
  const lines = shippedLines("leaky");
  const steps = lines.filter((l) => l.includes("\"type\":\"step\""));
  const out = [lines[0]];
  for (let i = 0; i < 240; ++i) out.push(steps[i % steps.length].replace(/"step":\d+/, `"step":${i + 1}`));
  const file = path.join(runsDir, "long-run.jsonl");
  fs.writeFileSync(file, out.join("\n") + "\n");
  const { page } = await openReplay();
  await page.evaluate(() => window.deadzone.call("dz_replay_load_url", null, ["string", "string", "number"], ["long-run", "runs/long-run.jsonl", 0]));
  const s = await waitFor(page, `s.replay.runs.length === 1 && !s.replay.runs[0].loading`, 60000);
  const run = s.replay.runs[0];
  assert.ok(fs.statSync(file).size > 3e6, "the test file is too small to stream in several pieces");
  assert.equal(run.records, 240);
  assert.equal(run.bytes, fs.statSync(file).size);
  assert.equal(run.skipped_lines, 0);
  assert.equal(run.last_step, 240);
  assert.ok(s.messages.some((m) => /loaded long-run: 240 step records/.test(m.text)));
  // The first frame drawn with the whole run is stamped (the load benchmark's end point).
  const shown = (await waitFor(page, `s.replay.runs[0].shown_ms > 0`, 10000)).replay.runs[0];
  assert.ok(shown.shown_ms >= shown.last_append_ms, `shown at ${shown.shown_ms} ms, before the last records at ${shown.last_append_ms} ms`);
  // The same file opened from disk (a File read in pieces onto the wasm heap) gives the same run.
  await page.setInputFiles("#dz-open-file", file);
  const opened = (await waitFor(page, `s.replay.runs.length === 2 && !s.replay.runs[1].loading`, 60000)).replay.runs[1];
  assert.equal(opened.url, "");
  assert.deepEqual([opened.records, opened.bytes, opened.skipped_lines, opened.last_step], [240, fs.statSync(file).size, 0, 240]);
  await page.close();
});
