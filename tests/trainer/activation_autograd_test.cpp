// core/activation.h against LibTorch's autograd: every activation's value and derivative on a dense
// grid including 0, ±tiny and ±large, in double precision. At the kinks (0) core/ must give the
// derivative LibTorch's backward kernels give, which is the convention the trainer trains with.
#include "deadzone/activation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

using namespace deadzone;

namespace {

std::vector<double> dense_grid() {
    std::vector<double> g{0.0,  -0.0,   1e-300, -1e-300, 1e-12, -1e-12, 1e-6,   -1e-6, 19.999,
                          20.0, 20.001, -20.0,  50.0,    -50.0, 700.0,  -700.0, 1e4,   -1e4};
    for (int i = -800; i <= 800; ++i) g.push_back(i * 0.01); // -8 .. 8, step 0.01
    return g;
}

torch::Tensor torch_activation(const Activation& a, const torch::Tensor& x) {
    switch (a.kind) {
    case ActivationKind::ReLU: return torch::relu(x);
    case ActivationKind::LeakyReLU: return torch::leaky_relu(x, a.param);
    case ActivationKind::PReLU: return torch::prelu(x, torch::full({1}, a.param, x.options()));
    case ActivationKind::ELU: return torch::elu(x, a.param);
    case ActivationKind::GELU: return torch::gelu(x);
    case ActivationKind::SiLU: return torch::silu(x);
    case ActivationKind::Softplus: return torch::softplus(x, a.param);
    }
    return x;
}

} // namespace

TEST(ActivationAutograd, ValuesAndDerivativesMatchLibTorch) {
    const std::vector<double> grid = dense_grid();
    for (const ActivationInfo& info : kActivations) {
        std::vector<double> params{info.param_default};
        if (info.param_name != nullptr) params.push_back(info.param_max);
        for (double param : params) {
            const Activation act{info.kind, param};
            torch::Tensor x = torch::tensor(grid, torch::kFloat64).requires_grad_(true);
            torch::Tensor y = torch_activation(act, x);
            y.sum().backward();
            const torch::Tensor dy = x.grad();
            for (std::size_t i = 0; i < grid.size(); ++i) {
                const double t_value = y[static_cast<int64_t>(i)].item<double>();
                const double t_grad = dy[static_cast<int64_t>(i)].item<double>();
                const double value = activate(act, grid[i]), grad = activation_derivative(act, grid[i]);
                const double tol_v = 1e-12 + 1e-9 * std::fabs(t_value), tol_g = 1e-12 + 1e-9 * std::fabs(t_grad);
                EXPECT_NEAR(value, t_value, tol_v) << info.name << "(" << param << ") at x = " << grid[i];
                EXPECT_NEAR(grad, t_grad, tol_g) << info.name << "'(" << param << ") at x = " << grid[i];
                // Exactly 0 where LibTorch says exactly 0 (ReLU's dead side): no rounding may hide it.
                if (t_grad == 0.0) {
                    EXPECT_EQ(grad, 0.0) << info.name << " at x = " << grid[i];
                }
            }
        }
    }
}
