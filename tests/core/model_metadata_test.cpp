#include "deadzone/model_metadata.h"

#include "deadzone/detector_interface.h"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace deadzone;

TrainerMetadata sample() {
    TrainerMetadata m;
    m.variant = "leaky";
    m.activation = "leaky";
    m.leaky_slope = 0.01;
    m.wh_offset_base = 16;
    m.input_size = 320;
    m.normalization.mean[0] = 0.5f;
    m.normalization.std[2] = 0.25f;
    m.class_names = {"person", "car"};
    m.training_steps = 2000;
    return m;
}

TEST(ModelMetadata, KeyNamesAreTheOnesInTheFilesAndDistinct) {
    std::set<std::string> names;
    for (int k = 0; k <= static_cast<int>(MetadataKey::HeatmapEncoding); ++k)
        names.insert(metadata_key_name(static_cast<MetadataKey>(k)));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(MetadataKey::HeatmapEncoding) + 1);
    EXPECT_STREQ(metadata_key_name(MetadataKey::WhOffsetBase), "wh_offset_base");
    EXPECT_STREQ(metadata_key_name(MetadataKey::ClassNames), "class_names");
    EXPECT_STREQ(metadata_key_name(MetadataKey::HeatmapEncoding), "heatmap_encoding");
}

TEST(ModelMetadata, WhatIsWrittenReadsBack) {
    const auto props = to_metadata_props(sample());
    EXPECT_EQ(props.at("leaky_slope"), "0.010000"); // the format every shipped model has
    EXPECT_EQ(props.at("class_names"), "person,car");
    EXPECT_EQ(props.at("stride"), "4");
    EXPECT_EQ(props.count("heatmap_encoding"), 0u);
    auto m = read_trainer_metadata(props);
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_EQ(m.value().variant, "leaky");
    EXPECT_EQ(m.value().activation, "leaky");
    EXPECT_DOUBLE_EQ(m.value().leaky_slope, 0.01);
    EXPECT_DOUBLE_EQ(m.value().wh_offset_base, 16);
    EXPECT_EQ(m.value().stride, 4);
    EXPECT_EQ(m.value().input_size, 320);
    EXPECT_EQ(m.value().normalization, sample().normalization);
    EXPECT_EQ(m.value().class_names, (std::vector<std::string>{"person", "car"}));
    EXPECT_EQ(m.value().training_steps, 2000);
}

TEST(ModelMetadata, AnUnsetInputSizeIsNotWritten) {
    TrainerMetadata m = sample();
    m.input_size = 0;
    const auto props = to_metadata_props(m);
    EXPECT_EQ(props.count("input_size"), 0u);
    auto back = read_trainer_metadata(props);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back.value().input_size, 0);
}

TEST(ModelMetadata, NormalizationForAnyModel) {
    auto n = read_normalization({{"mean", "0, 0, 0"}, {"std", ""}});
    ASSERT_TRUE(n.ok()) << n.error();
    EXPECT_EQ(n.value().mean[1], 0.0f);
    EXPECT_EQ(n.value().std[0], Normalization{}.std[0]); // empty: as absent
    EXPECT_EQ(read_normalization({{"std", "1,-1,1"}}).error(), "metadata 'std' is not three positive numbers: '1,-1,1'");
}

TEST(ModelMetadata, OptionalKeysFallBack) {
    const auto m = read_trainer_metadata({{"activation", "relu"}, {"leaky_slope", "0"}, {"wh_offset_base", "16"}});
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_EQ(m.value().variant, "");
    EXPECT_EQ(m.value().input_size, 0);
    EXPECT_EQ(m.value().stride, kTrainerStride);
    EXPECT_EQ(m.value().normalization, Normalization{});
    EXPECT_TRUE(m.value().class_names.empty());
}

