// The activation functions a detector head can put after its last conv, with their derivatives:
// ReLU and the variants that avoid its dead zone. One table (kActivations) names them for the UI,
// the telemetry's "wh_act" and the what-if simulation.
//
// Values follow LibTorch's definitions, including the derivative at exactly 0, where LibTorch's
// backward kernels pick one side (tests/trainer/activation_autograd_test.cpp checks every entry
// against torch autograd on a dense grid):
//   ReLU        max(0, x)                                  f'(0) = 0   (threshold_backward: x > 0)
//   LeakyReLU   x > 0 ? x : a·x            a = slope       f'(0) = a   (leaky_relu_backward: x > 0)
//   PReLU       same as LeakyReLU, a learned per channel   f'(0) = a   (prelu backward: x > 0)
//   ELU         x > 0 ? x : a·(e^x − 1)    a = alpha       f'(0) = a   (elu_backward: x <= 0 side)
//   GELU        x·Φ(x), exact (erf) form                   f'(0) = 0.5
//   SiLU        x·σ(x)  (a.k.a. swish)                     f'(0) = 0.5
//   Softplus    log(1 + e^(b·x)) / b, b = beta; x where b·x > 20 (LibTorch's threshold), f'(0) = 0.5
// Sources: Nair & Hinton 2010 (ReLU), Maas et al. 2013 (LeakyReLU), He et al. 2015 (PReLU),
// Clevert et al. 2016 (ELU), Hendrycks & Gimpel 2016 (GELU), Elfwing et al. 2018 (SiLU), Dugas et
// al. 2001 (Softplus); the PyTorch documentation of torch.nn for the parameter defaults.
#pragma once

#include <optional>
#include <string_view>

namespace deadzone {

enum class ActivationKind { ReLU, LeakyReLU, PReLU, ELU, GELU, SiLU, Softplus };
constexpr int kActivationCount = 7;

struct ActivationInfo {
    ActivationKind kind;
    const char* name;            // display name: "ReLU", "LeakyReLU", ...
    const char* id;              // lower-case id, as the trainer's --wh-act spells it where it has one
    const char* param_name;      // "slope", "alpha", "beta", or nullptr when there is no parameter
    double param_default;        // PyTorch's default (LeakyReLU 0.01, PReLU 0.25, ELU 1, Softplus 1)
    double param_min, param_max; // the range the UI's slider offers
    const char* formula;         // one line for tooltips
};

// One row per ActivationKind, in enum order.
extern const ActivationInfo kActivations[kActivationCount];

const ActivationInfo& activation_info(ActivationKind kind);
// By display name or id, case-insensitive ("leaky", "leakyrelu" and "leaky_relu" name LeakyReLU,
// "swish" names SiLU); nullopt for anything else.
std::optional<ActivationKind> activation_from_name(std::string_view name);

// An activation with its parameter (ignored by ReLU, GELU and SiLU).
struct Activation {
    ActivationKind kind = ActivationKind::ReLU;
    double param = 0;

    // The kind with PyTorch's default parameter.
    static Activation with_default(ActivationKind kind);
};

// f(x). NaN in gives NaN out; ±Inf give the function's limits (NaN for -Inf through a slope of 0).
double activate(const Activation& act, double x);
// f'(x), with LibTorch's convention at the kinks (see the table above).
double activation_derivative(const Activation& act, double x);
// Whether f'(x) is exactly 0: a sample at x passes no gradient back (ReLU for x <= 0, and every
// function whose derivative underflows, e.g. Softplus far below 0 in double precision).
inline bool blocks_gradient(const Activation& act, double x) { return activation_derivative(act, x) == 0.0; }

} // namespace deadzone
