// The dead-zone scan's core: the ONNX graph reader, the graph rewrite that exposes activations, the
// static rules and the runtime counters, on the known-answer models of make_test_models
// (tests/data/models/scan-*.onnx, checked against the generator by the make_test_models ctest).
#include "deadzone/model_scan.h"
#include "deadzone/scan_compare.h"
#include "deadzone/scan_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>

namespace {

using namespace deadzone;

std::vector<std::uint8_t> model_bytes(const std::string& name) {
    std::ifstream in(std::string(DEADZONE_TEST_DATA_DIR) + "/models/" + name, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(bytes.empty()) << name;
    return bytes;
}

OnnxGraph graph_of(const std::vector<std::uint8_t>& bytes) {
    Result<OnnxGraph> g = read_onnx_graph(bytes.data(), bytes.size());
    EXPECT_TRUE(g.ok()) << g.error();
    return g.ok() ? g.value() : OnnxGraph{};
}

TEST(OnnxGraph, ReadsNodesAttributesAndWeights) {
    const OnnxGraph g = graph_of(model_bytes("scan-known.onnx"));
    ASSERT_EQ(g.nodes.size(), 7u);
    EXPECT_EQ(g.opset, 17);
    EXPECT_EQ(g.nodes[0].op_type, "Conv");
    EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"input", "w1_0", "b1_1"}));
    EXPECT_EQ(g.nodes[3].op_type, "BatchNormalization");
    EXPECT_FLOAT_EQ(g.nodes[3].float_attribute("epsilon", 0.0f), 1e-5f);
    EXPECT_FLOAT_EQ(g.nodes[6].float_attribute("alpha", 0.0f), 0.1f);
    const OnnxWeights* b1 = g.find_weights("b1_1");
    ASSERT_NE(b1, nullptr);
    EXPECT_EQ(b1->dims, (std::vector<std::int64_t>{6}));
    EXPECT_EQ(b1->values, (std::vector<float>{0, -0.5f, 0.3f, -2.5f, 0, -0.5f}));
    EXPECT_EQ(g.find_weights("conv1"), nullptr); // an activation, not a weight
    EXPECT_EQ(g.producer("relu1"), 1);
    EXPECT_EQ(g.consumers("conv1"), (std::vector<std::size_t>{1, 6}));
    EXPECT_EQ(g.producer("input"), -1);
}

TEST(OnnxGraph, RefusesTruncatedAndForeignBytes) {
    std::vector<std::uint8_t> bytes = model_bytes("scan-known.onnx");
    for (std::size_t cut : {bytes.size() / 3, bytes.size() - 7}) {
        Result<OnnxGraph> g = read_onnx_graph(bytes.data(), cut);
        EXPECT_FALSE(g.ok()) << "cut at " << cut;
    }
    const std::string png = "\x89PNG\r\n\x1a\n0000";
    EXPECT_FALSE(read_onnx_graph(reinterpret_cast<const std::uint8_t*>(png.data()), png.size()).ok());
    EXPECT_FALSE(ModelScan::open(bytes.data(), 0).ok());
}

// A model whose one float32 initializer `w` has `raw` bytes of raw_data, written byte by byte:
// ModelProto{ir_version 8, graph{initializer{data_type 1, name "w", raw_data}}}.
std::vector<std::uint8_t> model_with_raw_float(std::size_t raw) {
    std::vector<std::uint8_t> tensor = {0x10, 0x01, 0x42, 0x01, 'w', 0x4a, static_cast<std::uint8_t>(raw)};
    const std::uint8_t one[4] = {0x00, 0x00, 0x80, 0x3f}; // 1.0f, little-endian
    for (std::size_t i = 0; i < raw; ++i) tensor.push_back(one[i % 4]);
    std::vector<std::uint8_t> graph = {0x2a, static_cast<std::uint8_t>(tensor.size())};
    graph.insert(graph.end(), tensor.begin(), tensor.end());
    std::vector<std::uint8_t> model = {0x08, 0x08, 0x3a, static_cast<std::uint8_t>(graph.size())};
    model.insert(model.end(), graph.begin(), graph.end());
    return model;
}