TEST(ModelMetadata, BadValuesAreRefusedNamingTheKey) {
    auto with = [](const std::string& key, const std::string& value) {
        auto props = to_metadata_props(sample());
        if (value == "<absent>") props.erase(key);
        else props[key] = value;
        return read_trainer_metadata(props);
    };
    EXPECT_EQ(with("activation", "<absent>").error(), "metadata 'activation' is missing");
    EXPECT_EQ(with("wh_offset_base", "<absent>").error(), "metadata 'wh_offset_base' is missing");
    EXPECT_EQ(with("leaky_slope", "x").error(), "metadata 'leaky_slope' is not a number: 'x'");
    EXPECT_EQ(with("leaky_slope", "0.1x").error(), "metadata 'leaky_slope' is not a number: '0.1x'");
    EXPECT_EQ(with("wh_offset_base", "inf").error(), "metadata 'wh_offset_base' is not a number: 'inf'");
    EXPECT_EQ(with("input_size", "100").error(), "metadata 'input_size' is 100: not a multiple of 32 from 64 to 4096");
    EXPECT_EQ(with("input_size", "8192").error(), "metadata 'input_size' is 8192: not a multiple of 32 from 64 to 4096");
    EXPECT_EQ(with("input_size", "320.5").error(), "metadata 'input_size' is 320.5: not a multiple of 32 from 64 to 4096");
    EXPECT_EQ(with("stride", "0").error(), "metadata 'stride' is 0: not a whole number from 1 to 64");
    EXPECT_EQ(with("mean", "0.5,0.5").error(), "metadata 'mean' is not three numbers: '0.5,0.5'");
    EXPECT_EQ(with("std", "0.2,0,0.2").error(), "metadata 'std' is not three positive numbers: '0.2,0,0.2'");
    EXPECT_EQ(with("training_steps", "-1").error(),
              "metadata 'training_steps' is -1: not a whole number from 0 to 9007199254740992");
}

TEST(ModelMetadata, TrainerInputSizes) {
    EXPECT_FALSE(is_trainer_input_size(32)); // below the backbone's 2x2 last stage
    EXPECT_TRUE(is_trainer_input_size(64));
    EXPECT_TRUE(is_trainer_input_size(320));
    EXPECT_TRUE(is_trainer_input_size(kMaxTrainerInputSize));
    EXPECT_FALSE(is_trainer_input_size(0));
    EXPECT_FALSE(is_trainer_input_size(-32));
    EXPECT_FALSE(is_trainer_input_size(48));
    EXPECT_FALSE(is_trainer_input_size(kMaxTrainerInputSize + 32));
    EXPECT_EQ(trainer_input_size_rule(), "a multiple of 32 from 64 to 4096");
}

TEST(ModelMetadata, TriplesTakeCommasOrSpaces) {
    for (const char* text : {"0.485,0.456,0.406", "0.485, 0.456, 0.406", "0.485 0.456 0.406", " 0.485,0.456,0.406 "}) {
        auto t = parse_metadata_triple(text);
        ASSERT_TRUE(t.ok()) << text << ": " << t.error();
        EXPECT_FLOAT_EQ(t.value()[0], 0.485f);
        EXPECT_FLOAT_EQ(t.value()[2], 0.406f);
    }
    for (const char* text : {"", "0.1,0.2", "0.1,0.2,0.3,0.4", "0.1,x,0.3", "0.1,0.2,nan", "[0.1,0.2,0.3]"})
        EXPECT_FALSE(parse_metadata_triple(text).ok()) << text;
}

// The explorer reads the same keys: a model carrying the trainer's metadata shows its variant,
// classes and normalisation.
TEST(ModelMetadata, TheExplorersInterfaceReadsWhatTheTrainerWrites) {
    OnnxInfo info;
    info.inputs = {{"image", {1, 3, 320, 320}, OnnxElemType::Float}};
    info.outputs = {{"heatmap", {1, 2, 80, 80}, OnnxElemType::Float}, {"wh", {1, 4, 80, 80}, OnnxElemType::Float}};
    for (const auto& [key, value] : to_metadata_props(sample())) info.metadata[key] = value;
    auto d = find_detector_interface(info);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().variant, "leaky");
    EXPECT_EQ(d.value().activation, "leaky");
    EXPECT_EQ(d.value().training_steps, "2000");
    EXPECT_EQ(d.value().stride, 4);
    EXPECT_EQ(d.value().class_names, (std::vector<std::string>{"person", "car"}));
    EXPECT_EQ(d.value().norm, sample().normalization);
}

} // namespace
