// Runs core's dead-zone scan (core/include/deadzone/model_scan.h, compiled to wasm by tools/CMakeLists.txt)
// on images with onnxruntime-node. The analysis is the C++ one the explorer uses; this module only
// moves bytes: model -> exposed model -> ORT session, image -> input tensor, each activation output
// -> C++ counters as it arrives (then dropped), counters -> report.
//
//   const result = await scanModel({ modelPath, images: [{ name, bytes }], ...options, onProgress })
//   (an image may be { name, tensor } instead: a Float32Array already shaped [1,3,H,W] for the model,
//   for callers with their own preprocessing, e.g. the LibTorch comparison test)
//   result: { report (the JSON report as an object), markdown, peakRssBytes, seconds, inputShape }
// An image that does not decode is skipped: onSkip({ name, reason }) is called and the report lists it.
// Throws ScanError with a message for the user on bad input (not a model, no activations, no image
// that decodes, a model input that is not an image).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export class ScanError extends Error {}

// An image core could not decode (its name and core's reason): skipped, the scan goes on.
class ImageError extends ScanError {
    constructor(name, reason) {
        super(`${name}: ${reason}`);
        this.reason = reason;
    }
}

// Input scalings, in the order of core's InputScaling (detector_interface.h).
export const SCALINGS = ['imagenet', '0-1', '0-255'];

export function defaultCorePath() {
    return path.resolve(here, '..', 'build', 'wasm', 'tools', 'deadzone_scan_core.cjs');
}

async function loadCore(corePath) {
    if (!fs.existsSync(corePath))
        throw new ScanError(`${corePath} not found: build it with 'bash scripts/build.sh wasm'`);
    const create = require(corePath);
    // The wasm bytes are handed over: Emscripten 3.1.6 would fetch() them, which Node's fetch
    // refuses for a file path.
    return create({ wasmBinary: fs.readFileSync(corePath.replace(/\.cjs$/, '.wasm')) });
}

// Copies `bytes` into the wasm heap for the duration of `use(pointer)`.
function withHeapCopy(core, bytes, use) {
    const ptr = core._malloc(Math.max(1, bytes.byteLength));
    if (!ptr) throw new ScanError(`out of wasm memory for ${bytes.byteLength} bytes`);
    try {
        core.HEAPU8.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), ptr);
        return use(ptr);
    } finally {
        core._free(ptr);
    }
}

function withDims(core, dims, use) {
    const f64 = new Float64Array(dims.map(Number));
    return withHeapCopy(core, new Uint8Array(f64.buffer), (ptr) => use(ptr, dims.length));
}

