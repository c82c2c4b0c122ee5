#include "deadzone/scan_compare.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

ScanComparison compare_scans(const ScanReport& a, const ScanReport& b, double tolerance) {
    ScanComparison out;
    if (a.layers.size() != b.layers.size() || a.images != b.images) {
        out.comparable = false;
        out.why = "the two scans are of different layers or images";
        return out;
    }
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
        const LayerScan &la = a.layers[l], &lb = b.layers[l];
        if (la.shape != lb.shape || la.channels.size() != lb.channels.size()) {
            out.comparable = false;
            out.why = "layer " + la.layer.node + " has shape " + dims_text(la.shape) + " in one run and " + dims_text(lb.shape) +
                      " in the other";
            return out;
        }
        for (std::size_t c = 0; c < la.channels.size(); ++c) {
            const ChannelScan &ca = la.channels[c], &cb = lb.channels[c];
            const struct {
                const char* name;
                double x, y;
            } values[] = {{"min", ca.min, cb.min}, {"max", ca.max, cb.max}, {"mean", ca.mean(), cb.mean()}};
            bool differs = false;
            for (const auto& v : values) {
                const double d = std::fabs(v.x - v.y);
                out.max_difference = std::max(out.max_difference, d);
                if (!differs && out.layer < 0 && d > tolerance * std::max({1.0, std::fabs(v.x), std::fabs(v.y)})) {
                    differs = true;
                    out.quantity = v.name;
                    out.a = v.x;
                    out.b = v.y;
                }
            }
            if (!differs && out.layer < 0 && ca.nan + ca.inf != cb.nan + cb.inf) {
                differs = true;
                out.quantity = "NaN/Inf count";
                out.a = static_cast<double>(ca.nan + ca.inf);
                out.b = static_cast<double>(cb.nan + cb.inf);
            }
            if (differs && out.layer < 0) {
                out.layer = static_cast<int>(l);
                out.channel = static_cast<int>(c);
            }
        }
    }
    return out;
}

} // namespace deadzone
