// The dead-zone scan's report as files a user keeps: JSON for CI pipelines and scripts, Markdown for
// a pull request or an issue. Both are written from one ScanReport (model_scan.h).
//
// JSON layout (format "deadzone-scan", version 1):
//   {format, version, model, images: [name], skipped_images: [{name, reason}], input_shape: [N,C,H,W],
//    preprocessing: "letterboxed to ... RGB planes" ("" when the caller fed its own tensors), summary,
//    thresholds: {gamma_eps, running_eps, weight_eps, saturation_eps},
//    totals: {layers, channels, dead_channels, layers_with_dead_channels, critical_layers,
//             first_nonfinite_layer: name | null},
//    static_findings: [{rule, node, activation, channel, gamma, beta, running_mean, running_var,
//                       max_abs_weight, bias, pre_activation}],
//    layers: [{node, tensor, op, can_die, shape, images, units, dead_units, dead_unit_fraction,
//              level: "OK"|"WARNING"|"CRITICAL", dead_channels: [c], nan, inf,
//              channels: [{dead, inactive_fraction, dead_units, min, max, mean, nan, inf}]}]}
// Fractions are in [0, 1]; min/max/mean are over finite values (0 when a channel has none).
#pragma once

#include "deadzone/model_scan.h"

#include <string>

namespace deadzone {

std::string scan_report_json(const ScanReport& report);

// A title, the summary, the static findings as a table, and one table row per activation layer
// (dead %, level, dead channels listed up to 16 each).
std::string scan_report_markdown(const ScanReport& report);

} // namespace deadzone
