#include "deadzone/activation.h"

#include <cctype>
#include <cmath>
#include <string>

namespace deadzone {

const ActivationInfo kActivations[kActivationCount] = {
    {ActivationKind::ReLU, "ReLU", "relu", nullptr, 0, 0, 0, "max(0, x)"},
    {ActivationKind::LeakyReLU, "LeakyReLU", "leaky", "slope", 0.01, 0.0, 0.5, "x > 0 ? x : slope * x"},
    {ActivationKind::PReLU, "PReLU", "prelu", "slope", 0.25, 0.0, 0.5, "x > 0 ? x : a * x, a learned"},
    {ActivationKind::ELU, "ELU", "elu", "alpha", 1.0, 0.05, 2.0, "x > 0 ? x : alpha * (exp(x) - 1)"},
    {ActivationKind::GELU, "GELU", "gelu", nullptr, 0, 0, 0, "x * Phi(x)  (Phi: standard normal CDF)"},
    {ActivationKind::SiLU, "SiLU", "silu", nullptr, 0, 0, 0, "x * sigmoid(x)"},
    {ActivationKind::Softplus, "Softplus", "softplus", "beta", 1.0, 0.25, 8.0, "log(1 + exp(beta * x)) / beta"},
};

const ActivationInfo& activation_info(ActivationKind kind) { return kActivations[static_cast<int>(kind)]; }

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

// LibTorch's Softplus returns x itself above this (beta * x > threshold), default 20.
constexpr double kSoftplusThreshold = 20.0;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

} // namespace

std::optional<ActivationKind> activation_from_name(std::string_view name) {
    const std::string n = lower(name);
    for (const ActivationInfo& a : kActivations)
        if (n == a.id || n == lower(a.name)) return a.kind;
    if (n == "leaky_relu" || n == "swish") return n == "swish" ? ActivationKind::SiLU : ActivationKind::LeakyReLU;
    return std::nullopt;
}

Activation Activation::with_default(ActivationKind kind) { return {kind, activation_info(kind).param_default}; }

double activate(const Activation& act, double x) {
    switch (act.kind) {
    case ActivationKind::ReLU: return x > 0 ? x : (std::isnan(x) ? x : 0.0);
    case ActivationKind::LeakyReLU:
    case ActivationKind::PReLU: return x > 0 ? x : act.param * x;
    case ActivationKind::ELU: return x > 0 ? x : act.param * std::expm1(x);
    case ActivationKind::GELU: return std::isinf(x) ? (x > 0 ? x : 0.0) : 0.5 * x * std::erfc(-x * kInvSqrt2);
    case ActivationKind::SiLU: return std::isinf(x) ? (x > 0 ? x : 0.0) : x * sigmoid(x);
    case ActivationKind::Softplus: {
        const double bx = act.param * x;
        return bx > kSoftplusThreshold ? x : std::log1p(std::exp(bx)) / act.param;
    }
    }
    return x;
}

double activation_derivative(const Activation& act, double x) {
    if (std::isnan(x)) return x;
    switch (act.kind) {
    case ActivationKind::ReLU: return x > 0 ? 1.0 : 0.0;
    case ActivationKind::LeakyReLU:
    case ActivationKind::PReLU: return x > 0 ? 1.0 : act.param;
    case ActivationKind::ELU: return x > 0 ? 1.0 : act.param * std::exp(x);
    case ActivationKind::GELU: {
        if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
        const double cdf = 0.5 * std::erfc(-x * kInvSqrt2);
        return cdf + x * kInvSqrt2Pi * std::exp(-0.5 * x * x);
    }
    case ActivationKind::SiLU: {
        if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
        const double s = sigmoid(x);
        return s * (1.0 + x * (1.0 - s));
    }
    case ActivationKind::Softplus: {
        const double bx = act.param * x;
        return bx > kSoftplusThreshold ? 1.0 : sigmoid(bx);
    }
    }
    return 0.0;
}

} // namespace deadzone
