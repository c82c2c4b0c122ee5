// scripts/junit_count.mjs, which scripts/test.sh's summary line is made from: reports as each runner
// writes them, a failure in any form, and a report that is missing or is not JUnit.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/junit_count.mjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-junit-"));
const write = (name, text) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const count = (...files) => execFileSync(process.execPath, [script, ...files], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("GoogleTest's XML: passed, failed and skipped cases", () => {
  const gtest = write("gtest.xml", `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" failures="1" name="AllTests">
  <testsuite name="Decode" tests="4" failures="1">
    <testcase name="Ties" status="run" result="completed" classname="Decode" />
    <testcase name="Nan" status="run" result="completed" classname="Decode">
      <failure message="decode_test.cpp:10&#x0A;Expected equality" type=""><![CDATA[decode_test.cpp:10
Expected equality <testcase name="fake"/>]]></failure>
    </testcase>
    <testcase name="Border" status="run" result="completed" classname="Decode"></testcase>
    <testcase name="Off" status="notrun" result="suppressed" classname="Decode"><skipped message=""/></testcase>
  </testsuite>
</testsuites>`);
  assert.equal(count(gtest), "2 1 1");
});

test("node --test's junit reporter: nested suites, an error, output in comments", () => {
  const node = write("node.xml", `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="replay">
    <testcase name="loads" time="1.2" classname="test"/>
    <testcase name="live follow" time="3.1" classname="test">
      <error type="testCodeFailure" message="timed out">Error: timed out</error>
    </testcase>
  </testsuite>
  <!-- <testcase name="in a comment"/> -->
  <testcase name="top level" time="0.1" classname="test"/>
</testsuites>`);
  assert.equal(count(node), "2 1 0");
});

test("several reports add up; a missing one or one that is not JUnit is a failure", () => {
  const ok = write("ok.xml", `<testsuite name="fuzz" tests="1" failures="0">\n  <testcase classname="fuzz" name="onnx"/>\n</testsuite>\n`);
  const log = write("not-junit.xml", "tests: 10 passed, 0 failed\n");
  assert.equal(count(ok, ok), "2 0 0");
  assert.equal(count(ok, path.join(dir, "absent.xml")), "1 1 0");
  assert.equal(count(ok, log), "1 1 0");
});
