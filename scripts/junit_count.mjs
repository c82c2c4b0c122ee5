// Counts the test cases in JUnit XML reports, as ctest (--output-junit), GoogleTest
// (--gtest_output=xml), node --test (--test-reporter=junit) and scripts/fuzz.sh (--junit) write
// them, so that scripts/test.sh's summary comes from the runners' machine-readable output and not
// from the wording of their logs.
//
//   node scripts/junit_count.mjs report.xml [...]   prints "<passed> <failed> <skipped>"
//
// A <testcase> with a <failure> or <error> child failed; one with <skipped> was skipped; any other
// passed. A missing or unreadable report counts as one failure (the runner died before writing it),
// so it can never read as a green run.
import fs from "node:fs";

let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  let xml;
  try {
    xml = fs.readFileSync(file, "utf8");
  } catch (e) {
    console.error(`junit_count: ${file}: ${e.message}`);
    failed += 1;
    continue;
  }
  if (!/<testsuites?[\s>]/.test(xml)) {
    console.error(`junit_count: ${file}: not a JUnit report`);
    failed += 1;
    continue;
  }
  // Comments and CDATA (captured output) may contain anything, tags included: drop them first.
  xml = xml.replace(/<!--[\s\S]*?-->/g, "").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  // Each <testcase ...>...</testcase> or <testcase .../>.
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] || "";
    if (/<(failure|error)\b/.test(body)) failed += 1;
    else if (/<skipped\b/.test(body)) skipped += 1;
    else passed += 1;
  }
}
console.log(`${passed} ${failed} ${skipped}`);
