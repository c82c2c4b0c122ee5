#include "deadzone/detector_interface.h"
#include "deadzone/decode.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>

namespace {

using namespace deadzone;

// A model file from tests/data/models (TTFNet-style exports written by other code: see shared cases).
Result<DetectorInterface> interface_of(const std::string& name) {
    std::ifstream in(std::string(DEADZONE_TEST_DATA_DIR) + "/models/" + name, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(bytes.empty()) << name;
    Result<OnnxInfo> info = read_onnx_info(bytes.data(), bytes.size());
    if (!info) return Error{info.error()};
    return find_detector_interface(info.value());
}

TensorInfo tensor(const std::string& name, std::vector<std::int64_t> dims) {
    return {name, std::move(dims), OnnxElemType::Float};
}

TEST(DetectorInterface, AnyInputNameAndAFixedNonSquareSize) {
    auto d = interface_of("c12_reference_ok.onnx");
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().input_name, "input");
    EXPECT_EQ(d.value().input_width, 640);
    EXPECT_EQ(d.value().input_height, 480);
    EXPECT_EQ(d.value().stride, 4);
    EXPECT_EQ(d.value().heatmap_name, "heatmap");
    EXPECT_EQ(d.value().wh_pre_name, "wh_pre");
    EXPECT_EQ(d.value().heatmap_encoding, HeatmapEncoding::Probabilities); // written by a Sigmoid
    EXPECT_EQ(d.value().found_by, "by name");

    auto fixed = interface_of("c10_fixed_288x512.onnx");
    ASSERT_TRUE(fixed.ok()) << fixed.error();
    EXPECT_EQ(fixed.value().input_width, 512);
    EXPECT_EQ(fixed.value().input_height, 288);
    const InputSize s = pick_input_size(fixed.value(), 640, 480);
    EXPECT_EQ(s.width, 512);
    EXPECT_EQ(s.height, 288);
}

TEST(DetectorInterface, SymbolicSizesArePickedFromTheImage) {
    auto d = interface_of("c10_dynamic_hw.onnx");
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_FALSE(d.value().fixed_input());
    InputSize s = pick_input_size(d.value(), 640, 480);
    EXPECT_EQ(s.width, 640);
    EXPECT_EQ(s.height, 480);
    s = pick_input_size(d.value(), 4000, 3000); // a phone photo: capped, aspect kept
    EXPECT_EQ(s.width, 640);
    EXPECT_EQ(s.height, 480);
    s = pick_input_size(d.value(), 283, 372); // rounded to multiples of 32
    EXPECT_EQ(s.width, 288);
    EXPECT_EQ(s.height, 384);
    s = pick_input_size(d.value(), 2000, 10); // extreme: at least 32
    EXPECT_EQ(s.width, 640);
    EXPECT_EQ(s.height, 32);
}

TEST(DetectorInterface, ExternalDataFilesAreNamed) {
    auto d = interface_of("c10_external_data.onnx");
    ASSERT_TRUE(d.ok()) << d.error();
    ASSERT_EQ(d.value().external_data.size(), 1u);
    EXPECT_EQ(d.value().external_data[0], "c10_external_data.onnx.data");
}

TEST(DetectorInterface, OutputsAreFoundByShapeWhenTheirNamesDiffer) {
    OnnxInfo info;
    info.inputs = {tensor("images", {1, 3, 320, 320})};
    info.outputs = {tensor("reg_raw", {1, 4, 80, 80}), tensor("hm", {1, 3, 80, 80}), tensor("reg", {1, 4, 80, 80})};
    info.producer_op = {{"reg_raw", "Conv"}, {"reg", "Relu"}, {"hm", "Conv"}};
    auto d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().heatmap_name, "hm");
    EXPECT_EQ(d.value().wh_name, "reg");
    EXPECT_EQ(d.value().wh_pre_name, "reg_raw");
    EXPECT_EQ(d.value().num_classes, 3);
    EXPECT_EQ(d.value().heatmap_encoding, HeatmapEncoding::Logits);
    EXPECT_NE(d.value().found_by.find("by shape"), std::string::npos);

