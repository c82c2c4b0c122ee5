#!/usr/bin/env node
// deadzone-scan: which channels of an ONNX model are dead, and why, on your images. For CI pipelines.
//
//   node tools/deadzone-scan.mjs model.onnx [--images DIR|FILE ...] [--json out.json] [--markdown out.md]
//        [--size WxH] [--scaling imagenet|0-1|0-255] [--bgr] [--fail-on critical,dead,nan|none]
//        [--budget-mb N] [--gamma-eps X] [--running-eps X] [--weight-eps X] [--threads N] [--quiet]
//
// Exit status: 0 clean, 1 a --fail-on condition held, 2 bad usage or bad input (the message says
// which). The analysis is core's (core/include/deadzone/model_scan.h) compiled to wasm; ONNX Runtime
// runs the model. See README.md "Scan a model".
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { SCALINGS, ScanError, scanModel } from './scan_runner.mjs';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.gif']);
const FAIL_CONDITIONS = ['critical', 'dead', 'nan'];
const here = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: node tools/deadzone-scan.mjs MODEL.onnx [options]

Runs MODEL on images, counts for every activation (Relu, Clip, HardSwish, Sigmoid, ...) the units
and channels that never leave the zero-gradient region, and checks the weights for dead BN and
conv channels.

  --images PATH      an image file or a folder of them (.png .jpg .bmp .gif); repeatable.
                     Default: the explorer's sample images (assets/images). An image that does
                     not decode is skipped, named on stderr and listed in the report; none
                     decoding is an error (exit 2)
  --json FILE        write the full report as JSON ("deadzone-scan" format, version 1)
  --markdown FILE    write the report as Markdown
  --size WxH         input size for models with symbolic H/W (default 640x640); images are letterboxed
  --scaling S        input scaling: imagenet (default), 0-1 or 0-255
  --bgr              feed the colour planes as B,G,R (models trained on OpenCV-loaded images);
                     mean/std stay per colour
  --fail-on LIST     exit 1 when any holds: critical (a layer >= 50% dead units), dead (a dead
                     channel), nan (NaN/Inf in an activation); 'none' never. Default: critical,nan.
                     A dead output channel (a detector head's) is a WARNING-level layer: use 'dead'
                     to fail on it
  --budget-mb N      fetch activations in groups of at most N MB per run (default 256)
  --gamma-eps X      |BN gamma| below X counts as 0 (default 1e-3)
  --running-eps X    BN running mean and var below X count as 0 (default 1e-3)
  --weight-eps X     conv channels whose |weights| sum to less than X count as all-zero (default 1e-6)
  --threads N        ONNX Runtime intra-op threads (default: its own choice)
  --quiet            no progress bar and no table, only errors and the summary line
  -h, --help         this text`;

function fail(message) {
    process.stderr.write(`deadzone-scan: ${message}\n`);
    process.exit(2);
}

function number(text, flag) {
    const v = Number(text);
    if (!Number.isFinite(v) || v < 0) fail(`${flag} wants a number >= 0, not '${text}'`);
    return v;
}

function parseSize(text) {
    const m = /^(\d+)x(\d+)$/.exec(text ?? '');
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 8192 || Number(m[2]) > 8192)
        fail(`--size wants WxH between 1 and 8192, e.g. 640x480, not '${text}'`);
    return { width: Number(m[1]), height: Number(m[2]) };
}

function collectImages(paths) {
    const files = [];
    for (const p of paths) {
        let stat;
        try {
            stat = fs.statSync(p);
        } catch {
            fail(`--images: ${p} does not exist`);
        }
        if (stat.isDirectory()) {
            for (const name of fs.readdirSync(p).sort())
                if (IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())) files.push(path.join(p, name));
        } else {
            files.push(p);
        }
    }
    if (files.length === 0) fail(`no images (${[...IMAGE_EXTENSIONS].join(' ')}) in ${paths.join(', ')}`);
    return files.map((f) => {
        try {
            return { name: path.basename(f), bytes: fs.readFileSync(f) };
        } catch (e) {
            return fail(`--images: cannot read ${f}: ${e.code ?? e.message}`);
        }
    });
}

function progressBar(quiet) {
    if (quiet) return () => {};
    const tty = process.stderr.isTTY;
    let last = -1;
    return ({ image, images, group, groups, name }) => {
        const done = image / images;
        const width = 30, filled = Math.round(done * width);
        const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${image}/${images} images` +
                     (groups > 1 ? `, layer group ${group + 1}/${groups}` : '') + (name ? `  ${name}` : '');
        if (tty) process.stderr.write(`\r${line.padEnd(100).slice(0, 100)}${image === images ? '\n' : ''}`);
        else if (image !== last) process.stderr.write(`${line}\n`);
        last = image;
    };
}

