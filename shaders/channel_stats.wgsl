// Per-channel statistics of an activation on the GPU, accumulated image by image: the counters of
// core/include/deadzone/channel_stats.h (ChannelStatsAccumulator) and of the dead-zone scan's
// LayerAccumulator (core/include/deadzone/activation_scan.h), which tests/e2e/wgsl_postprocess.test.mjs
// compares them with.
//
//   values   [N, C, P] float32 read as raw bits (array<u32>): N images of the batch, C channels, P
//            positions (H*W). NaN and Inf are told from their bits, never from float compares
//            (WGSL lets an implementation assume floats are finite).
//   counts   per channel: values, exact zeros (+0 or -0), positives (+Inf included), NaN, Inf. Exact.
//   min/max  over finite values, kept as order-preserving integer keys of the bits: exact, denormals
//            included (a GPU may flush those to zero in float arithmetic).
//   mean/m2  over finite values: Welford's update per invocation, Chan's pairwise merge across the
//            workgroup and across images (Chan, Golub, LeVeque 1979), in float32, so a large offset
//            costs no precision to cancellation; sum = mean * finite count, sum of squares =
//            m2 + finite count * mean^2. The tolerance is float32's, not double's as in core/.
//   inactive per channel, the values in the activation's zero-gradient region (core's InactiveRegion,
//            given as `shape`: exactly 0, and/or at or beyond a bound, compared as integer keys;
//            NaN never inactive).
//   units    one bit per (channel, position): set once the unit is active (outside the region) on
//            some image. dead units = positions whose bit is never set: the scan's dead units.
//
// is_finite_bits and order_key come from float_bits.wgsl, which web/gpu_postprocess.js puts in front.
//
// Passes (web/gpu_postprocess.js): accumulate once per batch of images, one workgroup per channel;
// count_dead_units once at read-back time, one workgroup per channel.

struct Shape {
    channels: u32,
    positions: u32,
    batch: u32,
    zero_inactive: u32, // 1: an exact 0 (+0 or -0) is inactive
    has_lower: u32,     // 1: values <= lower are inactive
    lower_key: u32,     // order_key of the lower bound's bits
    has_upper: u32,
    upper_key: u32,
}

struct ChannelRecord {
    values: u32,
    zeros: u32,
    positives: u32,
    nans: u32,
    infs: u32,
    min_key: u32,     // 0xffffffff while there is no finite value
    max_key: u32,     // 0 while there is no finite value
    dead_units: u32,  // written by count_dead_units
    finite: u32,
    mean: f32,
    m2: f32,          // sum of squared deviations from the mean
    inactive: u32,    // values in the zero-gradient region
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> values: array<u32>;
@group(0) @binding(2) var<storage, read_write> records: array<ChannelRecord>;
@group(0) @binding(3) var<storage, read_write> ever_active: array<u32>; // [C, ceil(P / 32)] bits

const THREADS = 256u;

var<workgroup> wg_zeros: atomic<u32>;
var<workgroup> wg_positives: atomic<u32>;
var<workgroup> wg_nans: atomic<u32>;
var<workgroup> wg_infs: atomic<u32>;
var<workgroup> wg_inactive: atomic<u32>;
var<workgroup> wg_min: atomic<u32>;
var<workgroup> wg_max: atomic<u32>;
var<workgroup> wg_n: array<u32, THREADS>;
var<workgroup> wg_mean: array<f32, THREADS>;
var<workgroup> wg_m2: array<f32, THREADS>;

// In the activation's zero-gradient region? (NaN never is; +-Inf may be, against a bound.)
fn is_inactive(bits: u32) -> bool {
    let magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u) {
        return false;
    }
    let key = order_key(bits);
    return (shape.zero_inactive != 0u && magnitude == 0u) || (shape.has_lower != 0u && key <= shape.lower_key) ||
           (shape.has_upper != 0u && key >= shape.upper_key);
}

// Chan's merge of (n, mean, m2) statistics a and b, returned as (mean, m2); n is a.n + b.n.
fn merge(na: u32, ma: f32, m2a: f32, nb: u32, mb: f32, m2b: f32) -> vec2<f32> {
    if (nb == 0u) {
        return vec2<f32>(ma, m2a);
    }
    if (na == 0u) {
        return vec2<f32>(mb, m2b);
    }
    let fa = f32(na);
    let fb = f32(nb);
    let n = fa + fb;
    let delta = mb - ma;
    return vec2<f32>(ma + delta * (fb / n), m2a + m2b + delta * delta * (fa * (fb / n)));
}

fn channel_of(wg: vec3<u32>, groups: vec3<u32>) -> u32 {
    return wg.x + wg.y * groups.x;
}