    info.outputs = {tensor("boxes", {1, 4, 80, 80}), tensor("scores", {1, 1, 80, 80})}; // no pre-activation
    d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().wh_name, "boxes");
    EXPECT_EQ(d.value().wh_pre_name, "");
}

TEST(DetectorInterface, WhatCannotBeADetectorIsRefusedWithTheNamesSeen) {
    OnnxInfo two_inputs;
    two_inputs.inputs = {tensor("a", {1, 3, 64, 64}), tensor("b", {1, 3, 64, 64})};
    auto d = find_detector_interface(two_inputs);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find("2 inputs {a[1,3,64,64], b[1,3,64,64]}"), std::string::npos) << d.error();

    OnnxInfo classifier;
    classifier.inputs = {tensor("x", {1, 3, 224, 224})};
    classifier.outputs = {tensor("logits", {1, 1000})};
    d = find_detector_interface(classifier);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find("logits[1,1000]"), std::string::npos) << d.error();

    OnnxInfo wrong_stride;
    wrong_stride.inputs = {tensor("x", {1, 3, 320, 320})};
    wrong_stride.outputs = {tensor("heatmap", {1, 2, 80, 60}), tensor("wh", {1, 4, 80, 60})};
    d = find_detector_interface(wrong_stride);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find("not the input 320x320"), std::string::npos) << d.error();
}

TEST(DetectorInterface, StrideAndInputSizeMetadataAreWholeNumbersOrRefused) {
    OnnxInfo info;
    info.inputs = {tensor("image", {1, 3, -1, -1})}; // symbolic: the metadata fixes the size
    info.outputs = {tensor("heatmap", {1, 2, -1, -1}), tensor("wh", {1, 4, -1, -1})};
    info.metadata = {{"input_size", "320"}, {"stride", "4"}};
    auto d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().input_width, 320);
    EXPECT_EQ(d.value().stride, 4);

    for (const char* size : {"320px", "abc", "16", "320.5"}) {
        info.metadata = {{"input_size", size}, {"stride", "4"}};
        d = find_detector_interface(info);
        ASSERT_FALSE(d.ok()) << size;
        EXPECT_NE(d.error().find("metadata 'input_size'"), std::string::npos) << d.error();
    }
    for (const char* stride : {"4.5", "four", "0", "128"}) {
        info.metadata = {{"input_size", "320"}, {"stride", stride}};
        d = find_detector_interface(info);
        ASSERT_FALSE(d.ok()) << stride;
        EXPECT_NE(d.error().find("metadata 'stride'"), std::string::npos) << d.error();
    }
}

TEST(DetectorInterface, AMappingTheUserCorrectsIsAppliedCheckedAndRemembered) {
    OnnxInfo info;
    info.inputs = {tensor("x", {1, 3, 256, 256})};
    info.outputs = {tensor("a", {1, 4, 64, 64}), tensor("b", {1, 4, 64, 64}), tensor("c", {1, 2, 64, 64})};
    auto guessed = find_detector_interface(info);
    ASSERT_TRUE(guessed.ok()) << guessed.error();
    InterfaceMapping m = mapping_of(guessed.value());
    EXPECT_EQ(m.heatmap, "c");
    // The user says: b is the box map, in stride units, a its pre-activation, sigmoid heatmap, 0-255 input.
    m.wh = "b", m.wh_pre = "a", m.box_units = BoxUnits::StrideUnits, m.heatmap_encoding = HeatmapEncoding::Probabilities;
    m.scaling = InputScaling::ZeroTo255;
    auto applied = apply_mapping(guessed.value(), info, m);
    ASSERT_TRUE(applied.ok()) << applied.error();
    EXPECT_EQ(applied.value().wh_name, "b");
    EXPECT_EQ(applied.value().wh_pre_name, "a");
    EXPECT_EQ(applied.value().box_units, BoxUnits::StrideUnits);
    EXPECT_FLOAT_EQ(applied.value().norm.std[0], 1.0f / 255.0f);
    EXPECT_EQ(mapping_of(applied.value()).scaling, InputScaling::ZeroTo255);
    // Remembered as JSON and read back the same.
    auto back = mapping_from_json(mapping_to_json(m));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(mapping_to_json(back.value()), mapping_to_json(m));
    // Wrong corrections are refused with the reason.
    InterfaceMapping bad = m;
    bad.wh = "c"; // 2 channels
    EXPECT_NE(apply_mapping(guessed.value(), info, bad).error().find("'c'"), std::string::npos);
    bad = m;
    bad.stride = 8; // 256 / 8 = 32, but the maps are 64
    EXPECT_NE(apply_mapping(guessed.value(), info, bad).error().find("stride 8"), std::string::npos);
    bad = m;
    bad.heatmap = "nope";
    EXPECT_FALSE(apply_mapping(guessed.value(), info, bad).ok());
    EXPECT_FALSE(mapping_from_json("{\"heatmap\": 3}").ok());
    EXPECT_FALSE(mapping_from_json("not json").ok());
}

