// Memory that stays with the process between training steps.
//
// With glibc's default malloc, a freed block above the mmap threshold (128 KiB, adjusted upwards only
// as far as the largest block freed so far) is returned to the kernel, and so is free memory at the
// top of the heap beyond the trim threshold. A training step frees and reallocates the same large
// tensor buffers (activations, gradients, the batch) every time, so each step page-faults them all
// in again: at 128 px, batch 8, about 8,000 faults per step and a sixth of the CPU time (bench/
// train_step.cpp prints the figures). tune_allocator_for_training() raises both thresholds so the
// buffers are reused from the heap instead.
#pragma once

#include <string>

namespace ttfnet {

struct AllocatorTuning {
    bool applied = false;
    std::string description; // what was set, or why nothing was (another allocator, not glibc)
};

// glibc: M_MMAP_THRESHOLD to its largest value (32 MiB on 64-bit: larger blocks are still mapped,
// which keeps a single huge tensor from pinning the heap) and M_TRIM_THRESHOLD to 1 GiB. Call once at
// start-up, before the model is built. Does nothing when the process runs under another malloc
// (e.g. LD_PRELOAD of jemalloc), whose own policy then applies. Overrides MALLOC_MMAP_THRESHOLD_ and
// MALLOC_TRIM_THRESHOLD_ from the environment.
AllocatorTuning tune_allocator_for_training();

} // namespace ttfnet
