// Float32 values read as their raw bits (array<u32>), shared by every shader here: web/gpu_postprocess.js
// puts this file in front of each one (WGSL has no include). WGSL lets an implementation assume
// floats are finite and flush denormals, so what must be exact is decided on the bits.

fn is_finite_bits(bits: u32) -> bool {
    return (bits & 0x7f800000u) != 0x7f800000u;
}

// A float's bits as an unsigned key with the same order (-0 and +0 equal, as floats are; -Inf and
// +Inf at the ends). Not for NaN.
fn order_key(bits: u32) -> u32 {
    let b = select(bits, 0u, bits == 0x80000000u);
    return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}
