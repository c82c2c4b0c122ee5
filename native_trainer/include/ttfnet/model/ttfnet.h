// TTFNet (Liu et al., AAAI 2020) on a MobileNetV3-Small backbone.
//
//   backbone c5 (stride 32) -> [conv+BN+ReLU, bilinear x2, + shortcut(c4)]   stride 16
//                           -> [conv+BN+ReLU, bilinear x2, + shortcut(c3)]   stride 8
//                           -> [conv+BN+ReLU, bilinear x2, + shortcut(c2)]   stride 4
//   heatmap head: n x (3x3 conv + ReLU), 1x1 conv -> num_classes logits (bias = prior 0.01)
//   wh head:      n x (3x3 conv + ReLU), 1x1 conv -> 4 channels (left, top, right, bottom)
//   wh = act(wh_head(x)) * wh_offset_base
//
// The reference uses modulated deformable convs in the upsampling path; plain 3x3 convs are used
// here (LibTorch has no DCN). Shortcuts are 3, 2 and 1 stacked 3x3 convs (with ReLU between them)
// from the stride 16, 8 and 4 stages.
#pragma once

#include "ttfnet/model/mobilenetv3.h"

#include <string>

namespace ttfnet {

enum class WhAct { ReLU, Leaky, Softplus };

const char* wh_act_name(WhAct act);
bool parse_wh_act(const std::string& text, WhAct* out);

// The head variant: what the study is about. The named presets are the configurations compared
// in DeadZone's explorer.
struct HeadVariant {
    std::string name = "broken";
    WhAct act = WhAct::ReLU;
    double leaky_slope = 0.1;
    double bias_init = 0.0;  // final wh conv bias
    double init_std = 0.001; // normal(std) init of the wh convs (TTFNet: 0.001)
};

// "broken", "leaky", "bias-init", "softplus", "leaky-bias". Returns false for an unknown name.
bool head_variant_preset(const std::string& name, HeadVariant* out);
std::string head_variant_preset_names(); // for --help and error messages

struct ModelConfig {
    int num_classes = 3;
    std::array<int, 3> neck_planes{128, 64, 32}; // channels at stride 16, 8, 4
    int hm_head_channels = 64;
    int hm_head_convs = 2;
    int wh_head_channels = 32;
    int wh_head_convs = 2;
    double wh_offset_base = 16.0;
    HeadVariant variant;

    // Everything that changes parameter shapes, for checkpoint compatibility checks.
    std::string architecture_fingerprint() const;
};

struct TtfOutput {
    // Contiguous NCHW tensors (the network itself runs channels-last).
    torch::Tensor heatmap; // [N, num_classes, H/4, W/4] logits
    torch::Tensor wh_pre;  // [N, 4, H/4, W/4] final wh conv output, before the activation
    torch::Tensor wh;      // [N, 4, H/4, W/4] act(wh_pre) * wh_offset_base, input pixels
};

struct TtfNetImpl : torch::nn::Module {
    explicit TtfNetImpl(const ModelConfig& config);
    TtfOutput forward(const torch::Tensor& images, ActivationTap* tap = nullptr);

    // The final conv of the wh head (its weights and bias are reported per channel).
    torch::nn::Conv2d& wh_final() { return wh_out; }

    ModelConfig config;
    std::shared_ptr<MobileNetV3SmallImpl> backbone;
    std::vector<std::shared_ptr<ConvBnActImpl>> up_convs;
    std::vector<torch::nn::Sequential> shortcuts;
    std::vector<torch::nn::Conv2d> hm_convs;
    torch::nn::Conv2d hm_out{nullptr};
    std::vector<torch::nn::Conv2d> wh_convs;
    torch::nn::Conv2d wh_out{nullptr};
};

using TtfNet = std::shared_ptr<TtfNetImpl>;

inline TtfNet make_ttfnet(const ModelConfig& config) { return std::make_shared<TtfNetImpl>(config); }

} // namespace ttfnet