// Writes the exposed model where ORT can read it beside its external data files. ORT refuses data
// files that resolve outside the model's folder, symlinks included: they are hard-linked, or copied
// when the temporary folder is on another file system.
function stageExposedModel(bytes, modelPath, externalData) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deadzone-scan-'));
    for (const file of externalData) {
        if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..'))
            throw new ScanError(`the model names its data file '${file}', outside its own folder: refused`);
        const source = path.resolve(path.dirname(modelPath), file);
        if (!fs.existsSync(source))
            throw new ScanError(`the model keeps its weights in '${file}', which is not beside it (${source})`);
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        try {
            fs.linkSync(source, path.join(dir, file));
        } catch {
            fs.copyFileSync(source, path.join(dir, file));
        }
    }
    const staged = path.join(dir, path.basename(modelPath));
    fs.writeFileSync(staged, bytes);
    return { path: staged, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function scanModel({
    modelPath, images, scaling = 'imagenet', bgr = false, size = { width: 640, height: 640 },
    budgetBytes = 256 * 2 ** 20, thresholds = {}, threads = 0, corePath = defaultCorePath(), onProgress = () => {},
    onSkip = () => {},
}) {
    const started = process.hrtime.bigint();
    let peakRss = process.memoryUsage().rss;
    const sample = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
    const scalingIndex = SCALINGS.indexOf(scaling);
    if (scalingIndex < 0) throw new ScanError(`unknown input scaling '${scaling}' (one of ${SCALINGS.join(', ')})`);
    if (images.length === 0) throw new ScanError('no images to scan');

    const core = await loadCore(corePath);
    const ort = (await import('onnxruntime-node')).default;
    let modelBytes;
    try {
        // core's wasm heap is capped at 2 GB (its pointers stay positive in JS); the model is copied in.
        if (fs.statSync(modelPath).size > 1.5 * 2 ** 30)
            throw new ScanError(`${path.basename(modelPath)} is over 1.5 GB: keep its weights in an external .data file`);
        modelBytes = fs.readFileSync(modelPath);
    } catch (e) {
        if (e instanceof ScanError) throw e;
        throw new ScanError(`cannot read ${modelPath}: ${e.code ?? e.message}`);
    }
    const session = withHeapCopy(core, modelBytes, (ptr) => core._dz_scan_open(
        ptr, modelBytes.byteLength, thresholds.gammaEps ?? 1e-3, thresholds.runningEps ?? 1e-3, thresholds.weightEps ?? 1e-6));
    modelBytes = null; // a large model is not held in three places
    let staged = null;
    let ortSession = null;
    try {
        const info = core.UTF8ToString(core._dz_scan_info_json(session) || 0);
        if (!info) throw new ScanError(`${path.basename(modelPath)}: ${core.UTF8ToString(core._dz_scan_error(session))}`);
        const model = JSON.parse(info);
        const inputText = core.UTF8ToString(core._dz_scan_input_json(session, size.width, size.height) || 0);
        if (!inputText) throw new ScanError(`${path.basename(modelPath)}: ${core.UTF8ToString(core._dz_scan_error(session))}`);
        const input = JSON.parse(inputText);
        const shape = [1, 3, input.height, input.width];
        const symbolic = input.symbolic;
        const half = input.half;

        const sizePtr = core._malloc(4);
        const exposedPtr = core._dz_scan_exposed_model(session, sizePtr);
        const exposedSize = core.getValue(sizePtr, 'i32');
        core._free(sizePtr);
        // Written straight from the heap, then released there: ORT reads its own copy from the file.
        staged = stageExposedModel(core.HEAPU8.subarray(exposedPtr, exposedPtr + exposedSize), modelPath, model.external_data);
        core._dz_scan_release_exposed_model(session);
        try {
            ortSession = await ort.InferenceSession.create(staged.path, {
                executionProviders: ['cpu'], ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
                // As the explorer's runner (web/ort_runner.js): fusions keep graph outputs, so every exposed
                // activation stays readable.
                graphOptimizationLevel: 'all',
            });
        } catch (e) {
            throw new ScanError(`ONNX Runtime cannot load ${path.basename(modelPath)}: ${ortReason(e)}`);
        }
        sample();

        const layers = model.layers;
        let imageIndex = 0;
        const skipped = [];
        for (const image of images) {
            let feed;
            try {
                feed = { [input.name]: image.tensor ? givenTensor(ort, image, shape, half)
                                                    : preparedTensor(ort, core, session, image, shape, scalingIndex, bgr, half) };
            } catch (e) {
                // One unreadable photo in a folder does not cost the scan: it is named, counted and listed
                // in the report. Only when nothing could be read is there nothing to report.
                if (!(e instanceof ImageError)) throw e;
                const { reason } = e;
                skipped.push({ name: image.name, reason });
                onSkip({ name: image.name, reason });
                withHeapCopy(core, new TextEncoder().encode(image.name + '\0'), (namePtr) =>
                    withHeapCopy(core, new TextEncoder().encode(reason + '\0'), (reasonPtr) => core._dz_scan_skip_image(session, namePtr, reasonPtr)));
                ++imageIndex;
                continue;
            }
            const groups = JSON.parse(core.UTF8ToString(core._dz_scan_fetch_groups_json(session, budgetBytes)));
            for (let g = 0; g < groups.length; ++g) {
                onProgress({ image: imageIndex, images: images.length, group: g, groups: groups.length, name: image.name });
                let outputs;
                try {
                    outputs = await ortSession.run(feed, groups[g].map((i) => layers[i].tensor));
                } catch (e) {
                    throw new ScanError(`${image.name}: ONNX Runtime failed: ${String(e.message ?? e).split('\n')[0]}`);
                }
                sample();
                for (const i of groups[g]) {
                    const tensor = outputs[layers[i].tensor];
                    addOutput(core, session, i, tensor);
                    tensor.dispose?.();
                    delete outputs[layers[i].tensor];
                }
                outputs = null;
            }
            withHeapCopy(core, new TextEncoder().encode(image.name + '\0'), (ptr) => core._dz_scan_end_image(session, ptr));
            ++imageIndex;
        }
        onProgress({ image: images.length, images: images.length, group: 0, groups: 0, name: '' });
        if (skipped.length === images.length)
            throw new ScanError(skipped.length === 1 ? `${skipped[0].name}: ${skipped[0].reason}`
                                                     : `none of the ${skipped.length} images could be read (${skipped[0].name}: ${skipped[0].reason})`);
        const modelName = path.basename(modelPath);
        const report = (format) => withHeapCopy(core, new TextEncoder().encode(modelName + '\0'), (namePtr) =>
            withDims(core, shape, (dimsPtr, rank) => core.UTF8ToString(core._dz_scan_report(
                session, namePtr, dimsPtr, rank, images.some((im) => im.tensor) ? -1 : scalingIndex, bgr ? 1 : 0, format))));
        sample();
        return {
            report: JSON.parse(report(0)),
            markdown: report(1),
            inputShape: shape,
            symbolicInput: symbolic,
            peakRssBytes: peakRss,
            wasmHeapBytes: core.HEAPU8.length,
            seconds: Number(process.hrtime.bigint() - started) / 1e9,
        };
    } finally {
        await ortSession?.release?.();
        staged?.remove();
        core._dz_scan_close(session);
    }
}

// ONNX Runtime's error without its wrapping: "Load model from <temporary path> failed:<source file>:<line>
// <C++ signature> <reason>" -> "<reason>".
function ortReason(e) {
    const text = String(e?.message ?? e).split('\n')[0];
    return text.replace(/^Load model from \S+ failed:/, '').replace(/^\S+\.(h|cc|cpp):\d+ [^(]*\([^)]*\)[^ ]* /, '').trim();
}

// The image decoded and letterboxed by core (image_input.h), as the model's input tensor.
function preparedTensor(ort, core, session, image, shape, scalingIndex, bgr, half) {
    const inputPtr = withHeapCopy(core, image.bytes, (ptr) => core._dz_scan_prepare_image(
        session, ptr, image.bytes.byteLength, shape[3], shape[2], scalingIndex, bgr ? 1 : 0, half ? 1 : 0));
    if (!inputPtr) throw new ImageError(image.name, core.UTF8ToString(core._dz_scan_error(session)));
    const count = shape[1] * shape[2] * shape[3];
    return half ? new ort.Tensor('float16', core.HEAPU16.slice(inputPtr >> 1, (inputPtr >> 1) + count), shape)
                : new ort.Tensor('float32', core.HEAPF32.slice(inputPtr >> 2, (inputPtr >> 2) + count), shape);
}

function givenTensor(ort, image, shape, half) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (half || !(image.tensor instanceof Float32Array) || image.tensor.length !== count)
        throw new ScanError(`${image.name}: a given tensor must be float32 [${shape.join(',')}] (${count} values)`);
    return new ort.Tensor('float32', image.tensor, shape);
}

function addOutput(core, session, layer, tensor) {
    if (tensor.type !== 'float32' && tensor.type !== 'float16')
        throw new ScanError(`activation output '${tensor.type}' is not float32 or float16`);
    const data = tensor.data;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const ok = withHeapCopy(core, bytes, (ptr) => withDims(core, tensor.dims, (dimsPtr, rank) =>
        core._dz_scan_add_output(session, layer, ptr, tensor.type === 'float16' ? 1 : 0, dimsPtr, rank)));
    if (!ok) throw new ScanError(core.UTF8ToString(core._dz_scan_error(session)));
}
