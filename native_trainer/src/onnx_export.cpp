#include "ttfnet/onnx_export.h"

#include "ttfnet/onnx/graph_builder.h"

#include "deadzone/model_metadata.h"

#include <cstdio>
#include <fstream>

namespace ttfnet {

namespace {

using onnx_export::ConvParams;
using onnx_export::FloatTensor;
using onnx_export::GraphBuilder;

FloatTensor to_float_tensor(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    FloatTensor out;
    out.shape.assign(c.sizes().begin(), c.sizes().end());
    out.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return out;
}

ConvParams conv_params(const torch::nn::Conv2d& conv) {
    const auto& o = conv->options;
    ConvParams p;
    p.stride = static_cast<int>((*o.stride())[0]);
    p.padding = static_cast<int>((*c10::get<torch::ExpandingArray<2>>(o.padding()))[0]);
    p.groups = static_cast<int>(o.groups());
    return p;
}

std::string plain_conv(GraphBuilder& g, const torch::nn::Conv2d& conv, const std::string& x, const std::string& name,
                       const std::string& output = "") {
    const torch::Tensor bias = conv->bias.defined() ? conv->bias : torch::zeros({conv->weight.size(0)});
    return g.conv(x, to_float_tensor(conv->weight), to_float_tensor(bias), conv_params(conv), name, output);
}

// Conv + BatchNorm (running statistics) folded into one conv:
//   scale = gamma / sqrt(var + eps);  W' = W * scale;  b' = (b - mean) * scale + beta

std::string conv_bn_act(GraphBuilder& g, ConvBnActImpl& m, const std::string& x) {
    const auto& bn = m.bn;
    const torch::Tensor scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    const torch::Tensor weight = m.conv->weight * scale.view({-1, 1, 1, 1});
    const torch::Tensor conv_bias = m.conv->bias.defined() ? m.conv->bias : torch::zeros_like(bn->running_mean);
    const torch::Tensor bias = (conv_bias - bn->running_mean) * scale + bn->bias;
    const std::string y = g.conv(x, to_float_tensor(weight), to_float_tensor(bias), conv_params(m.conv), m.name);
    switch (m.act) {
    case Act::ReLU: return g.relu(y);
    case Act::HSwish: return g.hard_swish(y);
    case Act::None: break;
    }
    return y;
}

std::string squeeze_excite(GraphBuilder& g, SqueezeExciteImpl& se, const std::string& x, const std::string& name) {
    std::string s = g.global_average_pool(x);
    s = g.relu(plain_conv(g, se.fc1, s, name + ".fc1"));
    // torch::hardsigmoid(x) = relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)
    s = g.hard_sigmoid(plain_conv(g, se.fc2, s, name + ".fc2"), 1.0f / 6.0f, 0.5f);
    // Gate first, as torchvision's export writes it. OpenCV DNN (4.6) fuses Mul(x, HardSigmoid(y))
    // into HardSwish(y) without checking that x is y, which turns every squeeze-and-excitation block
    // into a 1x1 map and the heads' outputs into 8x8 instead of 32x32; Mul(HardSigmoid(y), x) does
    // not match that pattern. ONNX Runtime computes the same product either way.
    return g.mul(s, x);
}

std::string inverted_residual(GraphBuilder& g, InvertedResidualImpl& b, const std::string& x) {
    std::string y = b.expand ? conv_bn_act(g, *b.expand, x) : x;
    y = conv_bn_act(g, *b.depthwise, y);
    if (b.se) y = squeeze_excite(g, *b.se, y, b.depthwise->name + ".se");
    y = conv_bn_act(g, *b.project, y);
    return b.use_residual ? g.add(x, y) : y;
}

// Mirrors TtfNetImpl::forward layer for layer.
void build_graph(GraphBuilder& g, TtfNetImpl& model, int input_size) {
    const std::int64_t s = input_size, f = input_size / deadzone::kTrainerStride;
    g.add_input("image", {1, 3, s, s});

    MobileNetV3SmallImpl& bb = *model.backbone;
    std::string y = conv_bn_act(g, *bb.stem, "image");
    std::string c2, c3, c4;
    for (std::size_t i = 0; i < bb.blocks.size(); ++i) {
        y = inverted_residual(g, *bb.blocks[i], y);
        if (i == 0) c2 = y;
        if (i == 2) c3 = y;
        if (i == 7) c4 = y;
    }
    std::string x = conv_bn_act(g, *bb.last_conv, y);

    const std::array<std::string, 3> skips{c4, c3, c2};
    for (std::size_t i = 0; i < 3; ++i) {
        x = g.resize_bilinear(conv_bn_act(g, *model.up_convs[i], x), 2.0f);
        std::string sc = skips[i];
        const auto children = model.shortcuts[i]->children();
        for (std::size_t k = 0; k < children.size(); ++k) {
            if (auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(children[k]))
                sc = plain_conv(g, torch::nn::Conv2d(conv), sc, "neck.shortcut" + std::to_string(i) + "." + std::to_string(k));
            else sc = g.relu(sc);
        }
        x = g.add(x, sc);
    }

    std::string h = x;
    for (std::size_t i = 0; i < model.hm_convs.size(); ++i)
        h = g.relu(plain_conv(g, model.hm_convs[i], h, "hm_head.conv" + std::to_string(i)));
    plain_conv(g, model.hm_out, h, "hm_head.out", "heatmap");

    std::string w = x;
    for (std::size_t i = 0; i < model.wh_convs.size(); ++i)
        w = g.relu(plain_conv(g, model.wh_convs[i], w, "wh_head.conv" + std::to_string(i)));
    plain_conv(g, model.wh_out, w, "wh_head.out", "wh_pre");
    std::string act;
    const HeadVariant& v = model.config.variant;
    switch (v.act) {
    case WhAct::ReLU: act = g.relu("wh_pre"); break;
    case WhAct::Leaky: act = g.leaky_relu("wh_pre", static_cast<float>(v.leaky_slope)); break;
    case WhAct::Softplus: act = g.softplus("wh_pre"); break;
    }
    g.mul_scalar(act, static_cast<float>(model.config.wh_offset_base), "wh");

    const std::int64_t classes = model.config.num_classes;
    g.add_output("heatmap", {1, classes, f, f});
    g.add_output("wh", {1, 4, f, f});
    g.add_output("wh_pre", {1, 4, f, f});
}

} // namespace

deadzone::Result<OnnxExportSummary> export_onnx(TtfNetImpl& model, const OnnxExportOptions& options, const std::string& path) {
    if (!deadzone::is_trainer_input_size(options.input_size))
        return deadzone::Error{"ONNX export: input size must be " + deadzone::trainer_input_size_rule() + ", got " +
                               std::to_string(options.input_size)};
    torch::NoGradGuard no_grad;
    GraphBuilder g("ttfnet_" + model.config.variant.name);
    build_graph(g, model, options.input_size);

    deadzone::TrainerMetadata meta;
    meta.variant = model.config.variant.name;
    meta.activation = wh_act_name(model.config.variant.act);
    meta.leaky_slope = model.config.variant.leaky_slope;
    meta.wh_offset_base = model.config.wh_offset_base;
    meta.input_size = options.input_size;
    meta.normalization = options.normalization;
    meta.class_names = options.class_names;
    meta.training_steps = options.training_steps;
    for (const auto& [key, value] : deadzone::to_metadata_props(meta)) g.set_metadata(key, value);

    if (std::string problem = g.check(); !problem.empty())
        return deadzone::Error{"ONNX export produced an invalid model: " + problem};

    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out || !g.model().SerializeToOstream(&out)) return deadzone::Error{"cannot write '" + tmp + "'"};
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return deadzone::Error{"cannot move '" + tmp + "' to '" + path + "'"};
    }
    OnnxExportSummary summary;
    summary.path = path;
    summary.bytes = static_cast<std::int64_t>(g.model().ByteSizeLong());
    summary.nodes = g.model().graph().node_size();
    summary.initializers = g.model().graph().initializer_size();
    return summary;
}

} // namespace ttfnet
