#include "ttfnet/model/ttfnet.h"

#include <cmath>
#include <sstream>

namespace ttfnet {

const char* wh_act_name(WhAct act) {
    switch (act) {
    case WhAct::ReLU: return "relu";
    case WhAct::Leaky: return "leaky";
    case WhAct::Softplus: return "softplus";
    }
    return "?";
}

bool parse_wh_act(const std::string& text, WhAct* out) {
    if (text == "relu") *out = WhAct::ReLU;
    else if (text == "leaky") *out = WhAct::Leaky;
    else if (text == "softplus") *out = WhAct::Softplus;
    else return false;
    return true;
}

bool head_variant_preset(const std::string& name, HeadVariant* out) {
    HeadVariant v;
    v.name = name;
    if (name == "broken") {
        // TTFNet as published: ReLU, bias 0, std 0.001.
    } else if (name == "leaky") {
        v.act = WhAct::Leaky;
    } else if (name == "bias-init") {
        v.bias_init = 0.1;
    } else if (name == "softplus") {
        v.act = WhAct::Softplus;
    } else if (name == "leaky-bias") {
        v.act = WhAct::Leaky;
        v.bias_init = 0.1;
    } else {
        return false;
    }
    *out = v;
    return true;
}

std::string head_variant_preset_names() { return "broken, leaky, bias-init, softplus, leaky-bias"; }

std::string ModelConfig::architecture_fingerprint() const {
    std::ostringstream s;
    s << "ttfnet-mbv3s classes=" << num_classes << " neck=" << neck_planes[0] << "," << neck_planes[1] << "," << neck_planes[2]
      << " hm=" << hm_head_convs << "x" << hm_head_channels << " wh=" << wh_head_convs << "x" << wh_head_channels;
    return s.str();
}

namespace {

torch::nn::Sequential make_shortcut(int in, int out, int convs) {
    torch::nn::Sequential seq;
    for (int i = 0; i < convs; ++i) {
        seq->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(i == 0 ? in : out, out, 3).padding(1)));
        if (i + 1 < convs) seq->push_back(torch::nn::ReLU());
    }
    return seq;
}

void init_normal(torch::nn::Conv2d& conv, double std, double bias) {
    torch::NoGradGuard no_grad;
    torch::nn::init::normal_(conv->weight, 0.0, std);
    torch::nn::init::constant_(conv->bias, bias);
}

} // namespace

TtfNetImpl::TtfNetImpl(const ModelConfig& config_) : config(config_) {
    backbone = register_module("backbone", std::make_shared<MobileNetV3SmallImpl>());
    const auto& fc = MobileNetV3SmallImpl::kFeatureChannels;
    // Shortcut inputs from stride 16, 8, 4 with 3, 2, 1 stacked convs.
    const std::array<int, 3> shortcut_in{fc[2], fc[1], fc[0]};
    const std::array<int, 3> shortcut_convs{3, 2, 1};
    int in = fc[3];
    for (int i = 0; i < 3; ++i) {
        const int out = config.neck_planes[static_cast<std::size_t>(i)];
        up_convs.push_back(
            register_module("up" + std::to_string(i),
                            std::make_shared<ConvBnActImpl>("neck.up" + std::to_string(i), in, out, 3, 1, 1, Act::ReLU)));
        shortcuts.push_back(
            register_module("shortcut" + std::to_string(i), make_shortcut(shortcut_in[static_cast<std::size_t>(i)], out,
                                                                          shortcut_convs[static_cast<std::size_t>(i)])));
        in = out;
    }
    // Neck init as in TTFNet: Kaiming for the upsampling convs (done by default init + BN 1/0),
    // shortcut convs Kaiming uniform with zero bias.
    for (auto& sc : shortcuts) {
        for (auto& m : sc->modules(false)) {
            if (auto* conv = m->as<torch::nn::Conv2d>()) {
                torch::nn::init::kaiming_uniform_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
                torch::nn::init::zeros_(conv->bias);
            }
        }
    }
    for (auto& up : up_convs) {
        torch::nn::init::kaiming_normal_(up->conv->weight, 0.0, torch::kFanOut);
    }

    int ch = in;
    for (int i = 0; i < config.hm_head_convs; ++i) {
        hm_convs.push_back(
            register_module("hm_conv" + std::to_string(i),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, config.hm_head_channels, 3).padding(1))));
        init_normal(hm_convs.back(), 0.01, 0.0);
        ch = config.hm_head_channels;
    }
    hm_out = register_module("hm_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, config.num_classes, 1)));
    // Prior probability 0.01 for every class: bias = -log((1 - 0.01) / 0.01).
    init_normal(hm_out, 0.01, -std::log((1.0 - 0.01) / 0.01));

    ch = in;
    for (int i = 0; i < config.wh_head_convs; ++i) {
        wh_convs.push_back(
            register_module("wh_conv" + std::to_string(i),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, config.wh_head_channels, 3).padding(1))));
        // TTFNet initialises every wh conv with normal(std 0.001): the init behind the dead channel.
        init_normal(wh_convs.back(), config.variant.init_std, 0.0);
        ch = config.wh_head_channels;
    }
    wh_out = register_module("wh_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, 4, 1)));
    init_normal(wh_out, config.variant.init_std, config.variant.bias_init);
}

TtfOutput TtfNetImpl::forward(const torch::Tensor& images, ActivationTap* tap) {
    // The network runs channels-last (NHWC strides): LibTorch's oneDNN convolutions then skip their
    // conversions to and from oneDNN's blocked layout, and batch norm uses its channels-last kernel;
    // the bare training step took 10-20% less time (native_trainer/README.md, Measured speed). Every
    // layer follows its input's layout (tests/trainer/model_test.cpp checks the neck and heads), so
    // converting the input is enough; the outputs are handed back in the default contiguous NCHW
    // layout that TtfOutput documents.
    const BackboneFeatures f = backbone->forward(images.contiguous(torch::MemoryFormat::ChannelsLast), tap);
    const std::array<torch::Tensor, 3> skips{f.c4, f.c3, f.c2};
    torch::Tensor x = f.c5;
    for (std::size_t i = 0; i < 3; ++i) {
        x = up_convs[i]->forward(x, tap);
        x = torch::upsample_bilinear2d(x, {x.size(2) * 2, x.size(3) * 2}, /*align_corners=*/false);
        x = x + shortcuts[i]->forward(skips[i]);
    }

    torch::Tensor h = x;
    for (std::size_t i = 0; i < hm_convs.size(); ++i) {
        h = torch::relu(hm_convs[i]->forward(h));
        if (tap != nullptr) tap->record("hm_head.relu" + std::to_string(i), h);
    }
    TtfOutput out;
    out.heatmap = hm_out->forward(h).contiguous();

    torch::Tensor w = x;
    for (std::size_t i = 0; i < wh_convs.size(); ++i) {
        w = torch::relu(wh_convs[i]->forward(w));
        if (tap != nullptr) tap->record("wh_head.relu" + std::to_string(i), w);
    }
    out.wh_pre = wh_out->forward(w).contiguous();
    torch::Tensor act;
    switch (config.variant.act) {
    case WhAct::ReLU: act = torch::relu(out.wh_pre); break;
    case WhAct::Leaky: act = torch::leaky_relu(out.wh_pre, config.variant.leaky_slope); break;
    case WhAct::Softplus: act = torch::softplus(out.wh_pre); break;
    }
    if (tap != nullptr) tap->record("wh_head.act", act);
    out.wh = act * config.wh_offset_base;
    return out;
}

} // namespace ttfnet
