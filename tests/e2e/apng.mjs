// Writes an animated PNG (APNG, https://wiki.mozilla.org/APNG_Specification) from PNG frames of the
// same size: the README's animated captures, made by the browser tests from their screenshots.
// Browsers and GitHub show APNG animated; other viewers show the first frame.
import fs from "node:fs";
import { PNG } from "pngjs";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// The concatenated IDAT payload of a PNG file (its compressed image data).
function imageData(png) {
  const parts = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at), type = png.toString("ascii", at + 4, at + 8);
    if (type === "IDAT") parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

// frames: PNG file paths, all the same width and height; delayMs: each frame's display time.
export function writeApng(frames, outFile, delayMs) {
  // Re-encode every frame with pngjs so that all share one colour type and bit depth (RGBA, 8 bits).
  const encoded = frames.map((f) => PNG.sync.write(PNG.sync.read(fs.readFileSync(f))));
  const first = PNG.sync.read(encoded[0]);
  const { width, height } = first;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, adaptive filtering, no interlace
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(encoded.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  const parts = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("acTL", actl)];
  let sequence = 0;
  encoded.forEach((png, i) => {
    const size = PNG.sync.read(png);
    if (size.width !== width || size.height !== height) throw new Error(`frame ${i} is ${size.width}x${size.height}, not ${width}x${height}`);
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12);
    fctl.writeUInt32BE(0, 16);
    fctl.writeUInt16BE(delayMs, 20);
    fctl.writeUInt16BE(1000, 22); // delay = delayMs / 1000 s
    fctl.writeUInt8(0, 24); // dispose: none
    fctl.writeUInt8(0, 25); // blend: source
    parts.push(chunk("fcTL", fctl));
    const data = imageData(png);
    if (i === 0) {
      parts.push(chunk("IDAT", data));
    } else {
      const seq = Buffer.alloc(4);
      seq.writeUInt32BE(sequence++, 0);
      parts.push(chunk("fdAT", Buffer.concat([seq, data])));
    }
  });
  parts.push(chunk("IEND", Buffer.alloc(0)));
  fs.writeFileSync(outFile, Buffer.concat(parts));
}
