// MobileNetV3-Small backbone (Howard et al. 2019, Table 2), layer for layer as in torchvision:
// a stride-2 3x3 stem (16 ch, hardswish), 11 inverted-residual blocks (ReLU in the first three,
// hardswish after), squeeze-excite with a hardsigmoid gate, BatchNorm everywhere, and the final
// 1x1 conv to 576 channels. The classifier is not built: TTFNet only needs the feature maps.
//
// Weights are initialised randomly (Kaiming normal, fan-out) because no pretrained weights can be
// downloaded here; that is part of why the wh channels die so easily in this project's runs.
#pragma once

#include "ttfnet/model/layers.h"

#include <array>
#include <memory>

namespace ttfnet {

struct BlockConfig {
    int kernel;
    int expanded;
    int out;
    bool squeeze_excite;
    bool hswish; // false: ReLU
    int stride;
};

// The standard MobileNetV3-Small configuration.
const std::array<BlockConfig, 11>& mobilenetv3_small_config();

struct SqueezeExciteImpl : torch::nn::Module {
    SqueezeExciteImpl(int channels, int squeeze);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d fc1{nullptr}, fc2{nullptr};
};

struct InvertedResidualImpl : torch::nn::Module {
    InvertedResidualImpl(const std::string& name, int in, const BlockConfig& cfg);
    torch::Tensor forward(const torch::Tensor& x, ActivationTap* tap);

    bool use_residual;
    std::shared_ptr<ConvBnActImpl> expand; // null when expanded == in (first block)
    std::shared_ptr<ConvBnActImpl> depthwise;
    std::shared_ptr<SqueezeExciteImpl> se; // may be null
    std::shared_ptr<ConvBnActImpl> project;
};

// Feature maps at strides 4, 8, 16 and 32.
struct BackboneFeatures {
    torch::Tensor c2, c3, c4, c5;
};

struct MobileNetV3SmallImpl : torch::nn::Module {
    MobileNetV3SmallImpl();
    BackboneFeatures forward(const torch::Tensor& x, ActivationTap* tap = nullptr);

    // Channels of c2..c5.
    static constexpr std::array<int, 4> kFeatureChannels{16, 24, 48, 576};

    std::shared_ptr<ConvBnActImpl> stem;
    std::vector<std::shared_ptr<InvertedResidualImpl>> blocks;
    std::shared_ptr<ConvBnActImpl> last_conv;
};

} // namespace ttfnet
