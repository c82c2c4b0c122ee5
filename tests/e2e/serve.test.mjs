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
