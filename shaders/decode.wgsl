// TTFNet decode on the GPU: the conventions of core/include/deadzone/decode.h (the reference every
// decode in the project is tested against; tests/e2e/wgsl_postprocess.test.mjs compares the two).
//
//   heatmap  [C,H,W] logits, wh [4,H,W] distances in input pixels (left, top, right, bottom), both
//            read as raw float32 bits (array<u32>) so that NaN and Inf are seen exactly: WGSL lets
//            an implementation assume float values are finite, so no float is compared before its
//            bits say it is finite.
//   peak     a finite cell not exceeded by any finite cell of its 3x3 neighbourhood (equal
//            neighbours all stay peaks). Compared as order-preserving integer keys of the float
//            bits: exact for denormals, which a GPU may flush to zero in float arithmetic.
//   order    score (sigmoid of the logit) descending, then class, y, x ascending; peaks under the
//            score threshold are left out before the top-K cut (the same set as decode.h's cut
//            then threshold, as every kept peak ranks before every dropped one).
//   box      centre (x * stride, y * stride), box = centre -/+ wh, mapped through the letterbox to
//            source pixels and clipped to [0, source size]. A top-K peak with a non-finite wh is
//            dropped and counted, not replaced.
//
// is_finite_bits and order_key come from float_bits.wgsl, which web/gpu_postprocess.js puts in front.
//
// Passes, in order (web/gpu_postprocess.js dispatches them):
//   find_peaks      one invocation per slot of `keys` (capacity: a power of two >= C*H*W): a peak's
//                   key (score bits, cell index), or the padding key that sorts last.
//   count_wh        one invocation per wh value: the non-finite ones.
//   sort_step       one bitonic compare-exchange stage over `keys` (stage in `stage`).
//   write_boxes     a single invocation: the first top_k keys into `boxes`, in order.

struct Params {
    channels: u32,
    height: u32,
    width: u32,
    stride: u32,
    top_k: u32,
    capacity: u32,        // length of `keys`, a power of two >= channels * height * width
    score_threshold: f32,
    pad_left: f32,        // letterbox: input pixels before the scaled image
    pad_top: f32,
    scale: f32,           // input pixels per source pixel
    source_width: f32,
    source_height: f32,
}

// One bitonic stage: blocks of `block` keys merged, partners `distance` apart.
struct Stage {
    block: u32,
    distance: u32,
}

// Read back to the CPU: counters, then the boxes.
struct Counters {
    nonfinite_heatmap: atomic<u32>,
    nonfinite_wh: atomic<u32>,
    peaks: atomic<u32>,          // peaks at or above the score threshold (before the top-K cut)
    dropped_peaks: atomic<u32>,  // top-K peaks dropped for a non-finite wh
    detections: atomic<u32>,
}