@compute @workgroup_size(THREADS)
fn accumulate(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
              @builtin(local_invocation_index) tid: u32) {
    let c = channel_of(wg, groups);
    // Every invocation of the workgroup reaches each barrier: the channel test is uniform.
    let active_channel = c < shape.channels;
    if (tid == 0u) {
        atomicStore(&wg_zeros, 0u);
        atomicStore(&wg_positives, 0u);
        atomicStore(&wg_nans, 0u);
        atomicStore(&wg_infs, 0u);
        atomicStore(&wg_inactive, 0u);
        atomicStore(&wg_min, 0xffffffffu);
        atomicStore(&wg_max, 0u);
    }
    workgroupBarrier();

    var zeros = 0u;
    var positives = 0u;
    var nans = 0u;
    var infs = 0u;
    var inactive = 0u;
    var lo = 0xffffffffu;
    var hi = 0u;
    var n = 0u;
    var mean = 0.0;
    var m2 = 0.0;
    let p = shape.positions;
    let words = (p + 31u) / 32u;
    if (active_channel) {
        // An invocation owns whole 32-position words of the unit bits, so it writes them alone.
        for (var w = tid; w < words; w += THREADS) {
            var mask = 0u;
            let last = min(32u, p - w * 32u);
            for (var b = 0u; b < last; b++) {
                let position = w * 32u + b;
                for (var image = 0u; image < shape.batch; image++) {
                    let bits = values[(image * shape.channels + c) * p + position];
                    let magnitude = bits & 0x7fffffffu;
                    if (is_inactive(bits)) {
                        inactive++;
                    } else {
                        mask |= 1u << b;
                    }
                    if (!is_finite_bits(bits)) {
                        if (magnitude == 0x7f800000u) {
                            infs++;
                            if ((bits & 0x80000000u) == 0u) {
                                positives++; // +Inf > 0, as in core/
                            }
                        } else {
                            nans++;
                        }
                        continue;
                    }
                    if (magnitude == 0u) {
                        zeros++;
                    } else if ((bits & 0x80000000u) == 0u) {
                        positives++;
                    }
                    let key = order_key(bits);
                    lo = min(lo, key);
                    hi = max(hi, key);
                    // Welford's update.
                    n++;
                    let v = bitcast<f32>(bits);
                    let delta = v - mean;
                    mean += delta / f32(n);
                    m2 += delta * (v - mean);
                }
            }
            ever_active[c * words + w] |= mask;
        }
        atomicAdd(&wg_zeros, zeros);
        atomicAdd(&wg_positives, positives);
        atomicAdd(&wg_nans, nans);
        atomicAdd(&wg_infs, infs);
        atomicAdd(&wg_inactive, inactive);
        atomicMin(&wg_min, lo);
        atomicMax(&wg_max, hi);
    }
    wg_n[tid] = n;
    wg_mean[tid] = mean;
    wg_m2[tid] = m2;
    workgroupBarrier();
    for (var span = THREADS / 2u; span > 0u; span /= 2u) {
        if (tid < span) {
            let m = merge(wg_n[tid], wg_mean[tid], wg_m2[tid], wg_n[tid + span], wg_mean[tid + span], wg_m2[tid + span]);
            wg_n[tid] += wg_n[tid + span];
            wg_mean[tid] = m.x;
            wg_m2[tid] = m.y;
        }
        workgroupBarrier();
    }
    if (tid == 0u && active_channel) {
        var r = records[c];
        let m = merge(r.finite, r.mean, r.m2, wg_n[0], wg_mean[0], wg_m2[0]);
        r.values += p * shape.batch;
        r.zeros += atomicLoad(&wg_zeros);
        r.positives += atomicLoad(&wg_positives);
        r.nans += atomicLoad(&wg_nans);
        r.infs += atomicLoad(&wg_infs);
        r.inactive += atomicLoad(&wg_inactive);
        r.min_key = min(r.min_key, atomicLoad(&wg_min));
        r.max_key = max(r.max_key, atomicLoad(&wg_max));
        r.finite += wg_n[0];
        r.mean = m.x;
        r.m2 = m.y;
        records[c] = r;
    }
}

var<workgroup> wg_active: atomic<u32>;

@compute @workgroup_size(THREADS)
fn count_dead_units(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
                    @builtin(local_invocation_index) tid: u32) {
    let c = channel_of(wg, groups);
    if (tid == 0u) {
        atomicStore(&wg_active, 0u);
    }
    workgroupBarrier();
    let words = (shape.positions + 31u) / 32u;
    var set_bits = 0u;
    if (c < shape.channels) {
        for (var w = tid; w < words; w += THREADS) {
            set_bits += countOneBits(ever_active[c * words + w]);
        }
    }
    atomicAdd(&wg_active, set_bits);
    workgroupBarrier();
    if (tid == 0u && c < shape.channels) {
        records[c].dead_units = shape.positions - atomicLoad(&wg_active);
    }
}
