#include "ttfnet/eval.h"

#include "ttfnet/checkpoint.h"
#include "ttfnet/optimizer.h"
#include "ttfnet/onnx_import.h"

#include "deadzone/diagnostics.h"
#include "deadzone/model_metadata.h"
#include "deadzone/prediction_dump.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ttfnet {

namespace {

std::string describe(const std::string& source, const ModelConfig& c, int input_size) {
    std::ostringstream s;
    s << source << ": variant " << c.variant.name << ", wh activation " << wh_act_name(c.variant.act);
    if (c.variant.act == WhAct::Leaky) s << " (slope " << c.variant.leaky_slope << ")";
    s << ", wh_offset_base " << c.wh_offset_base << ", " << c.num_classes << " classes, input " << input_size << "x"
      << input_size;
    return s.str();
}

torch::Tensor input_tensor(const deadzone::ModelInput& in, int size) {
    return torch::from_blob(const_cast<float*>(in.nchw.data()), {1, 3, size, size}, torch::kFloat32).clone();
}

deadzone::ChwView view_of(const torch::Tensor& t) { // [1,C,H,W] contiguous float
    return {t.data_ptr<float>(), static_cast<int>(t.size(1)), static_cast<int>(t.size(2)), static_cast<int>(t.size(3))};
}

// "ttfnet-mbv3s classes=3 neck=128,64,32 hm=2x64 wh=2x32" (ModelConfig::architecture_fingerprint).
bool parse_fingerprint(const std::string& f, ModelConfig* c) {
    int n = 0, a = 0, b = 0, d = 0, hc = 0, hw = 0, wc = 0, ww = 0;
    char tail = 0;
    if (std::sscanf(f.c_str(), "ttfnet-mbv3s classes=%d neck=%d,%d,%d hm=%dx%d wh=%dx%d%c", &n, &a, &b, &d, &hc, &hw, &wc, &ww,
                    &tail) != 8)
        return false;
    if (n < 1 || n > 10000 || a < 1 || b < 1 || d < 1 || hc < 0 || hw < 1 || wc < 0 || ww < 1 || a > 4096 || b > 4096 ||
        d > 4096 || hc > 64 || wc > 64 || hw > 4096 || ww > 4096)
        return false;
    c->num_classes = n;
    c->neck_planes = {a, b, d};
    c->hm_head_convs = hc, c->hm_head_channels = hw, c->wh_head_convs = wc, c->wh_head_channels = ww;
    return true;
}

} // namespace

deadzone::Result<EvalModel> load_eval_model_onnx(const std::string& path) {
    auto imported = import_onnx_file(path);
    if (!imported) return deadzone::Error{imported.error()};
    ImportedOnnx& im = imported.value();
    EvalModel m;
    m.model = im.model;
    m.input_size = im.input_size;
    m.class_names = im.class_names;
    m.normalization = im.normalization;
    m.description = describe("ONNX " + path, m.model->config, m.input_size);
    return m;
}

deadzone::Result<EvalModel> load_eval_model_checkpoint(const std::string& path, const CheckpointEvalOptions& options) {
    if (!deadzone::is_trainer_input_size(options.input_size))
        return deadzone::Error{"--input-size must be " + deadzone::trainer_input_size_rule() + ", got " +
                               std::to_string(options.input_size)};
    std::string bytes;
    {
        std::ifstream f(path, std::ios::binary);
        if (!f) return deadzone::Error{"cannot open checkpoint " + path};
        std::ostringstream s;
        s << f.rdbuf();
        bytes = s.str();
    }
    // Peek at the architecture and variant; deserialize_checkpoint() checks everything else.
    ModelConfig config;
    std::string variant;
    {
        torch::serialize::InputArchive archive;
        try {
            std::istringstream in(bytes);
            archive.load_from(in);
        } catch (const std::exception&) {
            return deadzone::Error{"checkpoint " + path + " is not a readable checkpoint (corrupt or truncated file?)"};
        }
        c10::IValue v;
        if (!archive.try_read("fingerprint", v) || !v.isString() || !parse_fingerprint(v.toStringRef(), &config))
            return deadzone::Error{"checkpoint " + path + " is not a DeadZone TTFNet checkpoint (no readable architecture)"};
        if (archive.try_read("variant", v) && v.isString()) variant = v.toStringRef();
    }
    EvalModel m;
    const std::string base = variant.substr(0, variant.find('+'));
    if (!head_variant_preset(base, &config.variant)) {
        m.warnings.push_back("checkpoint variant '" + variant + "' is not a preset; assuming relu (use --wh-act)");
        config.variant = HeadVariant{};
    }
    config.variant.name = variant.empty() ? "unknown" : variant;
    if (!options.wh_act.empty()) {
        if (!parse_wh_act(options.wh_act, &config.variant.act))
            return deadzone::Error{"--wh-act must be relu, leaky or softplus, got '" + options.wh_act + "'"};
    } else if (variant.find('+') != std::string::npos) {
        m.warnings.push_back("checkpoint variant '" + variant + "' was customised; using the " + base + " preset's activation (" +
                             wh_act_name(config.variant.act) + "): pass --wh-act if it differs");
    }
    if (options.leaky_slope >= 0) config.variant.leaky_slope = options.leaky_slope;
    config.wh_offset_base = options.wh_offset_base;

    m.model = make_ttfnet(config);
    // The trainer's optimizer layout, so the checkpoint's optimizer state loads too.
    Optimizer opt = make_optimizer(*m.model, 0.01, 0.9, 0);
    auto state = deserialize_checkpoint(bytes, "checkpoint " + path, *m.model, *opt.sgd);
    if (!state) return deadzone::Error{state.error()};
    m.model->eval();
    m.input_size = options.input_size;
    m.class_names = options.class_names;
    if (m.class_names.empty()) {
        if (config.num_classes == 3) m.class_names = {"person", "car", "sign"};
        else
            for (int c = 0; c < config.num_classes; ++c) m.class_names.push_back("class" + std::to_string(c));
    }
    if (static_cast<int>(m.class_names.size()) != config.num_classes)
        return deadzone::Error{"checkpoint " + path + " has " + std::to_string(config.num_classes) + " classes, " +
                               std::to_string(m.class_names.size()) + " class names given"};
    m.description = describe("checkpoint " + path + " (step " + std::to_string(state.value().step) + ")", config, m.input_size);
    return m;
}

