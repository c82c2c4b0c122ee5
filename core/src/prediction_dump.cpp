#include "deadzone/prediction_dump.h"

#include "deadzone/diagnostics.h"

#include <cmath>
#include <cstdio>

namespace deadzone {

const char* wh_channel_name(int channel) {
    static const char* const kNames[4] = {"left", "top", "right", "bottom"};
    return channel >= 0 && channel < 4 ? kNames[channel] : "?";
}

std::string format_fixed3(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3f", value);
    std::string s = buf;
    if (s == "-0.000") s = "0.000";
    return s;
}

std::string format_g4(double value) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.4g", value);
    return buf;
}

std::string format_channel_line(const std::string& label, int channel, const ChannelStats& stats, bool dead,
                                BoxEncoding encoding) {
    std::string line = label + " channel " + std::to_string(channel) + " (" + box_channel_name(encoding, channel) +
                       "): min=" + format_fixed3(stats.min) + ", max=" + format_fixed3(stats.max) +
                       ", mean=" + format_fixed3(stats.mean);
    if (stats.has_nonfinite())
        line += " (non-finite: " + std::to_string(stats.nan_count) + " NaN, " + std::to_string(stats.inf_count) + " Inf)";
    if (dead) line += "  <- DEAD";
    return line;
}

std::string format_fraction_zero_line(const std::string& label, const std::vector<ChannelStats>& stats, BoxEncoding encoding) {
    std::string line = label + " fraction zero:";
    for (std::size_t c = 0; c < stats.size(); ++c)
        line += std::string(c == 0 ? " " : ", ") + box_channel_name(encoding, static_cast<int>(c)) + "=" +
                format_fixed3(stats[c].fraction_zero);
    return line;
}

std::string format_wh_dump(const std::vector<ChannelStats>& wh_stats, BoxEncoding encoding) {
    std::string out;
    for (std::size_t c = 0; c < wh_stats.size(); ++c)
        out += format_channel_line("wh", static_cast<int>(c), wh_stats[c], channel_is_dead(wh_stats[c]), encoding) + "\n";
    if (!wh_stats.empty()) out += format_fraction_zero_line("wh", wh_stats, encoding) + "\n";
    return out;
}

std::string format_wh_pre_dump(const std::vector<ChannelStats>& wh_pre_stats) {
    std::string out;
    for (std::size_t c = 0; c < wh_pre_stats.size(); ++c)
        out += format_channel_line("wh_pre", static_cast<int>(c), wh_pre_stats[c], false) + "\n";
    if (!wh_pre_stats.empty()) out += format_fraction_zero_line("wh_pre", wh_pre_stats) + "\n";
    return out;
}

std::string format_final_conv(const std::vector<double>& weight_std, const std::vector<double>& bias) {
    std::string out;
    const std::size_t n = weight_std.size() < bias.size() ? weight_std.size() : bias.size();
    for (std::size_t c = 0; c < n; ++c)
        out += "wh_out channel " + std::to_string(c) + " (" + wh_channel_name(static_cast<int>(c)) +
               "): weight std=" + format_g4(weight_std[c]) + ", bias=" + format_fixed3(bias[c]) + "\n";
    return out;
}

std::string format_detections(const std::vector<Detection>& detections, const std::vector<std::string>& class_names) {
    std::string out;
    for (std::size_t i = 0; i < detections.size(); ++i) {
        const Detection& d = detections[i];
        const std::string cls = d.class_id >= 0 && static_cast<std::size_t>(d.class_id) < class_names.size()
                                    ? class_names[static_cast<std::size_t>(d.class_id)]
                                    : "class" + std::to_string(d.class_id);
        out += "det " + std::to_string(i) + ": class=" + cls + " score=" + format_fixed3(d.score) + " box=(" +
               format_fixed3(d.x1) + ", " + format_fixed3(d.y1) + ", " + format_fixed3(d.x2) + ", " + format_fixed3(d.y2) +
               ") centre=(" + format_fixed3(d.center_x) + ", " + format_fixed3(d.center_y) + ")\n";
    }
    return out;
}

std::string format_decoded(const DecodeResult& decoded, const DecodeParams& params, const std::vector<std::string>& class_names) {
    std::string out = "detections: " + std::to_string(decoded.detections.size()) +
                      " (score >= " + format_fixed3(params.score_threshold) + ", top " + std::to_string(params.top_k) + ")\n";
    out += format_detections(decoded.detections, class_names);
    if (decoded.nonfinite_heatmap + decoded.nonfinite_wh > 0)
        out += "warning: non-finite outputs: " + std::to_string(decoded.nonfinite_heatmap) + " heatmap cells, " +
               std::to_string(decoded.nonfinite_wh) + " wh cells, " + std::to_string(decoded.dropped_peaks) + " peaks dropped\n";
    return out;
}

} // namespace deadzone
