// Thins a telemetry file for shipping, so the copies in assets/ fit its budget (assets/ must stay
// under 40 MB; a 2000-step run recorded every step for 200 steps, then every 10, is about 9 MB).
//
//   node scripts/thin_telemetry.mjs <in.jsonl> <out.jsonl[.gz]> <every>
//
// Kept: the header (its telemetry_every becomes the new interval), every step record up to the
// header's telemetry_dense_steps (deaths are early: the replay needs each of those steps), step 1,
// every step record whose step is a multiple of <every>, the last step record, and every other
// record (events, validation, the end record) unchanged. Records are snapshots of their own step,
// so the kept ones are exactly what the trainer wrote; nothing is averaged or rounded. An output
// name ending in .gz is gzip-compressed (the explorer and core/'s parser read both). The full file
// stays in the run's folder.
import fs from "node:fs";
import zlib from "node:zlib";

const [input, output, everyArg] = process.argv.slice(2);
const every = Number(everyArg);
if (!input || !output || !Number.isInteger(every) || every < 1) {
  console.error("usage: node scripts/thin_telemetry.mjs <in.jsonl> <out.jsonl[.gz]> <every>");
  process.exit(2);
}
const kept = [];
let dense = 0;
let lastStep = null; // the last step record, kept even when it is not a multiple of <every>
for (const line of fs.readFileSync(input, "utf8").split("\n")) {
  if (!line.trim()) continue;
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    continue; // a run killed mid-line: the parser would skip it too
  }
  if (record.type === "header") {
    dense = record.telemetry_dense_steps || 0;
    kept.push(JSON.stringify({ ...record, telemetry_every: every }));
  } else if (record.type !== "step") {
    kept.push(line); // byte for byte as the trainer wrote it
  } else if (record.step <= dense || record.step === 1 || record.step % every === 0) {
    kept.push(line);
    lastStep = null;
  } else {
    lastStep = { index: kept.length, line };
  }
}
if (lastStep) kept.splice(lastStep.index, 0, lastStep.line);
const text = kept.join("\n") + "\n";
fs.writeFileSync(output, output.endsWith(".gz") ? zlib.gzipSync(text, { level: 9 }) : text);