deadzone::Result<ImageEvaluation> evaluate_image(EvalModel& model, const deadzone::RgbImage& image,
                                                 const deadzone::DecodeParams& params) {
    if (image.width <= 0 || image.height <= 0) return deadzone::Error{"empty image"};
    const int s = model.input_size;
    const deadzone::ModelInput in = deadzone::make_model_input(image, s, s, model.normalization);
    torch::NoGradGuard no_grad;
    model.model->eval();
    const TtfOutput out = model.model->forward(input_tensor(in, s));
    const torch::Tensor heatmap = out.heatmap.contiguous(), wh = out.wh.contiguous(), wh_pre = out.wh_pre.contiguous();

    ImageEvaluation ev;
    ev.letterbox = in.letterbox;
    ev.wh_stats = deadzone::per_channel_stats(view_of(wh));
    ev.wh_pre_stats = deadzone::per_channel_stats(view_of(wh_pre));
    for (std::size_t c = 0; c < ev.wh_stats.size(); ++c)
        if (deadzone::channel_is_dead(ev.wh_stats[c])) ev.dead_channels.push_back(static_cast<int>(c));
    const torch::Tensor w = model.model->wh_out->weight.detach().reshape({4, -1});
    const torch::Tensor wstd = w.std(1, /*unbiased=*/false), bias = model.model->wh_out->bias.detach();
    for (int c = 0; c < 4; ++c) {
        ev.final_weight_std.push_back(wstd[c].item<double>());
        ev.final_bias.push_back(bias[c].item<double>());
    }
    auto decoded = deadzone::decode_ttfnet(view_of(heatmap), view_of(wh), params, in.letterbox);
    if (!decoded) return deadzone::Error{"decode failed: " + decoded.error()};
    ev.decoded = std::move(decoded.value());

    std::ostringstream t;
    t << deadzone::format_wh_dump(ev.wh_stats);
    t << deadzone::format_wh_pre_dump(ev.wh_pre_stats);
    t << deadzone::format_final_conv(ev.final_weight_std, ev.final_bias);
    t << deadzone::format_decoded(ev.decoded, params, model.class_names);
    ev.text = t.str();
    return ev;
}

deadzone::Result<std::vector<int>> model_class_of_data_class(const std::vector<std::string>& data_names,
                                                             const std::vector<std::string>& model_names, int num_classes) {
    if (static_cast<int>(data_names.size()) != num_classes)
        return deadzone::Error{"it has " + std::to_string(data_names.size()) + " classes, the model " +
                               std::to_string(num_classes)};
    std::vector<int> map(data_names.size());
    for (std::size_t d = 0; d < map.size(); ++d) map[d] = static_cast<int>(d);
    // Names the data set made up (class0, class1, ...) say nothing: by position.
    const bool generic =
        std::all_of(data_names.begin(), data_names.end(), [](const std::string& n) { return n.rfind("class", 0) == 0; });
    if (model_names.size() != data_names.size() || generic) return map;
    // No name in common: two naming schemes for the same classes (a model exported with its own
    // labels), by position. Some in common: the same classes in another order, or a mismatch.
    const auto known = [&](const std::string& n) {
        return std::find(model_names.begin(), model_names.end(), n) != model_names.end();
    };
    if (std::none_of(data_names.begin(), data_names.end(), known)) return map;
    std::string listed;
    for (std::size_t d = 0; d < data_names.size(); ++d) {
        const auto it = std::find(model_names.begin(), model_names.end(), data_names[d]);
        if (it == model_names.end()) {
            for (const std::string& n : model_names) listed += (listed.empty() ? "" : ", ") + n;
            return deadzone::Error{"its class '" + data_names[d] + "' is not one of the model's (" + listed + ")"};
        }
        map[d] = static_cast<int>(it - model_names.begin());
    }
    return map;
}

