#include "ttfnet/schedule.h"

#include <algorithm>
#include <cmath>

namespace ttfnet {

double LrSchedule::at(std::int64_t step) const {
    const double t = total_steps > 0 ? std::clamp(static_cast<double>(step) / static_cast<double>(total_steps), 0.0, 1.0) : 0.0;
    double factor = 1.0;
    if (decay == DecayKind::Cosine) {
        factor = min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + std::cos(M_PI * t));
    } else {
        for (double f : step_fractions)
            if (static_cast<double>(step) >= f * static_cast<double>(total_steps)) factor *= gamma;
    }
    if (step < warmup_steps && warmup_steps > 0) {
        // mmdet's linear warm-up: lr * (1 - (1 - ratio) * (1 - step / warmup)).
        factor *= 1.0 - (1.0 - warmup_ratio) * (1.0 - static_cast<double>(step) / static_cast<double>(warmup_steps));
    }
    return base_lr * factor;
}

} // namespace ttfnet
