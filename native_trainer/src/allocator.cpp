#include "ttfnet/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ttfnet {

AllocatorTuning tune_allocator_for_training() {
    AllocatorTuning t;
#if defined(__GLIBC__)
    // glibc's ceiling for M_MMAP_THRESHOLD is HEAP_MAX_SIZE / 2: 32 MiB with 64-bit pointers.
    constexpr int kMmapThreshold = 4 * 1024 * 1024 * static_cast<int>(sizeof(long));
    constexpr int kTrimThreshold = 1 << 30;
    // mallopt returns 0 when the running malloc is not glibc's (an LD_PRELOADed allocator may define
    // mallopt as a stub) or rejects the value.
    if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1) {
        t.applied = true;
        t.description = "glibc malloc: mmap threshold 32 MiB, trim threshold 1 GiB";
    } else {
        t.description = "malloc is not glibc's (or refused the thresholds): its own policy applies";
    }
#else
    t.description = "not glibc: the allocator's own policy applies";
#endif
    return t;
}

} // namespace ttfnet
