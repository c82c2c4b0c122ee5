#include "ttfnet/model/layers.h"

#include "ttfnet/distributed.h"

#include <algorithm>

namespace ttfnet {

torch::Tensor apply_act(Act act, const torch::Tensor& x) {
    switch (act) {
    case Act::ReLU: return torch::relu(x);
    case Act::HSwish: return torch::hardswish(x); // torch::nn::functional::hardswish is ambiguous in 1.13
    case Act::None: break;
    }
    return x;
}

ConvBnActImpl::ConvBnActImpl(std::string name_, int in, int out, int kernel, int stride, int groups, Act act_)
    : name(std::move(name_)), act(act_) {
    conv = register_module(
        "conv", torch::nn::Conv2d(
                    torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false)));
    // torchvision's MobileNetV3 uses eps 0.001, momentum 0.01.
    bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNormOptions(out).eps(1e-3).momentum(0.01)));
}

torch::Tensor ConvBnActImpl::forward(const torch::Tensor& x, ActivationTap* tap) {
    const torch::Tensor z = conv->forward(x);
    torch::Tensor y =
        apply_act(act, sync_group != nullptr && is_training() ? sync_batch_norm(z, *bn, *sync_group) : bn->forward(z));
    if (tap != nullptr && act != Act::None) tap->record(name, y);
    return y;
}

void use_sync_batch_norm(torch::nn::Module& model, ProcessGroup* group) {
    for (const auto& m : model.modules(/*include_self=*/true))
        if (auto* unit = m->as<ConvBnActImpl>()) unit->sync_group = group;
}

int make_divisible(double v, int divisor) {
    int new_v = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
    if (new_v < 0.9 * v) new_v += divisor;
    return new_v;
}

} // namespace ttfnet
