// ttfnet-eval's library: the dump on a dead and a live model (through an exported ONNX file, as the
// CLI runs it), the annotated PNG, checkpoints, and the validation metrics.
#include "ttfnet/checkpoint.h"
#include "ttfnet/eval.h"
#include "ttfnet/onnx_export.h"

#include "eval_test_util.h"

#include <gtest/gtest.h>

#include <random>

namespace ttfnet {
namespace {

using eval_testing::randomise;
using eval_testing::small_config;
using eval_testing::temp_dir;

deadzone::RgbImage noise_image(int w, int h, unsigned seed) {
    deadzone::RgbImage img;
    img.width = w, img.height = h;
    img.pixels.resize(static_cast<std::size_t>(w) * h * 3);
    std::mt19937 rng(seed);
    for (auto& p : img.pixels) p = static_cast<std::uint8_t>(rng() & 0xff);
    return img;
}

// A model whose heatmap fires everywhere (so there are detections) and whose wh channels get the
// given final biases, exported to ONNX and loaded back as ttfnet-eval --onnx does.
EvalModel exported_model(const std::string& name, const std::array<float, 4>& wh_bias) {
    torch::manual_seed(21);
    TtfNet model = make_ttfnet(small_config("broken"));
    randomise(*model);
    {
        torch::NoGradGuard no_grad;
        model->hm_out->weight.zero_();
        model->hm_out->bias.fill_(2.0f);
        model->wh_out->weight.normal_(0.0, 0.01);
        for (int c = 0; c < 4; ++c) model->wh_out->bias[c] = wh_bias[static_cast<std::size_t>(c)];
    }
    model->eval();
    const std::string path = temp_dir(name) + "/model.onnx";
    OnnxExportOptions options;
    options.input_size = 64;
    options.class_names = {"person", "car", "sign"};
    auto exported = export_onnx(*model, options, path);
    EXPECT_TRUE(exported.ok()) << exported.error();
    auto loaded = load_eval_model_onnx(path);
    EXPECT_TRUE(loaded.ok()) << loaded.error();
    return loaded.value();
}

TEST(Eval, DeadLeftChannelPutsTheLeftEdgeOnTheCentre) {
    EvalModel m = exported_model("dead", {-100.0f, 2.0f, 2.0f, 2.0f});
    auto ev = evaluate_image(m, noise_image(96, 80, 1), deadzone::DecodeParams{});
    ASSERT_TRUE(ev.ok()) << ev.error();
    const ImageEvaluation& e = ev.value();
    EXPECT_NE(e.text.find("wh channel 0 (left): min=0.000, max=0.000, mean=0.000  <- DEAD\n"), std::string::npos) << e.text;
    EXPECT_EQ(e.dead_channels, std::vector<int>{0});
    EXPECT_NE(e.text.find("wh_out channel 0 (left): weight std="), std::string::npos);
    EXPECT_NE(e.text.find("bias=-100.000"), std::string::npos);
    ASSERT_FALSE(e.decoded.detections.empty());
    for (const auto& d : e.decoded.detections) {
        EXPECT_FLOAT_EQ(d.x1, d.center_x);
        EXPECT_GT(d.x2, d.center_x);
        if (d.center_y > 1.0f) {
            EXPECT_LT(d.y1, d.center_y);
        } // (centres in the letterbox padding clip to 0)
    }
    EXPECT_NE(e.text.find("det 0: class="), std::string::npos);
}

TEST(Eval, LiveModelHasNoDeadChannelAndFullBoxes) {
    EvalModel m = exported_model("live", {2.0f, 2.0f, 2.0f, 2.0f});
    auto ev = evaluate_image(m, noise_image(64, 64, 2), deadzone::DecodeParams{});
    ASSERT_TRUE(ev.ok()) << ev.error();
    EXPECT_EQ(ev.value().text.find("DEAD"), std::string::npos) << ev.value().text;
    EXPECT_TRUE(ev.value().dead_channels.empty());
    ASSERT_FALSE(ev.value().decoded.detections.empty());
    for (const auto& d : ev.value().decoded.detections) {
        if (d.center_x > 1.0f) {
            EXPECT_LT(d.x1, d.center_x); // a live left channel: the box extends left of the centre
        }
    }
}

TEST(Eval, AnnotatedPngHasBoxesAndCentres) {
    EvalModel m = exported_model("png", {-100.0f, 2.0f, 2.0f, 2.0f});
    deadzone::RgbImage img;
    img.width = 96, img.height = 80;
    img.pixels.assign(96u * 80u * 3u, 0);
    deadzone::DecodeParams params;
    params.top_k = 3;
    auto ev = evaluate_image(m, img, params);
    ASSERT_TRUE(ev.ok()) << ev.error();
    ASSERT_FALSE(ev.value().decoded.detections.empty());
    draw_detections(img, ev.value().decoded.detections);
    const std::string path = temp_dir("png_out") + "/a.png";
    ASSERT_TRUE(write_png(path, img).ok());
    auto back = deadzone::load_image_file(path);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back.value().width, 96);
    EXPECT_EQ(back.value().height, 80);
    // The centre dot of the first detection is drawn (not black).
    const auto& d = ev.value().decoded.detections[0];
    const int cx = std::clamp(static_cast<int>(std::lround(d.center_x)), 0, 95);
    const int cy = std::clamp(static_cast<int>(std::lround(d.center_y)), 0, 79);
    const std::uint8_t* p = &back.value().pixels[(static_cast<std::size_t>(cy) * 96 + cx) * 3];
    EXPECT_GT(p[0] + p[1] + p[2], 0);
    EXPECT_FALSE(write_png("/nonexistent/dir/a.png", img).ok());
}

TEST(Eval, CorruptOnnxIsAnError) {
    auto r = load_eval_model_onnx("/nonexistent.onnx");
    EXPECT_FALSE(r.ok());
}

torch::optim::SGD trainer_like_optimizer(TtfNetImpl& model) {
    std::vector<torch::Tensor> weights, biases;
    for (const auto& p : model.named_parameters()) {
        const std::string& k = p.key();
        (k.size() >= 4 && k.compare(k.size() - 4, 4, "bias") == 0 ? biases : weights).push_back(p.value());
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(weights, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(0.1).momentum(0.9)));
    groups.emplace_back(biases, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(0.2).momentum(0.9)));
    return torch::optim::SGD(std::move(groups), torch::optim::SGDOptions(0.1).momentum(0.9));
}

