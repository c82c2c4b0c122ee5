#include "deadzone/scan_report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace deadzone {

namespace {

using nlohmann::json;

json finding_json(const StaticFinding& f) {
    return {{"rule", static_rule_name(f.rule)},
            {"node", f.node},
            {"activation", f.activation},
            {"channel", f.channel},
            {"gamma", f.gamma},
            {"beta", f.beta},
            {"running_mean", f.running_mean},
            {"running_var", f.running_var},
            {"max_abs_weight", f.max_abs_weight},
            {"bias", f.bias},
            {"pre_activation", f.pre_activation}};
}

json layer_json(const LayerScan& l) {
    json channels = json::array(), dead = json::array();
    std::int64_t nan = 0, inf = 0;
    for (std::size_t c = 0; c < l.channels.size(); ++c) {
        const ChannelScan& s = l.channels[c];
        if (s.dead()) dead.push_back(c);
        nan += s.nan;
        inf += s.inf;
        channels.push_back({{"dead", s.dead()},
                            {"inactive_fraction", s.inactive_fraction()},
                            {"dead_units", s.dead_units},
                            {"min", s.min},
                            {"max", s.max},
                            {"mean", s.mean()},
                            {"nan", s.nan},
                            {"inf", s.inf}});
    }
    return {{"node", l.layer.node},
            {"tensor", l.layer.tensor},
            {"op", activation_op_name(l.layer.op)},
            {"can_die", activation_can_die(l.layer.op)},
            {"shape", l.shape},
            {"images", l.images},
            {"units", l.units},
            {"dead_units", l.dead_units},
            {"dead_unit_fraction", l.dead_unit_fraction()},
            {"level", dead_level_name(l.level())},
            {"dead_channels", dead},
            {"nan", nan},
            {"inf", inf},
            {"channels", channels}};
}

std::string percent(double f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * f);
    return buf;
}

// Markdown table cells must not contain '|'.
std::string cell(std::string s) {
    for (char& c : s)
        if (c == '|') c = '/';
    return s;
}

} // namespace

std::string scan_report_json(const ScanReport& r) {
    json findings = json::array(), layers = json::array();
    for (const StaticFinding& f : r.static_findings) findings.push_back(finding_json(f));
    for (const LayerScan& l : r.layers) layers.push_back(layer_json(l));
    json skipped = json::array();
    for (const SkippedImage& i : r.skipped_images) skipped.push_back({{"name", i.name}, {"reason", i.reason}});
    const std::ptrdiff_t nan_layer = r.first_nonfinite_layer();
    json out = {
        {"format", "deadzone-scan"},
        {"version", 1},
        {"model", r.model},
        {"images", r.images},
        {"skipped_images", skipped},
        {"input_shape", r.input_shape},
        {"preprocessing", r.preprocessing},
        {"summary", scan_summary(r)},
        {"thresholds",
         {{"gamma_eps", r.thresholds.bn.gamma_eps},
          {"running_eps", r.thresholds.bn.running_eps},
          {"weight_eps", r.thresholds.weight_eps},
          {"saturation_eps", kSaturationEps}}},
        {"totals",
         {{"layers", r.layers.size()},
          {"channels", r.total_channels()},
          {"dead_channels", r.dead_channels()},
          {"layers_with_dead_channels", r.layers_with_dead_channels()},
          {"critical_layers", r.critical_layers()},
          {"first_nonfinite_layer",
           nan_layer < 0 ? json(nullptr) : json(r.layers[static_cast<std::size_t>(nan_layer)].layer.node)}}},
        {"static_findings", findings},
        {"layers", layers},
    };
    // Node names come from the model and may be any bytes: invalid UTF-8 is replaced, not thrown on.
    return out.dump(1, ' ', false, json::error_handler_t::replace);
}

std::string scan_report_markdown(const ScanReport& r) {
    std::ostringstream s;
    s << "# Dead-zone scan: " << cell(r.model) << "\n\n" << scan_summary(r) << ".\n\n";
    s << "Images (" << r.images.size() << "):";
    for (std::size_t i = 0; i < r.images.size() && i < 20; ++i) s << (i ? ", " : " ") << cell(r.images[i]);
    if (r.images.size() > 20) s << ", ...";
    if (!r.preprocessing.empty()) s << "\n\nInput: " << cell(r.preprocessing) << ".";
    if (!r.skipped_images.empty()) {
        s << "\n\nSkipped (" << r.skipped_images.size() << "), not scanned:\n";
        for (const SkippedImage& i : r.skipped_images) s << "\n- " << cell(i.name) << ": " << cell(i.reason);
    }
    s << "\n\n## Dead from the weights alone\n\n";
    if (r.static_findings.empty()) {
        s << "None.\n";
    } else {
        s << "| rule | node | channel | gamma | beta | running mean | running var | max abs weight | pre-activation |\n"
             "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const StaticFinding& f : r.static_findings)
            s << "| " << static_rule_name(f.rule) << " | " << cell(f.node) << " | " << f.channel << " | " << f.gamma << " | "
              << f.beta << " | " << f.running_mean << " | " << f.running_var << " | " << f.max_abs_weight << " | "
              << f.pre_activation << " |\n";
    }
    s << "\n## Activation layers (graph order)\n\n"
         "| # | node | op | shape | dead units | level | dead channels | NaN/Inf |\n"
         "|---:|---|---|---|---:|---|---|---:|\n";
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        const LayerScan& l = r.layers[i];
        std::string dead;
        int listed = 0;
        for (std::size_t c = 0; c < l.channels.size(); ++c) {
            if (!l.channels[c].dead()) continue;
            if (listed++ < 16) dead += (dead.empty() ? "" : ", ") + std::to_string(c);
        }
        if (listed > 16) dead += ", ... (" + std::to_string(listed) + ")";
        s << "| " << i << " | " << cell(l.layer.node) << " | " << activation_op_name(l.layer.op) << " | " << dims_text(l.shape)
          << " | " << (activation_can_die(l.layer.op) ? percent(l.dead_unit_fraction()) : "n/a (cannot die)") << " | "
          << (activation_can_die(l.layer.op) ? dead_level_name(l.level()) : "-") << " | " << (dead.empty() ? "-" : dead) << " | "
          << l.nonfinite << " |\n";
    }
    return s.str();
}

} // namespace deadzone
