// COCO in and out, scored twice: ttfnet-eval --val on a COCO data set prints mAP@0.5 and mAP@[.5:.95]
// and writes its detections with --json; an independent scorer written here from the COCO definition
// (pycocotools' evaluateImg + accumulate: per image and category greedy matching by score, crowd
// regions "don't care" with IoU = intersection / detection area, 101-point interpolated precision,
// mean over the categories with ground truth) scores that results file against the annotations.
// The two must agree within 0.002. The scorer is first checked on hand-worked cases of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => path.join(root, 'build', 'native', 'native_trainer', name);

function iou(d, g, crowd) { // boxes [x, y, w, h]
    const iw = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
    const ih = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
    if (iw <= 0 || ih <= 0) return 0;
    const inter = iw * ih;
    return crowd ? inter / (d[2] * d[3]) : inter / (d[2] * d[3] + g[2] * g[3] - inter);
}

// mAP@0.5 and mAP@[.5:.95] of `results` against `gt` (a COCO instances object).
export function cocoMap(gt, results) {
    const thresholds = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);
    const categories = gt.categories.map((c) => c.id);
    const aps = { 50: [], all: [] };
    for (const cat of categories) {
        const byImage = new Map(gt.images.map((im) => [im.id, { gts: [], dts: [] }]));
        for (const a of gt.annotations) if (a.category_id === cat) byImage.get(a.image_id)?.gts.push(a);
        for (const r of results) if (r.category_id === cat) byImage.get(r.image_id)?.dts.push(r);
        const objects = gt.annotations.filter((a) => a.category_id === cat && !a.iscrowd).length;
        if (objects === 0) continue;
        const perThreshold = thresholds.map((t) => {
            const scored = []; // [score, tp] of the detections not ignored, all images
            for (const { gts, dts } of byImage.values()) {
                const ordered = [...gts].sort((a, b) => (a.iscrowd ? 1 : 0) - (b.iscrowd ? 1 : 0)); // objects first
                const used = ordered.map(() => false);
                for (const d of [...dts].sort((a, b) => b.score - a.score)) {
                    let best = Math.min(t, 1 - 1e-10), m = -1;
                    for (let g = 0; g < ordered.length; ++g) {
                        if (used[g] && !ordered[g].iscrowd) continue;
                        if (m > -1 && !ordered[m].iscrowd && ordered[g].iscrowd) break; // an object match wins
                        const v = iou(d.bbox, ordered[g].bbox, ordered[g].iscrowd);
                        if (v < best) continue;
                        best = v, m = g;
                    }
                    if (m >= 0 && ordered[m].iscrowd) continue; // don't care
                    if (m >= 0) used[m] = true;
                    scored.push([d.score, m >= 0]);
                }
            }
            scored.sort((a, b) => b[0] - a[0]);
            let tp = 0, fp = 0;
            const recall = [], precision = [];
            for (const [, hit] of scored) {
                hit ? ++tp : ++fp;
                recall.push(tp / objects), precision.push(tp / (tp + fp));
            }
            for (let i = precision.length - 1; i > 0; --i) precision[i - 1] = Math.max(precision[i - 1], precision[i]);
            let sum = 0;
            for (let k = 0; k <= 100; ++k) {
                const at = recall.findIndex((r) => r >= (k === 100 ? 1 : k * 0.01)); // np.linspace(0, 1, 101)
                if (at < 0) break;
                sum += precision[at];
            }
            return sum / 101;
        });
        aps[50].push(perThreshold[0]);
        aps.all.push(perThreshold.reduce((a, b) => a + b, 0) / perThreshold.length);
    }
    const mean = (v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
    return { map50: mean(aps[50]), map: mean(aps.all) };
}

test('the independent scorer on hand-worked cases', () => {
    const gt = {
        images: [{ id: 1 }, { id: 2 }],
        categories: [{ id: 1 }, { id: 5 }],
        annotations: [
            { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10] },
            { image_id: 1, category_id: 1, bbox: [20, 0, 40, 40], iscrowd: 1 },
            { image_id: 2, category_id: 1, bbox: [0, 0, 10, 10] },
            { image_id: 2, category_id: 5, bbox: [50, 50, 10, 10] },
        ],
    };
    // Category 1: one hit on each image, one detection inside the crowd (ignored): AP 1 at every t.
    // Category 5: its only detection misses: AP 0. Mean 0.5.
    const results = [
        { image_id: 1, category_id: 1, bbox: [25, 5, 10, 10], score: 0.95 },
        { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 },
        { image_id: 2, category_id: 1, bbox: [0, 0, 10, 10], score: 0.8 },
        { image_id: 2, category_id: 5, bbox: [0, 0, 10, 10], score: 0.7 },
    ];
    assert.deepEqual(cocoMap(gt, results), { map50: 0.5, map: 0.5 });
    // Without the crowd flag the region is a third object, missed, and the 0.95 detection a false
    // positive ranked first: recall 0, 1/3, 2/3 with precision 0, 1/2, 2/3 -> monotone 2/3 at the 67
    // recall points 0..0.66 -> AP 67 * (2/3) / 101 for category 1, mean with category 5's 0.
    const plain = structuredClone(gt);
    plain.annotations[1].iscrowd = 0;
    assert.ok(Math.abs(cocoMap(plain, results).map50 - (67 * (2 / 3) / 101) / 2) < 1e-12);
    // A box shifted by 2 of 10 px: IoU 8*10 / (2*100 - 80) = 0.667, a hit at t <= 0.65 (4 of 10 thresholds).
    const one = { images: [{ id: 1 }], categories: [{ id: 1 }], annotations: [{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10] }] };
    const shifted = cocoMap(one, [{ image_id: 1, category_id: 1, bbox: [2, 0, 10, 10], score: 1 }]);
    assert.equal(shifted.map50, 1);
    assert.ok(Math.abs(shifted.map - 0.4) < 1e-12);
});