TEST(OnnxGraph, RawDataOfPartElementsIsCorruptNotTruncated) {
    // Found by tests/fuzz (fuzz_onnx): 1-3 raw bytes of a float tensor reached memcpy as an empty copy
    // from a null vector; 5 bytes were read as one float and a silently dropped byte.
    std::vector<std::uint8_t> whole = model_with_raw_float(4);
    Result<OnnxGraph> g = read_onnx_graph(whole.data(), whole.size());
    ASSERT_TRUE(g.ok()) << g.error();
    ASSERT_NE(g.value().find_weights("w"), nullptr);
    EXPECT_EQ(g.value().find_weights("w")->values, std::vector<float>{1.0f});
    for (std::size_t raw : {1u, 3u, 5u}) {
        std::vector<std::uint8_t> part = model_with_raw_float(raw);
        Result<OnnxGraph> broken = read_onnx_graph(part.data(), part.size());
        ASSERT_FALSE(broken.ok()) << raw << " raw bytes";
        EXPECT_NE(broken.error().find("corrupt"), std::string::npos) << broken.error();
    }
}

TEST(ActivationLayers, FoundInGraphOrderWithClipBoundsFromInputs) {
    const std::vector<ActivationLayer> layers = find_activation_layers(graph_of(model_bytes("scan-known.onnx")));
    ASSERT_EQ(layers.size(), 4u);
    EXPECT_EQ(layers[0].tensor, "relu1");
    EXPECT_EQ(layers[0].input, "conv1");
    EXPECT_EQ(layers[1].tensor, "relu2");
    EXPECT_EQ(layers[2].op, ActivationOp::Clip);
    EXPECT_FLOAT_EQ(layers[2].lower, 0.0f);
    EXPECT_FLOAT_EQ(layers[2].upper, 6.0f);
    EXPECT_EQ(layers[3].op, ActivationOp::LeakyRelu);
    EXPECT_FALSE(activation_can_die(layers[3].op));
    EXPECT_EQ(layers[0].node, "Relu_relu1");
}

TEST(ActivationLayers, ZeroGradientRegions) {
    ActivationLayer relu;
    EXPECT_TRUE(relu.inactive(0.0f));
    EXPECT_TRUE(relu.inactive(-0.0f));
    EXPECT_FALSE(relu.inactive(1e-30f));
    EXPECT_TRUE(relu.inactive_pre_activation(-0.1f));
    ActivationLayer hswish{"y", "n", "x", ActivationOp::HardSwish};
    EXPECT_TRUE(hswish.inactive_pre_activation(-3.0f));
    EXPECT_FALSE(hswish.inactive_pre_activation(-2.9f)); // negative, but its gradient is not 0
    EXPECT_FALSE(hswish.inactive(-0.3f));
    ActivationLayer sigmoid{"y", "n", "x", ActivationOp::Sigmoid};
    EXPECT_TRUE(sigmoid.inactive(1.0f));
    EXPECT_TRUE(sigmoid.inactive_pre_activation(-20.0f));
    EXPECT_FALSE(sigmoid.inactive(0.5f));
    ActivationLayer clip{"y", "n", "x", ActivationOp::Clip, 0.0f, 6.0f};
    EXPECT_TRUE(clip.inactive(6.0f));
    EXPECT_FALSE(clip.inactive(5.9f));
    ActivationLayer leaky{"y", "n", "x", ActivationOp::LeakyRelu};
    EXPECT_FALSE(leaky.inactive(0.0f));
    EXPECT_FALSE(leaky.inactive(-1.0f));
}