TEST(DetectorInterface, CenterNetSizeAndOffsetAreGuessedByShape) {
    OnnxInfo info;
    info.inputs = {tensor("input.1", {1, 3, 512, 512})};
    // CenterNet's reference export: hm, wh, reg; the offset is found by its name wherever it is listed.
    info.outputs = {tensor("reg", {1, 2, 128, 128}), tensor("hm", {1, 80, 128, 128}), tensor("wh", {1, 2, 128, 128})};
    auto d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().box_encoding, BoxEncoding::CenterNetSizeOffset);
    EXPECT_EQ(d.value().heatmap_name, "hm");
    EXPECT_EQ(d.value().wh_name, "wh");
    EXPECT_EQ(d.value().offset_name, "reg");
    EXPECT_EQ(d.value().wh_pre_name, "");
    EXPECT_EQ(d.value().box_units, BoxUnits::StrideUnits); // CenterNet regresses sizes in cells
    EXPECT_EQ(d.value().stride, 4);
    EXPECT_NE(d.value().found_by.find("CenterNet"), std::string::npos) << d.value().found_by;
    // Named size, unhelpfully named offset, listed first: the one not called the size is the offset.
    info.outputs = {tensor("o", {1, 2, 128, 128}), tensor("hm", {1, 80, 128, 128}), tensor("wh", {1, 2, 128, 128})};
    d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().wh_name, "wh");
    EXPECT_EQ(d.value().offset_name, "o");
    // Unhelpful names: the second 2-channel map is the offset.
    info.outputs = {tensor("o0", {1, 3, 128, 128}), tensor("o1", {1, 2, 128, 128}), tensor("o2", {1, 2, 128, 128})};
    d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().wh_name, "o1");
    EXPECT_EQ(d.value().offset_name, "o2");
    // A 2-class heatmap is a third 2-channel map: told apart by its name, else refused.
    info.outputs = {tensor("wh", {1, 2, 128, 128}), tensor("hm", {1, 2, 128, 128}), tensor("offset", {1, 2, 128, 128})};
    d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().heatmap_name, "hm");
    EXPECT_EQ(d.value().offset_name, "offset");
    info.outputs = {tensor("a", {1, 2, 128, 128}), tensor("b", {1, 2, 128, 128}), tensor("c", {1, 2, 128, 128})};
    d = find_detector_interface(info);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find("CenterNet"), std::string::npos) << d.error();
    // A DeadZone export keeps the TTFNet layout, found by name.
    info.outputs = {tensor("heatmap", {1, 2, 128, 128}), tensor("wh", {1, 4, 128, 128})};
    d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().box_encoding, BoxEncoding::TtfnetLtrb);
    EXPECT_EQ(d.value().offset_name, "");
}