function printTable(report) {
    const rows = [['#', 'layer', 'op', 'shape', 'dead units', 'level', 'dead channels', 'NaN/Inf']];
    report.layers.forEach((l, i) => {
        const dead = l.dead_channels.length === 0 ? '-' :
            l.dead_channels.slice(0, 8).join(',') + (l.dead_channels.length > 8 ? `,... (${l.dead_channels.length})` : '');
        rows.push([String(i), l.node, l.op, `[${l.shape.join(',')}]`,
                   l.can_die ? `${(100 * l.dead_unit_fraction).toFixed(1)}%` : 'n/a', l.can_die ? l.level : '-', dead,
                   String(l.nan + l.inf)]);
    });
    const widths = rows[0].map((_, c) => Math.min(48, Math.max(...rows.map((r) => r[c].length))));
    for (const r of rows) console.log(r.map((cell, c) => cell.slice(0, widths[c]).padEnd(widths[c])).join('  ').trimEnd());
    if (report.static_findings.length > 0) {
        console.log('\nflagged by the static rules (weights alone):');
        for (const f of report.static_findings)
            console.log(`  ${f.node} channel ${f.channel}: ${f.rule} (pre-activation ${f.pre_activation.toPrecision(4)})`);
    }
}

async function main() {
    let args;
    try {
        args = parseArgs({
            allowPositionals: true,
            options: {
                images: { type: 'string', multiple: true }, json: { type: 'string' }, markdown: { type: 'string' },
                size: { type: 'string' }, scaling: { type: 'string', default: 'imagenet' }, bgr: { type: 'boolean', default: false },
                'fail-on': { type: 'string', default: 'critical,nan' }, 'budget-mb': { type: 'string', default: '256' },
                'gamma-eps': { type: 'string', default: '1e-3' }, 'running-eps': { type: 'string', default: '1e-3' },
                'weight-eps': { type: 'string', default: '1e-6' }, threads: { type: 'string', default: '0' },
                quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
            },
        });
    } catch (e) {
        fail(`${e.message}\n${USAGE}`);
    }
    const o = args.values;
    if (o.help) {
        console.log(USAGE);
        return 0;
    }
    if (args.positionals.length !== 1) fail(`one model file expected\n${USAGE}`);
    if (!SCALINGS.includes(o.scaling)) fail(`--scaling is one of ${SCALINGS.join(', ')}, not '${o.scaling}'`);
    const failOn = o['fail-on'] === 'none' ? [] : o['fail-on'].split(',').filter((s) => s !== '');
    for (const c of failOn) if (!FAIL_CONDITIONS.includes(c)) fail(`--fail-on takes ${FAIL_CONDITIONS.join(', ')} or none, not '${c}'`);

    const modelPath = args.positionals[0];
    // Report files are checked before the scan, not after minutes of it.
    for (const file of [o.json, o.markdown].filter(Boolean)) {
        try {
            fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
        } catch {
            fail(`cannot write ${file}: its folder does not exist or is not writable`);
        }
    }
    if (number(o['budget-mb'], '--budget-mb') <= 0) fail('--budget-mb wants a number > 0');
    const images = collectImages(o.images ?? [path.resolve(here, '..', 'assets', 'images')]);
    const result = await scanModel({
        modelPath, images, scaling: o.scaling, bgr: o.bgr, size: o.size ? parseSize(o.size) : { width: 640, height: 640 },
        budgetBytes: number(o['budget-mb'], '--budget-mb') * 2 ** 20,
        thresholds: { gammaEps: number(o['gamma-eps'], '--gamma-eps'), runningEps: number(o['running-eps'], '--running-eps'),
                      weightEps: number(o['weight-eps'], '--weight-eps') },
        threads: number(o.threads, '--threads'), onProgress: progressBar(o.quiet),
        onSkip: ({ name, reason }) => process.stderr.write(`${process.stderr.isTTY && !o.quiet ? '\n' : ''}deadzone-scan: skipped ${name}: ${reason}\n`),
    });
    const { report } = result;
    const write = (file, text) => {
        try {
            fs.writeFileSync(file, text);
        } catch (e) {
            throw new ScanError(`cannot write ${file}: ${e.code ?? e.message}`);
        }
    };
    if (o.json) write(o.json, JSON.stringify(report, null, 1) + '\n');
    if (o.markdown) write(o.markdown, result.markdown);
    if (!o.quiet) {
        console.log(`${report.model}: input [${result.inputShape.join(',')}]` +
                    (result.symbolicInput ? ' (symbolic H/W: --size)' : o.size ? ' (fixed by the model: --size not used)' : '') +
                    `, ${report.layers.length} activation layers\n`);
        printTable(report);
        console.log(`\npeak memory: ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MB resident ` +
                    `(wasm heap ${(result.wasmHeapBytes / 2 ** 20).toFixed(0)} MB); ${result.seconds.toFixed(1)} s`);
    }
    console.log(report.summary);
    const held = failOn.filter((c) => (c === 'critical' && report.totals.critical_layers > 0) ||
                                      (c === 'dead' && report.totals.dead_channels > 0) ||
                                      (c === 'nan' && report.totals.first_nonfinite_layer !== null));
    if (held.length > 0) {
        process.stderr.write(`deadzone-scan: failing on ${held.join(', ')} (--fail-on ${o['fail-on']})\n`);
        return 1;
    }
    return 0;
}

// Every failure is one line and exit 2 (1 is reserved for --fail-on): bad input says what was wrong;
// anything else (a file that cannot be written, a wasm abort) says what happened.
main().then((code) => { process.exitCode = code; }, (e) => {
    if (e instanceof ScanError) fail(e.message);
    fail(`${e?.code ? e.code + ': ' : ''}${e?.message ?? e}${process.env.DEADZONE_DEBUG ? '\n' + e?.stack : ''}`);
});