TEST(StaticDeadZones, FindsExactlyTheKnownChannels) {
    const OnnxGraph g = graph_of(model_bytes("scan-known.onnx"));
    const std::vector<StaticFinding> f = find_static_dead_zones(g, find_activation_layers(g));
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[0].rule, StaticRule::ConvZeroWeights);
    EXPECT_EQ(f[0].activation, "relu1");
    EXPECT_EQ(f[0].channel, 1);
    EXPECT_FLOAT_EQ(f[0].pre_activation, -0.5f);
    EXPECT_EQ(f[1].rule, StaticRule::BnGammaZero);
    EXPECT_EQ(f[1].activation, "relu2");
    EXPECT_EQ(f[1].channel, 0);
    EXPECT_FLOAT_EQ(f[1].beta, -1.0f);
    EXPECT_EQ(f[2].rule, StaticRule::BnRunningStatsZero);
    EXPECT_EQ(f[2].channel, 1);
    EXPECT_EQ(f[3].rule, StaticRule::ConvZeroWeights); // through the BN: 1 * (1 - 0) / sqrt(1 + eps) - 3
    EXPECT_EQ(f[3].channel, 2);
    EXPECT_NEAR(f[3].pre_activation, -2.0f, 1e-5);
    EXPECT_EQ(f[3].node, "Conv_conv2");
}

TEST(StaticDeadZones, ThresholdsAreTheUsers) {
    const OnnxGraph g = graph_of(model_bytes("scan-known.onnx"));
    StaticThresholds strict;
    strict.bn.gamma_eps = 0.0; // |gamma| < 0 never holds
    strict.bn.running_eps = 0.0;
    strict.weight_eps = 0.0;
    EXPECT_TRUE(find_static_dead_zones(g, find_activation_layers(g), strict).empty());
}