struct Box {
    x1: f32, y1: f32, x2: f32, y2: f32, // source pixels, clipped
    score: f32,
    center_x: f32, center_y: f32,       // source pixels, not clipped
    class_id: u32,
    cell_x: u32, cell_y: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> heatmap: array<u32>;
@group(0) @binding(2) var<storage, read> wh: array<u32>;
@group(0) @binding(3) var<storage, read_write> keys: array<vec2<u32>>; // (score bits, cell index)
@group(0) @binding(4) var<storage, read_write> counters: Counters;
@group(0) @binding(5) var<storage, read_write> boxes: array<Box>;
@group(1) @binding(0) var<uniform> stage: Stage;

const PADDING = vec2<u32>(0u, 0xffffffffu);

// decode.h's sigmoid: split by sign so exp() never overflows.
fn sigmoid(x: f32) -> f32 {
    if (x >= 0.0) {
        return 1.0 / (1.0 + exp(-x));
    }
    let e = exp(x);
    return e / (1.0 + e);
}

fn is_local_max(plane: u32, y: u32, x: u32, key: u32) -> bool {
    let h = params.height;
    let w = params.width;
    let y0 = select(y - 1u, 0u, y == 0u);
    let x0 = select(x - 1u, 0u, x == 0u);
    let y1 = min(y + 1u, h - 1u);
    let x1 = min(x + 1u, w - 1u);
    for (var ny = y0; ny <= y1; ny++) {
        for (var nx = x0; nx <= x1; nx++) {
            let n = heatmap[plane + ny * w + nx];
            if (is_finite_bits(n) && order_key(n) > key) {
                return false;
            }
        }
    }
    return true;
}

@compute @workgroup_size(256)
fn find_peaks(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = id.x + id.y * groups.x * 256u;
    if (i >= params.capacity) {
        return;
    }
    let plane_size = params.height * params.width;
    if (i >= params.channels * plane_size) {
        keys[i] = PADDING;
        return;
    }
    let bits = heatmap[i];
    if (!is_finite_bits(bits)) {
        atomicAdd(&counters.nonfinite_heatmap, 1u);
        keys[i] = PADDING;
        return;
    }
    let c = i / plane_size;
    let cell = i % plane_size;
    let y = cell / params.width;
    let x = cell % params.width;
    if (!is_local_max(c * plane_size, y, x, order_key(bits))) {
        keys[i] = PADDING;
        return;
    }
    let score = sigmoid(bitcast<f32>(bits));
    if (score < params.score_threshold) {
        keys[i] = PADDING;
        return;
    }
    atomicAdd(&counters.peaks, 1u);
    keys[i] = vec2<u32>(bitcast<u32>(score), i); // scores are >= 0: their bits order as they do
}

@compute @workgroup_size(256)
fn count_wh(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = id.x + id.y * groups.x * 256u;
    if (i < 4u * params.height * params.width && !is_finite_bits(wh[i])) {
        atomicAdd(&counters.nonfinite_wh, 1u);
    }
}

// Does key a come before key b? Higher score first, then lower cell index: (class, y, x) order,
// as the index is (class * H + y) * W + x. Padding (score 0, the largest index) comes last.
fn before(a: vec2<u32>, b: vec2<u32>) -> bool {
    return a.x > b.x || (a.x == b.x && a.y < b.y);
}

@compute @workgroup_size(256)
fn sort_step(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let t = id.x + id.y * groups.x * 256u;
    if (t >= params.capacity / 2u) {
        return;
    }
    let d = stage.distance;
    let i = 2u * d * (t / d) + t % d;
    let j = i + d;
    let a = keys[i];
    let b = keys[j];
    let in_order = (i & stage.block) == 0u; // this half of the block is sorted in `before` order
    if (select(before(a, b), before(b, a), in_order)) {
        keys[i] = b;
        keys[j] = a;
    }
}

fn clip(v: f32, hi: f32) -> f32 {
    return min(max(v, 0.0), hi);
}

@compute @workgroup_size(1)
fn write_boxes() {
    let plane_size = params.height * params.width;
    let k = min(params.top_k, atomicLoad(&counters.peaks));
    var n = 0u;
    for (var r = 0u; r < k; r++) {
        let key = keys[r];
        let i = key.y;
        let c = i / plane_size;
        let cell = i % plane_size;
        let y = cell / params.width;
        let x = cell % params.width;
        let l = wh[cell];
        let t = wh[plane_size + cell];
        let rr = wh[2u * plane_size + cell];
        let b = wh[3u * plane_size + cell];
        if (!(is_finite_bits(l) && is_finite_bits(t) && is_finite_bits(rr) && is_finite_bits(b))) {
            atomicAdd(&counters.dropped_peaks, 1u);
            continue;
        }
        let cx = f32(x * params.stride);
        let cy = f32(y * params.stride);
        var box: Box;
        box.score = bitcast<f32>(key.x);
        box.class_id = c;
        box.cell_x = x;
        box.cell_y = y;
        box.center_x = (cx - params.pad_left) / params.scale;
        box.center_y = (cy - params.pad_top) / params.scale;
        box.x1 = clip((cx - bitcast<f32>(l) - params.pad_left) / params.scale, params.source_width);
        box.y1 = clip((cy - bitcast<f32>(t) - params.pad_top) / params.scale, params.source_height);
        box.x2 = clip((cx + bitcast<f32>(rr) - params.pad_left) / params.scale, params.source_width);
        box.y2 = clip((cy + bitcast<f32>(b) - params.pad_top) / params.scale, params.source_height);
        boxes[n] = box;
        n++;
    }
    atomicStore(&counters.detections, n);
}
