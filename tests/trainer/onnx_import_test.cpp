// ONNX import: export a randomised model, import it, and compare outputs with the original.
#include "ttfnet/onnx_export.h"
#include "ttfnet/onnx_import.h"

#include "eval_test_util.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <tuple>

namespace ttfnet {
namespace {

using eval_testing::randomise;
using eval_testing::small_config;
using eval_testing::temp_dir;

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

float max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<float>(); }

class OnnxRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxRoundTrip, ImportedModelMatchesTheOriginal) {
    torch::manual_seed(11);
    ModelConfig config = small_config(GetParam());
    config.num_classes = 2;
    config.wh_offset_base = 8.0;
    TtfNet model = make_ttfnet(config);
    randomise(*model);
    model->eval();

    const std::string path = temp_dir("roundtrip_" + GetParam()) + "/model.onnx";
    OnnxExportOptions options;
    options.input_size = 64;
    options.class_names = {"cat", "dog"};
    options.training_steps = 42;
    options.normalization.mean[1] = 0.5f;
    ASSERT_TRUE(export_onnx(*model, options, path).ok());

    auto imported = import_onnx_file(path);
    ASSERT_TRUE(imported.ok()) << imported.error();
    const ImportedOnnx& im = imported.value();
    EXPECT_EQ(im.input_size, 64);
    EXPECT_EQ(im.class_names, (std::vector<std::string>{"cat", "dog"}));
    EXPECT_EQ(im.training_steps, 42);
    EXPECT_FLOAT_EQ(im.normalization.mean[1], 0.5f);
    EXPECT_FLOAT_EQ(im.normalization.std[2], 0.225f);
    const ModelConfig& c = im.model->config;
    EXPECT_EQ(c.architecture_fingerprint(), config.architecture_fingerprint());
    EXPECT_EQ(c.variant.name, config.variant.name);
    EXPECT_EQ(c.variant.act, config.variant.act);
    EXPECT_NEAR(c.variant.leaky_slope, config.variant.leaky_slope, 1e-6);
    EXPECT_DOUBLE_EQ(c.wh_offset_base, 8.0);

    torch::NoGradGuard no_grad;
    const torch::Tensor input = torch::randn({1, 3, 64, 64});
    const TtfOutput a = model->forward(input);
    const TtfOutput b = im.model->forward(input);
    EXPECT_LE(max_abs_diff(a.heatmap, b.heatmap), 1e-4f);
    EXPECT_LE(max_abs_diff(a.wh_pre, b.wh_pre), 1e-4f);
    EXPECT_LE(max_abs_diff(a.wh, b.wh), 1e-4f * 8.0f);
    // The outputs are not trivially small: the comparison means something.
    EXPECT_GT(a.wh_pre.abs().max().item<float>(), 0.1f);
}

INSTANTIATE_TEST_SUITE_P(Presets, OnnxRoundTrip, ::testing::Values("broken", "leaky", "bias-init", "softplus", "leaky-bias"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& ch : n)
                                 if (ch == '-') ch = '_';
                             return n;
                         });

TEST(OnnxImport, DefaultHeadWidthsRoundTrip) {
    torch::manual_seed(3);
    TtfNet model = make_ttfnet(ModelConfig{});
    randomise(*model);
    model->eval();
    const std::string path = temp_dir("default_widths") + "/m.onnx";
    OnnxExportOptions options;
    options.input_size = 64;
    ASSERT_TRUE(export_onnx(*model, options, path).ok());
    auto im = import_onnx_file(path);
    ASSERT_TRUE(im.ok()) << im.error();
    EXPECT_EQ(im.value().class_names, (std::vector<std::string>{"class0", "class1", "class2"}));
    torch::NoGradGuard no_grad;
    const torch::Tensor input = torch::randn({1, 3, 64, 64});
    EXPECT_LE(max_abs_diff(model->forward(input).heatmap, im.value().model->forward(input).heatmap), 1e-4f);
}

class OnnxImportErrors : public ::testing::Test {
protected:
    void SetUp() override {
        torch::manual_seed(5);
        TtfNet model = make_ttfnet(small_config("broken"));
        model->eval();
        path_ = temp_dir("errors") + "/m.onnx";
        OnnxExportOptions options;
        options.input_size = 64;
        options.class_names = {"a", "b", "c"};
        ASSERT_TRUE(export_onnx(*model, options, path_).ok());
        bytes_ = read_all(path_);
        ASSERT_TRUE(proto_.ParseFromString(bytes_));
    }
    std::string error_of(const onnx::ModelProto& p) {
        std::string b;
        p.SerializeToString(&b);
        auto r = import_onnx_bytes(b, "test model");
        return r.ok() ? "" : r.error();
    }
    std::string path_, bytes_;
    onnx::ModelProto proto_;
};

TEST_F(OnnxImportErrors, MissingFile) {
    auto r = import_onnx_file("/nonexistent/model.onnx");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("cannot open"), std::string::npos);
}

TEST_F(OnnxImportErrors, GarbageAndTruncatedFiles) {
    for (const std::string& b :
         {std::string(), std::string("\x89PNG\r\n\x1a\n not a model"), bytes_.substr(0, bytes_.size() / 2)}) {
        auto r = import_onnx_bytes(b, "test model");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().rfind("test model", 0), 0u) << r.error();
    }
}

TEST_F(OnnxImportErrors, WrongInterface) {
    onnx::ModelProto p = proto_;
    p.mutable_graph()->mutable_output()->RemoveLast(); // wh_pre
    EXPECT_NE(error_of(p).find("interface"), std::string::npos) << error_of(p);
}

TEST_F(OnnxImportErrors, BadMetadata) {
    onnx::ModelProto p = proto_;
    for (auto& kv : *p.mutable_metadata_props())
        if (kv.key() == "activation") kv.set_value("gelu");
    EXPECT_NE(error_of(p).find("activation"), std::string::npos) << error_of(p);
    p = proto_;
    for (auto& kv : *p.mutable_metadata_props())
        if (kv.key() == "class_names") kv.set_value("a,b");
    EXPECT_NE(error_of(p).find("classes"), std::string::npos) << error_of(p);
    // The contract's rules (core/model_metadata.h): the trainer's stride, its input sizes.
    for (const auto& [key, value, expect] :
         {std::tuple{"stride", "8", "stride"}, std::tuple{"input_size", "100", "input_size"}}) {
        p = proto_;
        for (auto& kv : *p.mutable_metadata_props())
            if (kv.key() == key) kv.set_value(value);
        EXPECT_NE(error_of(p).find(expect), std::string::npos) << key << ": " << error_of(p);
    }
}

TEST_F(OnnxImportErrors, InitializerLayout) {
    // A missing initializer in the middle, a wrong shape, wrong byte count: errors, not crashes.
    onnx::ModelProto p = proto_;
    p.mutable_graph()->mutable_initializer()->DeleteSubrange(3, 1);
    EXPECT_NE(error_of(p).find("layout"), std::string::npos) << error_of(p);
    p = proto_;
    p.mutable_graph()->mutable_initializer(0)->set_dims(0, 8);
    EXPECT_FALSE(error_of(p).empty());
    p = proto_;
    p.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(10);
    EXPECT_NE(error_of(p).find("bytes"), std::string::npos) << error_of(p);
    p = proto_;
    p.mutable_graph()->mutable_initializer()->RemoveLast(); // the wh scale constant
    p.mutable_graph()->mutable_initializer()->RemoveLast(); // wh_head.out.bias
    EXPECT_FALSE(error_of(p).empty());
    EXPECT_TRUE(error_of(proto_).empty());
}

} // namespace
} // namespace ttfnet