TEST(AddGraphOutputs, ExposesActivationsAndKeepsTheModel) {
    const std::vector<std::uint8_t> bytes = model_bytes("scan-known.onnx");
    Result<std::vector<std::uint8_t>> exposed = add_graph_outputs(bytes.data(), bytes.size(), {"relu1", "relu2", "relu6"});
    ASSERT_TRUE(exposed.ok()) << exposed.error();
    const OnnxGraph before = graph_of(bytes), after = graph_of(exposed.value());
    ASSERT_EQ(after.info.outputs.size(), 4u); // relu6 already was one
    EXPECT_EQ(after.info.outputs[0].name, "relu6");
    EXPECT_EQ(after.info.outputs[1].name, "leaky");
    EXPECT_EQ(after.info.outputs[2].name, "relu1");
    EXPECT_EQ(after.info.outputs[3].name, "relu2");
    ASSERT_EQ(after.nodes.size(), before.nodes.size());
    for (std::size_t i = 0; i < before.nodes.size(); ++i) EXPECT_EQ(after.nodes[i].outputs, before.nodes[i].outputs);
    EXPECT_EQ(after.weights.size(), before.weights.size());
    EXPECT_EQ(after.opset, before.opset);

    Result<std::vector<std::uint8_t>> unknown = add_graph_outputs(bytes.data(), bytes.size(), {"w1_0"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().find("'w1_0'"), std::string::npos);
}

TEST(LayerAccumulator, DeadUnitsNeedEveryImageAndNanIsNotDead) {
    LayerAccumulator acc(ActivationLayer{"r", "relu", "x", ActivationOp::Relu});
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // [1, 3, 2]: c0 alive at p1 on image 1 only; c1 zero on both images; c2 has a NaN.
    const std::vector<float> image1 = {0, 2, 0, 0, 0, nan};
    const std::vector<float> image2 = {0, 0, 0, 0, 0, 0};
    ASSERT_TRUE(acc.add(image1.data(), {1, 3, 2}).ok());
    ASSERT_TRUE(acc.add(image2.data(), {1, 3, 2}).ok());
    const LayerScan s = acc.finish();
    EXPECT_EQ(s.images, 2);
    EXPECT_EQ(s.units, 6);
    EXPECT_EQ(s.dead_units, 4); // c0 p0, c1 p0 p1, c2 p0
    EXPECT_NEAR(s.dead_unit_fraction(), 4.0 / 6.0, 1e-12);
    EXPECT_EQ(s.level(), DeadLevel::Critical);
    EXPECT_FALSE(s.channels[0].dead());
    EXPECT_TRUE(s.channels[1].dead());
    EXPECT_FALSE(s.channels[2].dead());
    EXPECT_EQ(s.channels[2].nan, 1);
    EXPECT_EQ(s.nonfinite, 1);
    EXPECT_FLOAT_EQ(s.channels[0].max, 2.0f);
    EXPECT_EQ(s.dead_channels(), 1);

    const std::vector<float> other(8, 0.0f);
    Result<bool> changed = acc.add(other.data(), {1, 4, 2});
    ASSERT_FALSE(changed.ok());
    EXPECT_NE(changed.error().find("shape changed"), std::string::npos);
}

TEST(LayerAccumulator, TotalsGatheredElsewhereGiveTheSameScan) {
    // What the GPU hands back for the images above: the counts add() gathers, dead units included.
    LayerAccumulator direct(ActivationLayer{"r", "relu", "x", ActivationOp::Relu});
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> image1 = {0, 2, 0, 0, 0, nan}, image2 = {0, 0, 0, 0, 0, 0};
    ASSERT_TRUE(direct.add(image1.data(), {1, 3, 2}).ok());
    ASSERT_TRUE(direct.add(image2.data(), {1, 3, 2}).ok());
    const LayerScan expected = direct.finish();

    LayerAccumulator totals(ActivationLayer{"r", "relu", "x", ActivationOp::Relu});
    ASSERT_TRUE(totals.set_totals({1, 3, 2}, 2, expected.channels).ok());
    const LayerScan s = totals.finish();
    EXPECT_EQ(s.images, 2);
    EXPECT_EQ(s.units, expected.units);
    EXPECT_EQ(s.dead_units, 4);
    EXPECT_EQ(s.nonfinite, 1);
    EXPECT_EQ(s.dead_channels(), 1);
    EXPECT_EQ(s.shape, expected.shape);

    // A layer whose op cannot die has no dead units, whatever the totals say.
    LayerAccumulator leaky(ActivationLayer{"l", "leaky", "x", ActivationOp::LeakyRelu});
    ASSERT_TRUE(leaky.set_totals({1, 3, 2}, 2, expected.channels).ok());
    EXPECT_EQ(leaky.finish().dead_units, 0);

    Result<bool> wrong = totals.set_totals({1, 4, 2}, 2, expected.channels);
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().find("3 channel totals for an output of [1,4,2]"), std::string::npos) << wrong.error();
    EXPECT_FALSE(totals.set_totals({1, -3, 2}, 2, expected.channels).ok());
}

TEST(LayerAccumulator, LeakyLayersCountButNeverDie) {
    LayerAccumulator acc(ActivationLayer{"l", "leaky", "x", ActivationOp::LeakyRelu});
    const std::vector<float> v = {-0.1f, -0.2f};
    ASSERT_TRUE(acc.add(v.data(), {1, 1, 2}).ok());
    const LayerScan s = acc.finish();
    EXPECT_EQ(s.dead_units, 0);
    EXPECT_FALSE(s.channels[0].dead());
    EXPECT_FLOAT_EQ(s.channels[0].min, -0.2f);
}