deadzone::Result<ValEvaluation> evaluate_validation(EvalModel& model, const ValOptions& options) {
    DataOptions data_options = options.data_options;
    if (data_options.synthetic_base_size <= 0) data_options.synthetic_base_size = model.input_size; // as ttfnet::train
    auto split = open_dataset(options.data, data_options);
    if (!split) return deadzone::Error{split.error()};
    const std::shared_ptr<const Dataset> val = split.value().val;
    if (!val || val->size() == 0) return deadzone::Error{"data set '" + options.data + "' has no validation images"};
    ValEvaluation ev;
    ev.labels = split.value().audit;
    const int num_classes = model.model->config.num_classes;
    deadzone::Result<std::vector<int>> to_model = model_class_of_data_class(val->class_names(), model.class_names, num_classes);
    if (!to_model) return deadzone::Error{"data set '" + options.data + "': " + to_model.error()};
    const std::vector<int>& model_class = to_model.value();
    ev.class_names = model.class_names.empty() ? val->class_names() : model.class_names;
    const std::size_t total = options.max_images > 0 ? std::min(options.max_images, val->size()) : val->size();
    std::vector<deadzone::ImageDetections> images;
    images.reserve(total);
    torch::NoGradGuard no_grad;
    model.model->eval();
    const int s = model.input_size;
    for (std::size_t i = 0; i < total; ++i) {
        auto sample = val->get(i);
        if (!sample) {
            std::fprintf(stderr, "warning: skipping %s: %s\n", val->describe(i).c_str(), sample.error().c_str());
            ++ev.skipped;
            continue;
        }
        const deadzone::ModelInput in = deadzone::make_model_input(sample.value().image, s, s, model.normalization);
        const TtfOutput out = model.model->forward(input_tensor(in, s));
        const torch::Tensor heatmap = out.heatmap.contiguous(), wh = out.wh.contiguous();
        auto decoded = deadzone::decode_ttfnet(view_of(heatmap), view_of(wh), options.decode, in.letterbox);
        if (!decoded) return deadzone::Error{"decode failed: " + decoded.error()};
        deadzone::ImageDetections img;
        auto cls = [&](const Box& b) {
            return b.cls >= 0 && b.cls < static_cast<int>(model_class.size()) ? model_class[b.cls] : -1;
        };
        for (const Box& b : sample.value().boxes) img.ground_truth.push_back({b.x1, b.y1, b.x2, b.y2, cls(b), 1.0f, false});
        for (const Box& b : sample.value().crowd) img.ground_truth.push_back({b.x1, b.y1, b.x2, b.y2, cls(b), 1.0f, true});
        for (const deadzone::Detection& d : decoded.value().detections)
            img.predictions.push_back({d.x1, d.y1, d.x2, d.y2, d.class_id, d.score, false});
        const std::int64_t id = sample.value().image_id >= 0 ? sample.value().image_id : static_cast<std::int64_t>(i);
        ev.detections.push_back({id, img.predictions});
        images.push_back(std::move(img));
        if (options.progress) options.progress(i + 1, total);
    }
    ev.images = images.size();
    if (ev.images == 0) return deadzone::Error{"no usable image in the validation split"};
    // Results name each model class by its data set category (COCO's id, else 1..C).
    ev.category_ids.assign(static_cast<std::size_t>(num_classes), 0);
    for (std::size_t d = 0; d < model_class.size(); ++d) {
        const std::int64_t id =
            d < split.value().category_ids.size() ? split.value().category_ids[d] : static_cast<std::int64_t>(d) + 1;
        ev.category_ids[static_cast<std::size_t>(model_class[d])] = id;
    }
    ev.metrics = deadzone::evaluate_detections(images, num_classes);
    const deadzone::DetectionMetrics& m = ev.metrics;
    std::ostringstream t;
    t << "validation: " << ev.images << " images (" << split.value().description << "), " << m.ground_truth
      << " ground-truth boxes, " << m.predictions
      << " detections (score >= " << deadzone::format_fixed3(options.decode.score_threshold) << ")\n";
    t << "mAP@0.5      = " << deadzone::format_fixed3(m.map50) << "\n";
    t << "mAP@[.5:.95] = " << deadzone::format_fixed3(m.map50_95) << "\n";
    t << "mean IoU of matched boxes (IoU >= 0.5) = " << deadzone::format_fixed3(m.mean_iou) << " over " << m.matched
      << " matches\n";
    for (int c = 0; c < num_classes; ++c) {
        const double ap50 = m.ap50_per_class[static_cast<std::size_t>(c)];
        t << "  class " << ev.class_names[static_cast<std::size_t>(c)] << ": ";
        if (ap50 < 0) t << "no ground truth (excluded)\n";
        else
            t << "AP@0.5=" << deadzone::format_fixed3(ap50)
              << " AP@[.5:.95]=" << deadzone::format_fixed3(m.ap50_95_per_class[static_cast<std::size_t>(c)]) << "\n";
    }
    ev.text = t.str();
    return ev;
}

} // namespace ttfnet
