// ttfnet-eval's library: load a model (ONNX export or trainer checkpoint), run it on one image and
// format DeadZone's raw prediction dump, draw the detections, and score a validation split.
//
// All numbers come from core/: per-channel statistics (channel_stats.h), the dead-channel rule
// (diagnostics.h), the text (prediction_dump.h), the decode (decode.h, the one reference decode)
// and the metrics (detection_metrics.h).
#pragma once

#include "ttfnet/data/dataset.h"
#include "ttfnet/model/ttfnet.h"

#include "deadzone/channel_stats.h"
#include "deadzone/coco_annotations.h"
#include "deadzone/decode.h"
#include "deadzone/detection_metrics.h"
#include "deadzone/image_input.h"
#include "deadzone/result.h"

#include <functional>
#include <string>
#include <vector>

namespace ttfnet {

struct EvalModel {
    TtfNet model; // eval mode
    int input_size = 320;
    std::vector<std::string> class_names;
    deadzone::Normalization normalization;
    std::string description; // one line: source, variant, activation, input size
    std::vector<std::string> warnings;
};

// An ONNX model written by export_onnx() (rebuilt with import_onnx_file()).
deadzone::Result<EvalModel> load_eval_model_onnx(const std::string& path);

// A checkpoint holds the architecture fingerprint and the variant name but not the input size, the
// class names or a custom activation: those come from here.
struct CheckpointEvalOptions {
    int input_size = 320;
    std::vector<std::string> class_names; // empty: synthetic's names for 3 classes, else class<i>
    std::string wh_act;                   // empty: the activation of the variant's preset
    double leaky_slope = -1.0;            // < 0: the preset's
    double wh_offset_base = 16.0;
};

deadzone::Result<EvalModel> load_eval_model_checkpoint(const std::string& path, const CheckpointEvalOptions& options);

struct ImageEvaluation {
    std::vector<deadzone::ChannelStats> wh_stats;     // per channel of wh (post-activation, pixels)
    std::vector<deadzone::ChannelStats> wh_pre_stats; // per channel of wh_pre
    std::vector<int> dead_channels;                   // channel_is_dead(wh_stats[c])
    std::vector<double> final_weight_std, final_bias; // the final wh conv, per output channel
    deadzone::DecodeResult decoded;                   // detections in source pixels
    deadzone::Letterbox letterbox;
    std::string text; // the full dump: wh lines, wh_pre lines, final conv, detections
};

deadzone::Result<ImageEvaluation> evaluate_image(EvalModel& model, const deadzone::RgbImage& image,
                                                 const deadzone::DecodeParams& params);

// Draws each detection's box (per-class colour, 2 px; 1 px for images under 200 px) and a centre
// dot (5x5, white-outlined) into `image` (source pixels).
void draw_detections(deadzone::RgbImage& image, const std::vector<deadzone::Detection>& detections);

deadzone::Result<bool> write_png(const std::string& path, const deadzone::RgbImage& image);

struct ValOptions {
    std::string data = "synthetic";
    DataOptions data_options;
    std::size_t max_images = 0; // 0: the whole split
    deadzone::DecodeParams decode{4, 100, 0.01f};
    std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ValEvaluation {
    deadzone::DetectionMetrics metrics;
    std::size_t images = 0;
    std::size_t skipped = 0; // unreadable samples
    LabelAudit labels;       // what reading the data set's label files found (train and val files)
    std::vector<std::string> class_names;
    std::string text;
    // Every scored image's detections (source pixels), for a COCO results file: image_id is the data
    // set's own (COCO) or the image's position in the validation split; category_ids the COCO ones,
    // or 1..C for data sets without ids.
    std::vector<deadzone::CocoImageDetections> detections;
    std::vector<std::int64_t> category_ids;
};

// For each data set class, the model's class of the same name: data sets list classes in their own
// order (COCO: by category id), models in their training order. By position when the data set's
// names are made up (class0, ...), the model has none, or the two share no name at all (another
// naming of the same classes). Errors: another number of classes, or names that overlap only in
// part (a data set class the model does not know; both lists named).
deadzone::Result<std::vector<int>> model_class_of_data_class(const std::vector<std::string>& data_names,
                                                             const std::vector<std::string>& model_names, int num_classes);

// Scores the model on the data set's validation split (letterboxed to the model's input size,
// detections and ground truth in source pixels).
deadzone::Result<ValEvaluation> evaluate_validation(EvalModel& model, const ValOptions& options);

} // namespace ttfnet