TEST(ModelScan, FetchGroupsPackBySizeOnceKnown) {
    const std::vector<std::uint8_t> bytes = model_bytes("scan-known.onnx");
    Result<ModelScan> scan = ModelScan::open(bytes.data(), bytes.size());
    ASSERT_TRUE(scan.ok()) << scan.error();
    EXPECT_EQ(scan.value().fetch_groups(1 << 20).size(), 1u); // sizes unknown: eight layers a run
    EXPECT_EQ(scan.value().fetch_groups(1 << 20)[0].size(), 4u);
    const std::vector<float> six(6 * 64, 1.0f), four(4 * 64, 1.0f);
    ASSERT_TRUE(scan.value().add_output(0, six.data(), {1, 6, 8, 8}).ok());
    ASSERT_TRUE(scan.value().add_output(1, four.data(), {1, 4, 8, 8}).ok());
    ASSERT_TRUE(scan.value().add_output(2, four.data(), {1, 4, 8, 8}).ok());
    ASSERT_TRUE(scan.value().add_output(3, six.data(), {1, 6, 8, 8}).ok());
    EXPECT_FALSE(scan.value().add_output(4, six.data(), {1, 6, 8, 8}).ok());
    scan.value().end_image("ones");
    const auto one_group = scan.value().fetch_groups(1 << 20);
    ASSERT_EQ(one_group.size(), 1u);
    EXPECT_EQ(one_group[0], (std::vector<int>{0, 1, 2, 3}));
    // 6*64*4 = 1536 and 4*64*4 = 1024 bytes: a 2600-byte budget takes two layers at a time.
    const auto pairs = scan.value().fetch_groups(2600);
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(pairs[1], (std::vector<int>{2, 3}));
    EXPECT_EQ(scan.value().fetch_groups(1).size(), 4u); // each larger than the budget: alone
}

TEST(ModelScan, ReportSummaryJsonAndMarkdown) {
    const std::vector<std::uint8_t> bytes = model_bytes("scan-known.onnx");
    Result<ModelScan> scan = ModelScan::open(bytes.data(), bytes.size());
    ASSERT_TRUE(scan.ok());
    std::vector<float> relu1(6 * 64, 0.0f), relu2(4 * 64, 0.0f), leaky(6 * 64, -0.1f);
    relu1[0] = 1.0f;          // relu1 c0 alive at one position
    relu2[3 * 64 + 5] = 2.0f; // relu2 c3 alive
    std::vector<float> relu6 = relu2;
    relu6[3 * 64 + 6] = std::numeric_limits<float>::infinity();
    ASSERT_TRUE(scan.value().add_output(0, relu1.data(), {1, 6, 8, 8}).ok());
    ASSERT_TRUE(scan.value().add_output(1, relu2.data(), {1, 4, 8, 8}).ok());
    ASSERT_TRUE(scan.value().add_output(2, relu6.data(), {1, 4, 8, 8}).ok());
    ASSERT_TRUE(scan.value().add_output(3, leaky.data(), {1, 6, 8, 8}).ok());
    scan.value().end_image("dark.png");
    const ScanReport r = scan.value().report("scan-known.onnx", {1, 3, 8, 8});
    EXPECT_EQ(r.total_channels(), 20);
    EXPECT_EQ(r.dead_channels(), 5 + 3 + 3);
    EXPECT_EQ(r.layers_with_dead_channels(), 3);
    EXPECT_EQ(r.first_nonfinite_layer(), 2);
    EXPECT_EQ(scan_summary(r), "11 of 20 channels in 3 layers are dead for the one image; 3 layers are CRITICAL; "
                               "the static rules flag 4 channels from the weights alone; NaN/Inf first appears at Clip_relu6");

    const nlohmann::json j = nlohmann::json::parse(scan_report_json(r));
    EXPECT_EQ(j["format"], "deadzone-scan");
    EXPECT_EQ(j["totals"]["dead_channels"], 11);
    EXPECT_EQ(j["totals"]["first_nonfinite_layer"], "Clip_relu6");
    EXPECT_EQ(j["layers"][0]["dead_channels"], nlohmann::json({1, 2, 3, 4, 5}));
    EXPECT_EQ(j["layers"][3]["can_die"], false);
    EXPECT_EQ(j["layers"][2]["inf"], 1);
    EXPECT_EQ(j["static_findings"].size(), 4u);
    EXPECT_EQ(j["static_findings"][1]["rule"], "bn_gamma_zero");
    EXPECT_EQ(j["images"], nlohmann::json({"dark.png"}));

    const std::string md = scan_report_markdown(r);
    EXPECT_NE(md.find("# Dead-zone scan: scan-known.onnx"), std::string::npos);
    EXPECT_NE(md.find("| 0 | Relu_relu1 | Relu | [1,6,8,8] | 99.7% | CRITICAL | 1, 2, 3, 4, 5 | 0 |"), std::string::npos) << md;
    EXPECT_NE(md.find("n/a (cannot die)"), std::string::npos);
    EXPECT_EQ(j["skipped_images"], nlohmann::json::array());
    EXPECT_EQ(md.find("Skipped"), std::string::npos);

    // An image the caller could not decode is listed, with its reason, and the summary says so.
    scan.value().skip_image("IMG_0001.HEIC.jpg", "not a supported image");
    const ScanReport with_skip = scan.value().report("scan-known.onnx", {1, 3, 8, 8});
    EXPECT_EQ(with_skip.images.size(), 1u);
    const nlohmann::json k = nlohmann::json::parse(scan_report_json(with_skip));
    EXPECT_EQ(k["skipped_images"],
              nlohmann::json::parse(R"([{"name": "IMG_0001.HEIC.jpg", "reason": "not a supported image"}])"));
    EXPECT_NE(scan_summary(with_skip).find("(1 image skipped: could not be read)"), std::string::npos) << scan_summary(with_skip);
    EXPECT_NE(scan_report_markdown(with_skip).find("- IMG_0001.HEIC.jpg: not a supported image"), std::string::npos);
}

