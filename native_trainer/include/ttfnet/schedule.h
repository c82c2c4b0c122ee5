// Learning-rate schedule: linear warm-up (TTFNet: from lr/5 over 500 iterations), then cosine decay
// to min_ratio * lr, or step decay (x gamma at the given fractions of training).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttfnet {

enum class DecayKind { Cosine, Step };

struct LrSchedule {
    double base_lr = 0.001;
    std::int64_t total_steps = 1000;
    std::int64_t warmup_steps = 500;
    double warmup_ratio = 0.2; // lr at step 0 = warmup_ratio * base_lr
    DecayKind decay = DecayKind::Cosine;
    std::vector<double> step_fractions{0.75, 0.92}; // step decay milestones, fractions of total_steps
    double gamma = 0.1;
    double min_ratio = 0.0; // cosine floor

    // lr for 0-based step index `step`.
    double at(std::int64_t step) const;
};

} // namespace ttfnet
