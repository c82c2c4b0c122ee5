// Dead channels that an ONNX model's weights alone prove, before any image is run.
//
// Three patterns, each only where the channel feeds an activation with a zero-gradient region
// (activation_scan.h) directly:
//   - BatchNormalization with gamma ~ 0 and a beta the activation clips (diagnostics.h
//     bn_gamma_dead_zone): the BN output is beta for every input.
//   - BatchNormalization with running mean ~ 0, running var ~ 0 and such a beta (bn_running_dead_zone):
//     the channel's input was ~0 all through training.
//   - Conv whose output channel has weights ~ 0 (their |w| summing to less than weight_eps; a BN
//     folded into it by the exporter keeps the dead channel as zero weights and a negative bias),
//     optionally followed by a BatchNormalization: the pre-activation is the constant bias (through
//     the BN), and the activation clips it. A bias that is not a readable constant gives no finding.
// The conv rule holds for every input (up to weight_eps times the input's magnitude). The BN rules
// are the trainer's (diagnostics.h): they flag the pattern, and hold while the BN's input stays near
// its running mean; the runtime scan confirms them.
#pragma once

#include "deadzone/activation_scan.h"
#include "deadzone/onnx_graph.h"

#include <string>
#include <vector>

namespace deadzone {

enum class StaticRule { BnGammaZero, BnRunningStatsZero, ConvZeroWeights };
const char* static_rule_name(StaticRule rule); // "bn_gamma_zero", "bn_running_stats_zero", "conv_zero_weights"
// One line for a user: what the rule found and why it makes the channel dead.
const char* static_rule_explanation(StaticRule rule);

struct StaticThresholds {
    DeadZoneThresholds bn;    // |gamma|, |running mean| and running var below these count as 0
    double weight_eps = 1e-6; // a conv channel whose |weights| sum to less than this counts as all-zero
};

struct StaticFinding {
    StaticRule rule = StaticRule::BnGammaZero;
    std::string node;       // the BN or Conv node (display name)
    std::string activation; // the activation's output tensor (ActivationLayer::tensor)
    int channel = 0;
    // The parameters the rule read (those that do not apply stay 0).
    float gamma = 0.0f, beta = 0.0f, running_mean = 0.0f, running_var = 0.0f;
    float max_abs_weight = 0.0f, bias = 0.0f;
    float pre_activation = 0.0f; // the constant the activation sees
};

// Findings in graph order (by activation, then channel). Weights kept in external data files are
// not read, so such layers yield no findings.
std::vector<StaticFinding> find_static_dead_zones(const OnnxGraph& graph, const std::vector<ActivationLayer>& layers,
                                                  const StaticThresholds& thresholds = {});

} // namespace deadzone
