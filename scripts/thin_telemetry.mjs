// Keeps every Nth training step of a telemetry file, so the shipped copies fit the assets budget
// (assets/ must stay under 40 MB; a 2000-step run recorded every 10 steps is 4.4 MB).
//
//   node scripts/thin_telemetry.mjs <in.jsonl> <out.jsonl> <every>
//
// Kept: the header (its telemetry_every becomes the new interval), step 1 and every step record
// whose step is a multiple of <every>, and every other record (events, validation, the end record)
// unchanged. Records are snapshots of their own step, so the kept ones are exactly what the trainer
// wrote; nothing is averaged or rounded. The full file stays in the run's folder.
import fs from "node:fs";

const [input, output, everyArg] = process.argv.slice(2);
const every = Number(everyArg);
if (!input || !output || !Number.isInteger(every) || every < 1) {
  console.error("usage: node scripts/thin_telemetry.mjs <in.jsonl> <out.jsonl> <every>");
  process.exit(2);
}
const kept = [];
for (const line of fs.readFileSync(input, "utf8").split("\n")) {
  if (!line.trim()) continue;
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    continue; // a run killed mid-line: the parser would skip it too
  }
  if (record.type === "header") {
    kept.push(JSON.stringify({ ...record, telemetry_every: every }));
  } else if (record.type !== "step" || record.step === 1 || record.step % every === 0) {
    kept.push(line); // byte for byte as the trainer wrote it
  }
}
fs.writeFileSync(output, kept.join("\n") + "\n");
