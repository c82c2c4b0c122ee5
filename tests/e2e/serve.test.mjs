// The explorer's static server: the headers multi-threaded wasm needs, MIME types, and nothing
// served from outside its folders.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "../../web/serve.mjs";
import { repoRoot } from "./harness.mjs";

let server, url;
before(async () => ({ server, url } = await serve({ root: repoRoot, port: 0 })));
after(() => new Promise((r) => server.close(r)));

test("pages are cross-origin isolated", async () => {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
  assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp");
  assert.match(res.headers.get("content-type"), /^text\/html/);
  assert.match(await res.text(), /<canvas id="canvas"/);
});

test("wasm is served as application/wasm", async () => {
  const res = await fetch(url + "app/deadzone.wasm");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/wasm");
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0x00, 0x61, 0x73, 0x6d]); // "\0asm"
});

test("ONNX Runtime Web is served locally", async () => {
  const res = await fetch(url + "ort/ort.min.js", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /javascript/);
});

test("paths outside the served folders are refused", async () => {
  for (const p of ["package.json", "web/../package.json", "web/%2e%2e/package.json", "assets/../../etc/passwd"]) {
    const res = await fetch(url + p);
    assert.equal(res.status, 404, p);
  }
});

test("the generated test models are served at /test-models/, and only from their folder", async () => {
  const res = await fetch(url + "test-models/manifest.json");
  assert.equal(res.status, 200, "run scripts/build.sh native: it writes build/native/test_models");
  const manifest = await res.json();
  assert.ok(manifest.models.some((m) => m.name === "broken"));
  const model = await fetch(url + "test-models/broken.onnx", { method: "HEAD" });
  assert.equal(model.status, 200);
  for (const p of ["test-models/../CMakeCache.txt", "test-models/%2e%2e/CMakeCache.txt"])
    assert.equal((await fetch(url + p)).status, 404, p);
});

test("Range requests return only the bytes asked for (the Replay view's live follow)", async () => {
  const whole = new Uint8Array(await (await fetch(url + "assets/images/samples.json")).arrayBuffer());
  const res = await fetch(url + "assets/images/samples.json", { headers: { Range: "bytes=10-" } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), `bytes 10-${whole.length - 1}/${whole.length}`);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), whole.slice(10));
  const past = await fetch(url + "assets/images/samples.json", { headers: { Range: `bytes=${whole.length}-` } });
  assert.equal(past.status, 416); // nothing new yet
});

test("runs/index.json lists a runs folder's telemetry, and is an empty list without one", async () => {
  const none = await (await fetch(url + "runs/index.json")).json();
  assert.deepEqual(none, { folder: null, runs: [] });
  const fs = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `deadzone-serve-runs-${process.pid}-`));
  fs.mkdirSync(path.join(dir, "run a"));
  fs.writeFileSync(path.join(dir, "run a", "telemetry.jsonl"), "{}\n");
  fs.writeFileSync(path.join(dir, "old.jsonl.gz"), "x");
  fs.writeFileSync(path.join(dir, "notes.txt"), "not telemetry");
  const runs = await serve({ root: repoRoot, port: 0, runsDir: dir });
  try {
    const index = await (await fetch(runs.url + "runs/index.json")).json();
    assert.deepEqual(index.runs.map((r) => r.name).sort(), ["old", "run a"]);
    const a = index.runs.find((r) => r.name === "run a");
    assert.equal(a.bytes, 3);
    assert.equal(await (await fetch(runs.url + a.url)).text(), "{}\n");
    assert.equal((await fetch(runs.url + "runs/notes.txt")).status, 200); // inside the folder: served
    assert.equal((await fetch(runs.url + "runs/..%2Fpackage.json")).status, 404); // outside: never
  } finally {
    await new Promise((r) => runs.server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
