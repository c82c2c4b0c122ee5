// Model shapes, variants and the TTFNet initialisation the dead-channel study depends on.
#include "ttfnet/model/ttfnet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace ttfnet {
namespace {

TEST(MobileNetV3Small, FeatureShapesAndParameterCount) {
    torch::manual_seed(0);
    MobileNetV3SmallImpl net;
    net.eval();
    torch::NoGradGuard ng;
    const BackboneFeatures f = net.forward(torch::randn({2, 3, 128, 96}));
    EXPECT_EQ(f.c2.sizes(), (std::vector<int64_t>{2, 16, 32, 24}));
    EXPECT_EQ(f.c3.sizes(), (std::vector<int64_t>{2, 24, 16, 12}));
    EXPECT_EQ(f.c4.sizes(), (std::vector<int64_t>{2, 48, 8, 6}));
    EXPECT_EQ(f.c5.sizes(), (std::vector<int64_t>{2, 576, 4, 3}));
    // torchvision's mobilenet_v3_small has 2,542,856 parameters, of which the classifier holds
    // 576*1024+1024 + 1024*1000+1000 = 1,615,848: the feature extractor has 927,008.
    int64_t n = 0;
    for (const auto& p : net.parameters()) n += p.numel();
    EXPECT_EQ(n, 927008);
}

TEST(MobileNetV3Small, ActivationTapSeesEveryActivation) {
    MobileNetV3SmallImpl net;
    ActivationTap tap;
    torch::NoGradGuard ng;
    net.forward(torch::randn({1, 3, 64, 64}), &tap);
    // stem + (block0: dw) + (blocks1..10: expand+dw) + last_conv = 1 + 1 + 20 + 1
    EXPECT_EQ(tap.outputs.size(), 23u);
    EXPECT_EQ(tap.outputs.front().first, "backbone.stem");
}

TEST(TtfNet, OutputShapesAtStride4) {
    ModelConfig cfg;
    cfg.num_classes = 3;
    auto model = make_ttfnet(cfg);
    const TtfOutput out = model->forward(torch::randn({2, 3, 64, 128}));
    EXPECT_EQ(out.heatmap.sizes(), (std::vector<int64_t>{2, 3, 16, 32}));
    EXPECT_EQ(out.wh_pre.sizes(), (std::vector<int64_t>{2, 4, 16, 32}));
    EXPECT_EQ(out.wh.sizes(), (std::vector<int64_t>{2, 4, 16, 32}));
    EXPECT_TRUE(out.wh.requires_grad());
}

// The network runs channels-last for speed; consumers read raw NCHW pointers from its outputs, the
// ONNX exporter and checkpoints read its parameters: all of those must keep the default layout, and
// the layout must not change the numbers beyond float rounding.
TEST(TtfNet, ChannelsLastInsideContiguousOutside) {
    torch::manual_seed(3);
    ModelConfig cfg;
    cfg.variant.init_std = 0.05; // non-trivial wh outputs
    auto model = make_ttfnet(cfg);
    const torch::Tensor images = torch::randn({2, 3, 64, 64});
    const TtfOutput out = model->forward(images);
    for (const torch::Tensor* t : {&out.heatmap, &out.wh_pre, &out.wh}) EXPECT_TRUE(t->is_contiguous());
    // Every layer runs channels-last, the neck (after its upsampling and shortcuts) and the heads too;
    // only the wh activation follows the NCHW wh_pre it is computed from.
    ActivationTap tap;
    model->forward(images, &tap);
    ASSERT_EQ(tap.outputs.back().first, "wh_head.act");
    EXPECT_TRUE(tap.outputs.back().second.is_contiguous());
    for (std::size_t i = 0; i + 1 < tap.outputs.size(); ++i)
        EXPECT_TRUE(tap.outputs[i].second.is_contiguous(torch::MemoryFormat::ChannelsLast)) << tap.outputs[i].first;

    model->eval();
    torch::NoGradGuard ng;
    const torch::Tensor nchw = model->backbone->forward(images).c5;
    const torch::Tensor nhwc = model->backbone->forward(images.contiguous(torch::MemoryFormat::ChannelsLast)).c5;
    EXPECT_FALSE(nchw.is_contiguous(torch::MemoryFormat::ChannelsLast));
    EXPECT_TRUE(nhwc.is_contiguous(torch::MemoryFormat::ChannelsLast));
    EXPECT_LT((nchw - nhwc).abs().max().item<float>(), 1e-4f * std::max(1.0f, nchw.abs().max().item<float>()));
}

TEST(TtfNet, ParametersKeepTheDefaultLayoutThroughTraining) {
    torch::manual_seed(4);
    auto model = make_ttfnet(ModelConfig{});
    torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    for (int step = 0; step < 2; ++step) {
        sgd.zero_grad();
        const TtfOutput out = model->forward(torch::randn({2, 3, 64, 64}));
        (out.heatmap.sigmoid().mean() + out.wh.mean()).backward();
        sgd.step();
    }
    for (const auto& p : model->named_parameters()) EXPECT_TRUE(p.value().is_contiguous()) << p.key();
}

TEST(TtfNet, InitMatchesTtfnetReference) {
    torch::manual_seed(1);
    ModelConfig cfg;
    auto model = make_ttfnet(cfg);
    EXPECT_NEAR(model->hm_out->bias[0].item<float>(), -4.59512, 1e-4);
    EXPECT_EQ(model->wh_out->bias.abs().max().item<float>(), 0.0f);
    EXPECT_NEAR(model->wh_out->weight.std().item<float>(), 0.001, 0.0003);
    EXPECT_NEAR(model->wh_convs[0]->weight.std().item<float>(), 0.001, 0.0002);
}

TEST(TtfNet, VariantsChangeActivationAndBias) {
    for (const std::string name : {"broken", "leaky", "bias-init", "softplus", "leaky-bias"}) {
        HeadVariant v;
        ASSERT_TRUE(head_variant_preset(name, &v)) << name;
        ModelConfig cfg;
        cfg.variant = v;
        auto model = make_ttfnet(cfg);
        torch::NoGradGuard ng;
        const TtfOutput out = model->forward(torch::randn({1, 3, 64, 64}));
        const float b = model->wh_out->bias[0].item<float>();
        EXPECT_FLOAT_EQ(b, (name == "bias-init" || name == "leaky-bias") ? 0.1f : 0.0f) << name;
        // wh = act(wh_pre) * 16 for each variant.
        torch::Tensor expected;
        if (v.act == WhAct::ReLU) expected = torch::relu(out.wh_pre) * 16;
        if (v.act == WhAct::Leaky) expected = torch::leaky_relu(out.wh_pre, v.leaky_slope) * 16;
        if (v.act == WhAct::Softplus) expected = torch::softplus(out.wh_pre) * 16;
        EXPECT_TRUE(torch::allclose(out.wh, expected)) << name;
    }
    HeadVariant v;
    EXPECT_FALSE(head_variant_preset("nope", &v));
}

} // namespace
} // namespace ttfnet
