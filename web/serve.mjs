// Static server for the explorer: the page, the wasm build, ONNX Runtime Web and the assets, all
// from this machine (no CDN), with the headers multi-threaded wasm needs.
//
//   node web/serve.mjs [--port 8080] [--host 127.0.0.1] [--root <repo>]
//
// Cross-origin isolation (COOP + COEP) is what makes SharedArrayBuffer, and so ORT Web's wasm
// threads, available; without it numThreads > 1 silently runs on one thread.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
  ".wgsl": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".bmp": "image/bmp",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

// URL prefix -> folder (relative to the repository root). Nothing else is served.
export function routes(root) {
  return [
    ["/app/", path.join(root, "build/wasm/app")],
    ["/ort/", path.join(root, "node_modules/onnxruntime-web/dist")],
    ["/web/", path.join(root, "web")],
    ["/shaders/", path.join(root, "shaders")],
    ["/assets/", path.join(root, "assets")],
  ];
}

function resolve(root, urlPath) {
  if (urlPath === "/" || urlPath === "/index.html") return path.join(root, "index.html");
  for (const [prefix, dir] of routes(root)) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = path.normalize(path.join(dir, urlPath.slice(prefix.length)));
    // Refuse anything that escapes its folder (../ tricks).
    return file.startsWith(dir + path.sep) ? file : null;
  }
  return null;
}

export function createServer(root) {
  return http.createServer((req, res) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-cache",
    };
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      res.writeHead(400, headers).end("bad request");
      return;
    }
    const file = resolve(root, urlPath);
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(file ? 405 : 404, headers).end(file ? "method not allowed" : "not found");
      return;
    }
    fs.stat(file, (err, stat) => {
      if (err || !stat.isFile()) {
        res.writeHead(404, headers).end("not found");
        return;
      }
      const type = MIME[path.extname(file).toLowerCase()] || "application/octet-stream";
      res.writeHead(200, { ...headers, "Content-Type": type, "Content-Length": stat.size });
      if (req.method === "HEAD") res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
}

// Starts the server; resolves with the URL once it listens (port 0 picks a free port).
export function serve({ root, host = "127.0.0.1", port = 8080 }) {
  const server = createServer(root);
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise({ server, url: `http://${host}:${address.port}/` });
    });
  });
}

function parseArgs(argv) {
  const args = { root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), host: "127.0.0.1", port: 8080 };
  for (let i = 0; i < argv.length; ++i) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--port") args.port = Number(value), ++i;
    else if (flag === "--host") args.host = value, ++i;
    else if (flag === "--root") args.root = path.resolve(value), ++i;
    else if (flag === "--help" || flag === "-h") {
      console.log("usage: node web/serve.mjs [--port 8080] [--host 127.0.0.1] [--root <repo>]");
      process.exit(0);
    } else {
      console.error(`serve: unknown argument '${flag}' (try --help)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    console.error("serve: --port must be an integer between 0 and 65535");
    process.exit(2);
  }
  return args;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(args.root, "build/wasm/app/deadzone.js")))
    console.warn("serve: build/wasm/app/deadzone.js is missing: run scripts/build.sh first");
  serve(args)
    .then(({ url }) => console.log(`DeadZone explorer: ${url}  (Ctrl+C to stop)`))
    .catch((e) => {
      console.error(`serve: cannot listen on ${args.host}:${args.port}: ${e.message}`);
      process.exit(1);
    });
}