// A report of one layer [1,2,1,2] whose channel values are given, for the comparison tests.
ScanReport one_layer_report(const std::vector<float>& values) {
    LayerAccumulator acc(ActivationLayer{"r", "relu", "x", ActivationOp::Relu});
    EXPECT_TRUE(acc.add(values.data(), {1, 2, 1, 2}).ok());
    ScanReport r;
    r.images = {"a.png"};
    r.layers = {acc.finish(), acc.finish()};
    r.layers[1].layer.node = "second";
    return r;
}

TEST(ScanCompare, NamesTheFirstLayerAndChannelThatDisagree) {
    const ScanReport a = one_layer_report({0.0f, 1.0f, 2.0f, 3.0f});
    EXPECT_EQ(compare_scans(a, a).layer, -1);
    EXPECT_EQ(compare_scans(a, a).max_difference, 0.0);

    ScanReport close = one_layer_report({0.0f, 1.0004f, 2.0f, 3.0f});
    const ScanComparison fine = compare_scans(a, close);
    EXPECT_EQ(fine.layer, -1); // 4e-4 is within 1e-3
    EXPECT_NEAR(fine.max_difference, 4e-4, 1e-6);

    ScanReport off = one_layer_report({0.0f, 1.0f, 2.0f, 3.0f});
    off.layers[1] = one_layer_report({0.0f, 1.0f, 2.0f, 3.5f}).layers[1]; // only the second layer, channel 1's max
    const ScanComparison c = compare_scans(a, off);
    EXPECT_TRUE(c.comparable);
    EXPECT_EQ(c.layer, 1);
    EXPECT_EQ(c.channel, 1);
    EXPECT_EQ(c.quantity, "max");
    EXPECT_DOUBLE_EQ(c.a, 3.0);
    EXPECT_DOUBLE_EQ(c.b, 3.5);

    const float nan = std::numeric_limits<float>::quiet_NaN();
    const ScanComparison n = compare_scans(a, one_layer_report({0.0f, nan, 2.0f, 3.0f}));
    EXPECT_EQ(n.layer, 0);
    EXPECT_EQ(n.channel, 0);

    ScanReport other_images = a;
    other_images.images = {"b.png"};
    EXPECT_FALSE(compare_scans(a, other_images).comparable);
}