TEST(Eval, CheckpointLoadsWithTheTrainersFormat) {
    torch::manual_seed(9);
    ModelConfig config = small_config("leaky");
    TtfNet model = make_ttfnet(config);
    randomise(*model);
    model->eval();
    torch::optim::SGD sgd = trainer_like_optimizer(*model);
    TrainState state;
    state.step = 17;
    const std::string dir = temp_dir("checkpoint");
    ASSERT_TRUE(write_file_atomic(dir + "/last.pt", serialize_checkpoint(*model, sgd, state)).ok());

    CheckpointEvalOptions options;
    options.input_size = 64;
    auto loaded = load_eval_model_checkpoint(dir + "/last.pt", options);
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    EXPECT_EQ(loaded.value().model->config.variant.act, WhAct::Leaky);
    EXPECT_EQ(loaded.value().class_names, (std::vector<std::string>{"person", "car", "sign"}));
    EXPECT_NE(loaded.value().description.find("step 17"), std::string::npos);
    torch::NoGradGuard no_grad;
    const torch::Tensor input = torch::randn({1, 3, 64, 64});
    EXPECT_EQ((model->forward(input).wh - loaded.value().model->forward(input).wh).abs().max().item<float>(), 0.0f);

    // Corrupt, missing, wrong class names: errors.
    ASSERT_TRUE(write_file_atomic(dir + "/bad.pt", "not a checkpoint").ok());
    EXPECT_FALSE(load_eval_model_checkpoint(dir + "/bad.pt", options).ok());
    EXPECT_FALSE(load_eval_model_checkpoint(dir + "/missing.pt", options).ok());
    options.class_names = {"one"};
    EXPECT_FALSE(load_eval_model_checkpoint(dir + "/last.pt", options).ok());
}

TEST(Eval, DataSetClassesAreMatchedToTheModelsByName) {
    // COCO lists categories by id: car (3), person (7), sign (11); the model was trained person, car, sign.
    auto map = model_class_of_data_class({"car", "person", "sign"}, {"person", "car", "sign"}, 3);
    ASSERT_TRUE(map.ok()) << map.error();
    EXPECT_EQ(map.value(), (std::vector<int>{1, 0, 2}));
    // Made-up names, or another naming with nothing in common: by position.
    EXPECT_EQ(model_class_of_data_class({"class0", "class1"}, {"dog", "cat"}, 2).value(), (std::vector<int>{0, 1}));
    EXPECT_EQ(model_class_of_data_class({"person", "car", "sign"}, {"a", "b", "c"}, 3).value(), (std::vector<int>{0, 1, 2}));
    // A partial overlap is a mismatch, named; so is another class count.
    auto partial = model_class_of_data_class({"person", "truck"}, {"person", "car"}, 2);
    ASSERT_FALSE(partial.ok());
    EXPECT_NE(partial.error().find("'truck' is not one of the model's (person, car)"), std::string::npos) << partial.error();
    EXPECT_FALSE(model_class_of_data_class({"person"}, {"person", "car"}, 2).ok());
}

TEST(Eval, ValidationOnSyntheticData) {
    EvalModel m = exported_model("val", {2.0f, 2.0f, 2.0f, 2.0f});
    ValOptions options;
    options.data_options.synthetic_train_size = 2;
    options.data_options.synthetic_val_size = 3;
    options.data_options.synthetic_base_size = 64;
    std::size_t calls = 0;
    options.progress = [&](std::size_t, std::size_t) { ++calls; };
    auto ev = evaluate_validation(m, options);
    ASSERT_TRUE(ev.ok()) << ev.error();
    EXPECT_EQ(ev.value().images, 3u);
    EXPECT_EQ(calls, 3u);
    const auto& metrics = ev.value().metrics;
    EXPECT_GT(metrics.ground_truth, 0);
    EXPECT_GE(metrics.map50, 0.0);
    EXPECT_LE(metrics.map50, 1.0);
    EXPECT_LE(metrics.map50_95, metrics.map50 + 1e-12);
    EXPECT_NE(ev.value().text.find("mAP@0.5"), std::string::npos);
    EXPECT_NE(ev.value().text.find("mAP@[.5:.95]"), std::string::npos);

    options.data = "yolo:/nonexistent";
    EXPECT_FALSE(evaluate_validation(m, options).ok());
}

} // namespace
} // namespace ttfnet
