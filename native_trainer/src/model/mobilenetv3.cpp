#include "ttfnet/model/mobilenetv3.h"

namespace ttfnet {

const std::array<BlockConfig, 11>& mobilenetv3_small_config() {
    // kernel, expanded, out, SE, hardswish, stride (Howard et al. 2019, Table 2)
    static const std::array<BlockConfig, 11> config{{
        {3, 16, 16, true, false, 2},  // stride 4   -> c2
        {3, 72, 24, false, false, 2}, // stride 8
        {3, 88, 24, false, false, 1}, //            -> c3
        {5, 96, 40, true, true, 2},   // stride 16
        {5, 240, 40, true, true, 1},
        {5, 240, 40, true, true, 1},
        {5, 120, 48, true, true, 1},
        {5, 144, 48, true, true, 1}, //            -> c4
        {5, 288, 96, true, true, 2}, // stride 32
        {5, 576, 96, true, true, 1},
        {5, 576, 96, true, true, 1}, // + 1x1 conv to 576 -> c5
    }};
    return config;
}

SqueezeExciteImpl::SqueezeExciteImpl(int channels, int squeeze) {
    fc1 = register_module("fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeeze, 1)));
    fc2 = register_module("fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeeze, channels, 1)));
}

torch::Tensor SqueezeExciteImpl::forward(const torch::Tensor& x) {
    torch::Tensor s = torch::adaptive_avg_pool2d(x, {1, 1});
    s = torch::relu(fc1->forward(s));
    s = torch::hardsigmoid(fc2->forward(s));
    return x * s;
}

InvertedResidualImpl::InvertedResidualImpl(const std::string& name, int in, const BlockConfig& cfg) {
    use_residual = cfg.stride == 1 && in == cfg.out;
    const Act act = cfg.hswish ? Act::HSwish : Act::ReLU;
    if (cfg.expanded != in) {
        expand = register_module("expand", std::make_shared<ConvBnActImpl>(name + ".expand", in, cfg.expanded, 1, 1, 1, act));
    }
    depthwise = register_module("depthwise", std::make_shared<ConvBnActImpl>(name + ".depthwise", cfg.expanded, cfg.expanded,
                                                                             cfg.kernel, cfg.stride, cfg.expanded, act));
    if (cfg.squeeze_excite) {
        se = register_module("se", std::make_shared<SqueezeExciteImpl>(cfg.expanded, make_divisible(cfg.expanded / 4.0)));
    }
    project =
        register_module("project", std::make_shared<ConvBnActImpl>(name + ".project", cfg.expanded, cfg.out, 1, 1, 1, Act::None));
}

torch::Tensor InvertedResidualImpl::forward(const torch::Tensor& x, ActivationTap* tap) {
    torch::Tensor y = expand ? expand->forward(x, tap) : x;
    y = depthwise->forward(y, tap);
    if (se) y = se->forward(y);
    y = project->forward(y, tap);
    return use_residual ? x + y : y;
}

MobileNetV3SmallImpl::MobileNetV3SmallImpl() {
    stem = register_module("stem", std::make_shared<ConvBnActImpl>("backbone.stem", 3, 16, 3, 2, 1, Act::HSwish));
    int in = 16;
    int i = 0;
    for (const BlockConfig& cfg : mobilenetv3_small_config()) {
        const std::string name = "block" + std::to_string(i++);
        blocks.push_back(register_module(name, std::make_shared<InvertedResidualImpl>("backbone." + name, in, cfg)));
        in = cfg.out;
    }
    last_conv =
        register_module("last_conv", std::make_shared<ConvBnActImpl>("backbone.last_conv", in, 576, 1, 1, 1, Act::HSwish));

    // torchvision's MobileNetV3 init: Kaiming normal (fan-out) convs, BN (1, 0), zero biases.
    for (auto& m : modules(/*include_self=*/false)) {
        if (auto* conv = m->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut);
            if (conv->bias.defined()) torch::nn::init::zeros_(conv->bias);
        } else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
            torch::nn::init::ones_(bn->weight);
            torch::nn::init::zeros_(bn->bias);
        }
    }
}

BackboneFeatures MobileNetV3SmallImpl::forward(const torch::Tensor& x, ActivationTap* tap) {
    BackboneFeatures f;
    torch::Tensor y = stem->forward(x, tap);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        y = blocks[i]->forward(y, tap);
        if (i == 0) f.c2 = y;
        if (i == 2) f.c3 = y;
        if (i == 7) f.c4 = y;
    }
    f.c5 = last_conv->forward(y, tap);
    return f;
}

} // namespace ttfnet
