#include "deadzone/static_dead_zones.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

namespace {

struct RuleName {
    StaticRule rule;
    const char* name;
    const char* explanation;
};

constexpr RuleName kRules[] = {
    {StaticRule::BnGammaZero, "bn_gamma_zero",
     "BN gamma ~ 0: the BN output is beta for every input, and the activation clips beta"},
    {StaticRule::BnRunningStatsZero, "bn_running_stats_zero",
     "BN running mean and var ~ 0: the channel's input was ~0 all through training, so the output is beta, "
     "which the activation clips"},
    {StaticRule::ConvZeroWeights, "conv_zero_weights",
     "conv weights ~ 0 (a folded BN keeps a dead channel this way): the pre-activation is the constant bias, "
     "which the activation clips"},
};

const RuleName& entry(StaticRule rule) {
    for (const RuleName& r : kRules)
        if (r.rule == rule) return r;
    return kRules[0];
}

// The float weights of `node`'s input `index` when they have `count` values; null otherwise.
const std::vector<float>* weights_of(const OnnxGraph& graph, const OnnxNode& node, std::size_t index, std::size_t count) {
    if (index >= node.inputs.size() || node.inputs[index].empty()) return nullptr;
    const OnnxWeights* w = graph.find_weights(node.inputs[index]);
    return w != nullptr && w->values.size() == count && count > 0 ? &w->values : nullptr;
}

// A BatchNormalization's per-channel parameters (inputs X, scale, B, input_mean, input_var).
struct BnParams {
    const std::vector<float>* gamma = nullptr;
    const std::vector<float>* beta = nullptr;
    const std::vector<float>* mean = nullptr;
    const std::vector<float>* var = nullptr;
    float epsilon = 1e-5f;
    std::size_t channels() const { return gamma ? gamma->size() : 0; }
};

bool read_bn(const OnnxGraph& graph, const OnnxNode& bn, BnParams& p) {
    const OnnxWeights* g = bn.inputs.size() > 1 ? graph.find_weights(bn.inputs[1]) : nullptr;
    if (g == nullptr || g->values.empty()) return false;
    const std::size_t c = g->values.size();
    p.gamma = &g->values;
    p.beta = weights_of(graph, bn, 2, c);
    p.mean = weights_of(graph, bn, 3, c);
    p.var = weights_of(graph, bn, 4, c);
    p.epsilon = bn.float_attribute("epsilon", 1e-5f);
    return p.beta && p.mean && p.var;
}

// Conv channels with all-zero weights: appends a finding for each whose constant pre-activation
// (the bias, through `bn` when there is one) the activation clips.
void conv_findings(const OnnxGraph& graph, const OnnxNode& conv, const BnParams* bn, const ActivationLayer& layer,
                   const StaticThresholds& t, std::vector<bool>& reported, std::vector<StaticFinding>& out) {
    if (conv.inputs.size() < 2) return;
    const OnnxWeights* w = graph.find_weights(conv.inputs[1]);
    if (w == nullptr || w->dims.empty() || w->values.empty()) return;
    const std::int64_t m = w->dims[0];
    if (m <= 0 || w->values.size() % static_cast<std::size_t>(m) != 0) return;
    const std::size_t per_channel = w->values.size() / static_cast<std::size_t>(m);
    const std::vector<float>* bias = weights_of(graph, conv, 2, static_cast<std::size_t>(m));
    // A bias the graph computes (or keeps in external data, or in a type not read) is unknown: the
    // constant pre-activation cannot be known either.
    if (conv.inputs.size() > 2 && !conv.inputs[2].empty() && bias == nullptr) return;
    if (bn != nullptr && bn->channels() != static_cast<std::size_t>(m)) return;
    for (std::int64_t c = 0; c < m; ++c) {
        if (static_cast<std::size_t>(c) < reported.size() && reported[static_cast<std::size_t>(c)]) continue;
        // The sum of |w| bounds how far the output can move per unit of input, whatever the fan-in.
        float max_abs = 0.0f;
        double l1 = 0.0;
        for (std::size_t i = 0; i < per_channel; ++i) {
            const float a = std::abs(w->values[c * per_channel + i]);
            max_abs = std::max(max_abs, a);
            l1 += a;
        }
        if (!(l1 < t.weight_eps)) continue;
        StaticFinding f;
        f.rule = StaticRule::ConvZeroWeights;
        f.node = conv.display_name();
        f.activation = layer.tensor;
        f.channel = static_cast<int>(c);
        f.max_abs_weight = max_abs;
        f.bias = bias ? (*bias)[c] : 0.0f;
        f.pre_activation = f.bias;
        if (bn != nullptr) {
            f.gamma = (*bn->gamma)[c];
            f.beta = (*bn->beta)[c];
            f.running_mean = (*bn->mean)[c];
            f.running_var = (*bn->var)[c];
            f.pre_activation = f.gamma * (f.bias - f.running_mean) / std::sqrt(f.running_var + bn->epsilon) + f.beta;
        }
        if (layer.inactive_pre_activation(f.pre_activation)) out.push_back(f);
    }
}

// Appends the findings for the channels feeding `layer` (unsorted).
void add_layer_findings(const OnnxGraph& graph, const ActivationLayer& layer, const StaticThresholds& t,
                        std::vector<StaticFinding>& out) {
    if (!activation_can_die(layer.op)) return;
    const std::ptrdiff_t p = graph.producer(layer.input);
    if (p < 0) return;
    const OnnxNode& node = graph.nodes[static_cast<std::size_t>(p)];
    if (node.op_type == "Conv") {
        std::vector<bool> none;
        conv_findings(graph, node, nullptr, layer, t, none, out);
        return;
    }
    BnParams bn;
    if (node.op_type != "BatchNormalization" || !read_bn(graph, node, bn)) return;
    std::vector<bool> reported(bn.channels(), false);
    for (std::size_t c = 0; c < bn.channels(); ++c) {
        StaticFinding f;
        f.node = node.display_name();
        f.activation = layer.tensor;
        f.channel = static_cast<int>(c);
        f.gamma = (*bn.gamma)[c];
        f.beta = (*bn.beta)[c];
        f.running_mean = (*bn.mean)[c];
        f.running_var = (*bn.var)[c];
        f.pre_activation = f.beta;
        // diagnostics.h's rules, with "beta < 0" read as "beta where this activation clips".
        if (std::abs(f.gamma) < t.bn.gamma_eps && layer.inactive_pre_activation(f.beta)) {
            f.rule = StaticRule::BnGammaZero;
        } else if (std::abs(f.running_mean) < t.bn.running_eps && std::abs(f.running_var) < t.bn.running_eps &&
                   layer.inactive_pre_activation(f.beta)) {
            f.rule = StaticRule::BnRunningStatsZero;
        } else {
            continue;
        }
        reported[c] = true;
        out.push_back(f);
    }
    const std::ptrdiff_t conv = graph.producer(node.inputs[0]);
    if (conv >= 0 && graph.nodes[static_cast<std::size_t>(conv)].op_type == "Conv")
        conv_findings(graph, graph.nodes[static_cast<std::size_t>(conv)], &bn, layer, t, reported, out);
}

} // namespace

const char* static_rule_name(StaticRule rule) { return entry(rule).name; }
const char* static_rule_explanation(StaticRule rule) { return entry(rule).explanation; }

std::vector<StaticFinding> find_static_dead_zones(const OnnxGraph& graph, const std::vector<ActivationLayer>& layers,
                                                  const StaticThresholds& t) {
    std::vector<StaticFinding> out;
    for (const ActivationLayer& layer : layers) {
        const std::size_t first = out.size();
        add_layer_findings(graph, layer, t, out);
        std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                         [](const StaticFinding& a, const StaticFinding& b) { return a.channel < b.channel; });
    }
    return out;
}

} // namespace deadzone
