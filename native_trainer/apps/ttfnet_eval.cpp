// ttfnet-eval: run a trained TTFNet (ONNX export or trainer checkpoint) on an image and print
// DeadZone's raw prediction dump, or score it on a validation split. See native_trainer/README.md.
#include "ttfnet/eval.h"

#include "deadzone/coco_annotations.h"
#include "deadzone/text_list.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

int run(int argc, char** argv) {
    CLI::App app{"ttfnet-eval: run a TTFNet (ONNX export or ttfnet-train checkpoint) on an image and print the raw\n"
                 "prediction dump (per wh channel min/max/mean, DEAD channels, the final wh conv, detections), or\n"
                 "score it on a validation split (mAP@0.5, mAP@[.5:.95], mean IoU).\n"
                 "Example: ttfnet-eval --onnx assets/models/broken.onnx --image assets/images/blobs-square.png"};
    app.option_defaults()->always_capture_default();

    std::string onnx, checkpoint, image, out_png, data = "synthetic", classes, wh_act, results_json;
    bool val = false, no_png = false;
    float score_threshold = 0.1f, val_score_threshold = 0.01f;
    int top_k = 100, input_size = 320, threads = 0;
    long long max_pixels = 50'000'000;
    std::size_t val_images = 0;
    double leaky_slope = -1.0, wh_offset_base = 16.0;
    ttfnet::DataOptions dopt;

    auto* onnx_opt = app.add_option("--onnx", onnx, "ONNX model written by ttfnet-train --onnx (rebuilt in LibTorch)");
    auto* ckpt_opt = app.add_option("--checkpoint", checkpoint, "ttfnet-train checkpoint (last.pt)");
    onnx_opt->excludes(ckpt_opt);
    app.add_option("--image", image, "Image (PNG/JPEG/BMP/GIF) to run: prints the dump and writes the annotated PNG");
    app.add_option("--out", out_png, "Annotated PNG path (default: <image stem>.eval.png in the current directory)");
    app.add_flag("--no-png", no_png, "Do not write the annotated PNG");
    app.add_option("--score-threshold", score_threshold, "--image: minimum detection score")->check(CLI::Range(0.0f, 1.0f));
    app.add_option("--top-k", top_k, "Maximum detections per image (top-K peaks over all classes)")->check(CLI::Range(1, 100000));
    app.add_option("--max-pixels", max_pixels, "Refuse images with more pixels than this")->check(CLI::PositiveNumber);
    app.add_flag("--val", val, "Score the model on the validation split of --data (mAP@0.5, mAP@[.5:.95], mean IoU)");
    app.add_option(
        "--data", data,
        "--val data set: synthetic | widerperson:<root> | yolo:<root> | coco:<annotations.json>[:<images dir>] (as ttfnet-train)");
    app.add_option("--json", results_json,
                   "--val: write the detections as a COCO results file (image_id, category_id, bbox x y w h, score), "
                   "for pycocotools or any COCO scorer");
    app.add_option("--seed", dopt.seed, "--val: seed of the synthetic data (use the training run's --seed)");
    app.add_option("--synthetic-size", dopt.synthetic_train_size,
                   "--val: synthetic training images (the val images follow them in the stream)");
    app.add_option("--synthetic-val-size", dopt.synthetic_val_size, "--val: synthetic validation images");
    app.add_option("--synthetic-base-size", dopt.synthetic_base_size,
                   "--val: synthetic images' base size (use the training run's; 0: the input size)")
        ->check(CLI::Range(0, 4096));
    app.add_option("--val-fraction", dopt.val_fraction, "--val: held-out fraction when a data set has no val split")
        ->check(CLI::Range(0.0, 0.9));
    app.add_option("--val-images", val_images, "--val: score at most this many images (0 = all)");
    app.add_flag(
        "--val-all", dopt.all_for_validation,
        "--val: score every image of a COCO file or an unsplit YOLO folder (a validation set of its own), not a held-out part");
    app.add_option("--val-score-threshold", val_score_threshold, "--val: minimum detection score counted")
        ->check(CLI::Range(0.0f, 1.0f));
    app.add_option("--input-size", input_size, "--checkpoint: square input size (multiple of 32; ONNX models carry theirs)");
    app.add_option("--classes", classes,
                   "--checkpoint: class names, comma-separated (default: synthetic's person,car,sign for 3 classes)");
    app.add_option("--wh-act", wh_act, "--checkpoint: wh activation when the run customised it: relu | leaky | softplus")
        ->check(CLI::IsMember({"relu", "leaky", "softplus"}));
    app.add_option("--leaky-slope", leaky_slope, "--checkpoint: leaky slope (default: the variant preset's)");
    app.add_option("--wh-offset-base", wh_offset_base, "--checkpoint: wh scale (ttfnet-train uses 16)")
        ->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "LibTorch intra-op threads (0 = LibTorch's default)")->check(CLI::NonNegativeNumber);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (onnx.empty() && checkpoint.empty()) {
        std::cerr << "error: give --onnx <model.onnx> or --checkpoint <last.pt>\n";
        return 2;
    }
    if (image.empty() && !val) {
        std::cerr << "error: give --image <file> and/or --val\n";
        return 2;
    }
    if (!results_json.empty() && !val) {
        std::cerr << "error: --json writes the --val detections: give --val too\n";
        return 2;
    }
    if (threads > 0) torch::set_num_threads(threads);

    deadzone::Result<ttfnet::EvalModel> loaded = deadzone::Error{""};
    if (!onnx.empty()) {
        loaded = ttfnet::load_eval_model_onnx(onnx);
    } else {
        ttfnet::CheckpointEvalOptions co;
        co.input_size = input_size;
        co.class_names = deadzone::split_comma_list(classes);
        if (std::find(co.class_names.begin(), co.class_names.end(), "") != co.class_names.end()) {
            std::cerr << "error: --classes has an empty name: '" << classes << "'\n";
            return 1;
        }
        co.wh_act = wh_act;
        co.leaky_slope = leaky_slope;
        co.wh_offset_base = wh_offset_base;
        loaded = ttfnet::load_eval_model_checkpoint(checkpoint, co);
    }
    if (!loaded) {
        std::cerr << "error: " << first_line(loaded.error()) << "\n";
        return 1;
    }
    ttfnet::EvalModel& model = loaded.value();
    for (const std::string& w : model.warnings) std::cerr << "warning: " << w << "\n";
    std::cout << "model: " << model.description << "\n";

    if (!image.empty()) {
        deadzone::ImageLimits limits;
        limits.max_pixels = max_pixels;
        auto img = deadzone::load_image_file(image, limits);
        if (!img) {
            std::cerr << "error: " << first_line(img.error()) << "\n";
            return 1;
        }
        deadzone::DecodeParams params;
        params.top_k = top_k;
        params.score_threshold = score_threshold;
        auto ev = ttfnet::evaluate_image(model, img.value(), params);
        if (!ev) {
            std::cerr << "error: " << first_line(ev.error()) << "\n";
            return 1;
        }
        std::cout << "image: " << image << " (" << img.value().width << "x" << img.value().height << ")\n";
        std::cout << ev.value().text;
        if (!no_png) {
            if (out_png.empty()) out_png = std::filesystem::path(image).stem().string() + ".eval.png";
            deadzone::RgbImage annotated = std::move(img).value();
            ttfnet::draw_detections(annotated, ev.value().decoded.detections);
            auto written = ttfnet::write_png(out_png, annotated);
            if (!written) {
                std::cerr << "error: " << written.error() << "\n";
                return 1;
            }
            std::cout << "annotated: " << out_png << "\n";
        }
        std::cout.flush();
    }

    if (val) {
        ttfnet::ValOptions vo;
        vo.data = data;
        vo.data_options = dopt;
        vo.max_images = val_images;
        vo.decode.top_k = top_k;
        vo.decode.score_threshold = val_score_threshold;
        auto ev = ttfnet::evaluate_validation(model, vo);
        if (!ev) {
            std::cerr << "error: " << first_line(ev.error()) << "\n";
            return 1;
        }
        ttfnet::print_label_audit(ev.value().labels, std::cerr);
        std::cout << ev.value().text;
        if (!results_json.empty()) {
            std::ofstream out(results_json);
            out << deadzone::coco_results_json(ev.value().detections, ev.value().category_ids);
            if (!out) {
                std::cerr << "error: cannot write " << results_json << "\n";
                return 1;
            }
            std::cout << "detections written to " << results_json << " (COCO results format)\n";
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const c10::Error& e) {
        std::cerr << "error: " << first_line(e.what_without_backtrace()) << "\n";
    } catch (const std::exception& e) {
        std::cerr << "error: " << first_line(e.what()) << "\n";
    } catch (...) {
        std::cerr << "error: unexpected failure\n";
    }
    return 1;
}