test('ttfnet-eval --val on COCO annotations agrees with the independent scorer on its --json detections', () => {
    for (const name of ['ttfnet-eval', 'ttfnet-synth'])
        assert.ok(fs.existsSync(bin(name)), `${name} is not built (scripts/build.sh native)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dz-coco-'));
    // Synthetic people, cars and signs (YOLO labels) turned into a COCO file, with category ids that
    // are not 0..C-1 and a crowd region on every validation image.
    execFileSync(bin('ttfnet-synth'), ['--seed', '5', '--count', '12', '--out', path.join(dir, 'images')], { stdio: 'pipe' });
    const categoryIds = [7, 3, 11]; // person, car, sign: sorted by id -> car, person, sign
    const names = ['person', 'car', 'sign'];
    const gt = { images: [], annotations: [], categories: categoryIds.map((id, k) => ({ id, name: names[k] })) };
    const files = fs.readdirSync(path.join(dir, 'images')).filter((f) => f.endsWith('.png')).sort();
    files.forEach((file, i) => {
        const png = fs.readFileSync(path.join(dir, 'images', file));
        const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
        const id = 100 + i;
        gt.images.push({ id, file_name: file, width: w, height: h });
        const rows = fs.readFileSync(path.join(dir, 'images', file.replace('.png', '.txt')), 'utf8').trim().split('\n');
        for (const row of rows.filter(Boolean)) {
            const [c, cx, cy, bw, bh] = row.split(' ').map(Number);
            gt.annotations.push({ image_id: id, category_id: categoryIds[c], iscrowd: 0,
                                  bbox: [(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h] });
        }
        // A crowd region over the left half of every validation image (the odd ones): detections of
        // people there match no object yet count neither way.
        if (i % 2 === 1) gt.annotations.push({ image_id: id, category_id: categoryIds[0], iscrowd: 1, bbox: [0, 0, w / 2, h] });
    });
    const annotations = path.join(dir, 'instances.json');
    fs.writeFileSync(annotations, JSON.stringify(gt));
    const printed = (out, label) => Number(out.match(new RegExp(`${label}\\s*= ([0-9.]+)`))[1]);
    const evaluate = (extra, resultsFile) => execFileSync(bin('ttfnet-eval'), [
        '--onnx', path.join(root, 'assets', 'models', 'leaky.onnx'), '--val', '--data', `coco:${annotations}:${path.join(dir, 'images')}`,
        '--json', resultsFile, '--threads', '1', ...extra], { encoding: 'utf8' });
    // The whole file (--val-all), then a held-out half (every second image).
    for (const [extra, scoredImages] of [[['--val-all'], gt.images], [['--val-fraction', '0.5'], gt.images.filter((_, i) => i % 2 === 1)]]) {
        const resultsFile = path.join(dir, 'results.json');
        const out = evaluate(extra, resultsFile);
        const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
        assert.ok(results.length > 0, 'no detections written');
        assert.ok(results.every((r) => categoryIds.includes(r.category_id) && r.bbox.length === 4), 'results use COCO category ids');
        for (const id of new Set(results.map((r) => r.image_id)))
            assert.ok(scoredImages.some((im) => im.id === id), `image ${id} was not to be scored`);
        const scoredGt = { ...gt, images: scoredImages,
                           annotations: gt.annotations.filter((a) => scoredImages.some((im) => im.id === a.image_id)) };
        const mine = cocoMap(scoredGt, results);
        const [map50, map] = [printed(out, 'mAP@0.5'), printed(out, 'mAP@\\[\\.5:\\.95\\]')];
        console.log(`${extra.join(' ')}: ttfnet-eval mAP@0.5 ${map50}, mAP@[.5:.95] ${map}; scorer ${mine.map50.toFixed(4)}, ${mine.map.toFixed(4)}`);
        // The model's classes (person, car, sign) are matched to the file's categories by name, not
        // by position (sorted by id they are car, person, sign): scored by position it finds little.
        assert.ok(map50 > 0.3, `mAP@0.5 ${map50}: classes mismatched?`);
        assert.ok(Math.abs(mine.map50 - map50) <= 0.002, `mAP@0.5: ttfnet-eval ${map50}, scorer ${mine.map50}`);
        assert.ok(Math.abs(mine.map - map) <= 0.002, `mAP@[.5:.95]: ttfnet-eval ${map}, scorer ${mine.map}`);
        // The regions matter here: scored as ordinary objects, the people's AP changes by more than
        // the tolerance.
        const asObjects = cocoMap({ ...scoredGt, annotations: scoredGt.annotations.map((x) => ({ ...x, iscrowd: 0 })) }, results);
        const change = Math.max(Math.abs(asObjects.map50 - mine.map50), Math.abs(asObjects.map - mine.map));
        assert.ok(change > 0.005, `crowd regions change the score by only ${change}: the test would not see crowd handling`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
});