TEST(AddDefaultConvAttributes, ConvsGetTheSpecDefaultsAndNothingElseChanges) {
    // The shared case model's Convs carry no attributes (what ORT Web's WebGPU kernel refuses).
    const std::vector<std::uint8_t> bytes = model_bytes("c12_reference_ok.onnx");
    const OnnxGraph before = graph_of(bytes);
    std::vector<std::uint8_t> fixed = bytes;
    Result<bool> changed = add_default_conv_attributes(fixed);
    ASSERT_TRUE(changed.ok()) << changed.error();
    EXPECT_TRUE(changed.value());
    const OnnxGraph after = graph_of(fixed);
    ASSERT_EQ(after.nodes.size(), before.nodes.size());
    int convs = 0;
    for (std::size_t i = 0; i < after.nodes.size(); ++i) {
        const OnnxNode &a = after.nodes[i], &b = before.nodes[i];
        EXPECT_EQ(a.op_type, b.op_type);
        EXPECT_EQ(a.inputs, b.inputs);
        EXPECT_EQ(a.outputs, b.outputs);
        if (a.op_type != "Conv") {
            EXPECT_EQ(a.attributes.size(), b.attributes.size());
            continue;
        }
        ++convs;
        const OnnxWeights* w = after.find_weights(a.inputs[1]);
        ASSERT_NE(w, nullptr);
        ASSERT_NE(a.attribute("kernel_shape"), nullptr);
        EXPECT_EQ(a.attribute("kernel_shape")->ints, std::vector<std::int64_t>(w->dims.begin() + 2, w->dims.end()));
        EXPECT_EQ(a.attribute("dilations")->ints, (std::vector<std::int64_t>{1, 1}));
        EXPECT_EQ(a.attribute("strides")->ints, (std::vector<std::int64_t>{1, 1}));
        EXPECT_EQ(a.attribute("pads")->ints, (std::vector<std::int64_t>{0, 0, 0, 0}));
    }
    EXPECT_GT(convs, 0);
    EXPECT_EQ(after.weights.size(), before.weights.size());
    EXPECT_EQ(after.info.outputs.size(), before.info.outputs.size());

    // Once they are all there, nothing changes.
    std::vector<std::uint8_t> twice = fixed;
    Result<bool> again = add_default_conv_attributes(twice);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again.value());
    EXPECT_EQ(twice, fixed);
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
    EXPECT_FALSE(add_default_conv_attributes(cut).ok());
    EXPECT_EQ(cut.size(), bytes.size() / 2);
}

TEST(LayerAccumulator, PoolsABatchAndTakesRankTwoOutputs) {
    LayerAccumulator acc(ActivationLayer{"r", "relu", "x", ActivationOp::Relu});
    // [2, 3]: two samples of a fully connected layer; channel 1 fires only in the second sample.
    const std::vector<float> batch = {0, 0, 5, 0, 1, 5};
    ASSERT_TRUE(acc.add(batch.data(), {2, 3}).ok());
    LayerScan s = acc.finish();
    EXPECT_EQ(s.images, 2);
    EXPECT_EQ(s.units, 3);
    EXPECT_EQ(s.dead_units, 1);
    EXPECT_TRUE(s.channels[0].dead());
    EXPECT_FALSE(s.channels[1].dead());
    EXPECT_EQ(s.channels[1].values, 2);
    // The same dims after the batch are required; a swapped H and W is another shape.
    LayerAccumulator maps(ActivationLayer{"r", "relu", "x", ActivationOp::Relu});
    const std::vector<float> six(6, 1.0f);
    ASSERT_TRUE(maps.add(six.data(), {1, 1, 2, 3}).ok());
    EXPECT_FALSE(maps.add(six.data(), {1, 1, 3, 2}).ok());
    EXPECT_TRUE(maps.add(six.data(), {1, 1, 2, 3}).ok());
}