TEST(DetectorInterface, ACenterNetOrBgrMappingIsCheckedAndRemembered) {
    OnnxInfo info;
    info.inputs = {tensor("x", {1, 3, 256, 256})};
    info.outputs = {tensor("hm", {1, 3, 64, 64}), tensor("size", {1, 2, 64, 64}), tensor("shift", {1, 2, 64, 64}),
                    tensor("ltrb", {1, 4, 64, 64})};
    auto guessed = find_detector_interface(info); // ltrb wins: a 4-channel map is TTFNet's
    ASSERT_TRUE(guessed.ok()) << guessed.error();
    InterfaceMapping m = mapping_of(guessed.value());
    EXPECT_EQ(m.box_encoding, BoxEncoding::TtfnetLtrb);
    EXPECT_EQ(m.channel_order, ChannelOrder::Rgb);
    m.box_encoding = BoxEncoding::CenterNetSizeOffset, m.wh = "size", m.offset = "shift", m.wh_pre = "";
    m.channel_order = ChannelOrder::Bgr;
    auto applied = apply_mapping(guessed.value(), info, m);
    ASSERT_TRUE(applied.ok()) << applied.error();
    EXPECT_EQ(applied.value().offset_name, "shift");
    EXPECT_EQ(applied.value().box_encoding, BoxEncoding::CenterNetSizeOffset);
    EXPECT_EQ(applied.value().norm.order, ChannelOrder::Bgr);
    EXPECT_FLOAT_EQ(applied.value().norm.mean[0], 0.485f); // mean/std stay per colour: R's is R's
    EXPECT_EQ(mapping_to_json(mapping_of(applied.value())), mapping_to_json(m));
    auto back = mapping_from_json(mapping_to_json(m));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back.value().channel_order, ChannelOrder::Bgr);
    EXPECT_EQ(back.value().box_encoding, BoxEncoding::CenterNetSizeOffset);
    EXPECT_EQ(back.value().offset, "shift");
    // Refused, with the reason: a 4-channel offset, the same map twice, a pre-activation map.
    InterfaceMapping bad = m;
    bad.offset = "ltrb";
    EXPECT_NE(apply_mapping(guessed.value(), info, bad).error().find("'ltrb'"), std::string::npos);
    bad = m;
    bad.offset = "size";
    EXPECT_NE(apply_mapping(guessed.value(), info, bad).error().find("two different"), std::string::npos);
    bad = m;
    bad.wh_pre = "ltrb";
    EXPECT_NE(apply_mapping(guessed.value(), info, bad).error().find("pre-activation"), std::string::npos);
    // Switched back to TTFNet, the offset is ignored; a 2-channel box map is refused.
    bad = m;
    bad.box_encoding = BoxEncoding::TtfnetLtrb;
    EXPECT_NE(apply_mapping(guessed.value(), info, bad).error().find("[1,4,h,w]"), std::string::npos);
    bad.wh = "ltrb";
    auto ttfnet = apply_mapping(guessed.value(), info, bad);
    ASSERT_TRUE(ttfnet.ok()) << ttfnet.error();
    EXPECT_EQ(ttfnet.value().offset_name, "");
    // A mapping remembered before box_encoding, offset and channel_order existed reads as TTFNet, RGB.
    auto old = mapping_from_json(R"({"heatmap":"hm","wh":"ltrb","wh_pre":"","heatmap_encoding":"logits",)"
                                 R"("box_units":"input_px","stride":4,"scaling":"imagenet"})");
    ASSERT_TRUE(old.ok()) << old.error();
    EXPECT_EQ(old.value().box_encoding, BoxEncoding::TtfnetLtrb);
    EXPECT_EQ(old.value().channel_order, ChannelOrder::Rgb);
    EXPECT_FALSE(
        mapping_from_json(R"({"heatmap":"hm","wh":"ltrb","wh_pre":"","heatmap_encoding":"logits","box_units":"input_px",)"
                          R"("stride":4,"scaling":"imagenet","channel_order":"rbg"})")
            .ok());
}

TEST(DetectorInterface, LogitInvertsSigmoidAndStaysFinite) {
    for (float x = -12.0f; x <= 12.0f; x += 0.5f) EXPECT_NEAR(logit(sigmoid(x)), x, 2e-3f * (1.0f + std::fabs(x)));
    EXPECT_TRUE(std::isfinite(logit(0.0f)));
    EXPECT_TRUE(std::isfinite(logit(1.0f)));
    EXPECT_LT(logit(0.0f), -15.0f);
    EXPECT_TRUE(std::isnan(logit(std::numeric_limits<float>::quiet_NaN())));
}

} // namespace