TEST(ActivationLayers, HardSigmoidAttributesAndUnboundedClip) {
    ActivationLayer torch_hsig{"y", "n", "x", ActivationOp::HardSigmoid};
    torch_hsig.alpha = 1.0f / 6.0f;                         // PyTorch's export
    EXPECT_FALSE(torch_hsig.inactive_pre_activation(2.7f)); // 0.95: not saturated
    EXPECT_TRUE(torch_hsig.inactive_pre_activation(3.0f));
    ActivationLayer onnx_hsig{"y", "n", "x", ActivationOp::HardSigmoid};
    EXPECT_TRUE(onnx_hsig.inactive_pre_activation(2.7f)); // ONNX default alpha 0.2: 1.04, clipped to 1
    const float inf = std::numeric_limits<float>::infinity();
    ActivationLayer clip_min_only{"y", "n", "x", ActivationOp::Clip, 0.0f, inf};
    EXPECT_TRUE(clip_min_only.inactive(0.0f));
    EXPECT_FALSE(clip_min_only.inactive(inf)); // no upper bound: +Inf is not held at one
}

// A hand-made graph: conv (zero weights) -> Relu, with a bias given by `bias_from`.
OnnxGraph zero_weight_conv(bool bias_is_constant) {
    OnnxGraph g;
    OnnxNode conv;
    conv.op_type = "Conv";
    conv.name = "conv";
    conv.inputs = {"x", "w", "b"};
    conv.outputs = {"y"};
    OnnxNode relu;
    relu.op_type = "Relu";
    relu.inputs = {"y"};
    relu.outputs = {"z"};
    g.nodes = {conv, relu};
    g.weights["w"] = {{1, 1, 1, 1}, {0.0f}};
    if (bias_is_constant) {
        g.weights["b"] = {{1}, {-0.5f}};
    } else { // the bias is computed (Identity of a graph input): unknown
        OnnxNode identity;
        identity.op_type = "Identity";
        identity.inputs = {"bias_in"};
        identity.outputs = {"b"};
        g.nodes.insert(g.nodes.begin(), identity);
    }
    return g;
}

TEST(StaticDeadZones, ABiasTheGraphComputesGivesNoFinding) {
    const OnnxGraph constant = zero_weight_conv(true), computed = zero_weight_conv(false);
    EXPECT_EQ(find_static_dead_zones(constant, find_activation_layers(constant)).size(), 1u);
    EXPECT_TRUE(find_static_dead_zones(computed, find_activation_layers(computed)).empty());
}

TEST(ScanInput, OneRgbNchwInputOrAClearRefusal) {
    OnnxInfo info;
    EXPECT_NE(scan_input(info, 640, 640).error().find("no input"), std::string::npos);
    info.inputs = {{"image", {1, 3, -1, -1}, OnnxElemType::Float16}};
    Result<ScanInput> symbolic = scan_input(info, 320, 256);
    ASSERT_TRUE(symbolic.ok());
    EXPECT_EQ(symbolic.value().width, 320);
    EXPECT_EQ(symbolic.value().height, 256);
    EXPECT_TRUE(symbolic.value().symbolic);
    EXPECT_TRUE(symbolic.value().half);
    info.inputs = {{"image", {1, 480, 640, 3}, OnnxElemType::Float}}; // NHWC
    EXPECT_NE(scan_input(info, 640, 640).error().find("[N,3,H,W], and it is [1,480,640,3]"), std::string::npos);
    info.inputs = {{"a", {1, 3, 8, 8}, OnnxElemType::Float}, {"b", {1}, OnnxElemType::Float}};
    EXPECT_NE(scan_input(info, 640, 640).error().find("(a, b)"), std::string::npos);
}

} // namespace
