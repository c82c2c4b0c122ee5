#include "ground_truth.h"

#include "pipeline.h"

#include <algorithm>

namespace deadzone::explorer {

std::string file_stem(const std::string& name) {
    const std::size_t slash = name.find_last_of("/\\");
    std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    const std::size_t dot = base.find_last_of('.');
    if (dot != std::string::npos && dot > 0) base.resize(dot);
    return base;
}

namespace {

// Reads `file` for the current image into detect.ground_truth, with a message when rows were dropped
// or the file is not a label file at all.
void read_ground_truth(AppState& state, const LabelFile& file) {
    DetectState& detect = state.detect;
    Result<YoloLabels> labels = parse_yolo_labels(file.text, detect.image.rgb.width, detect.image.rgb.height, 0);
    if (!labels) {
        post_message(state, "labels '" + file.name + "' not used: " + labels.error(), true);
        return;
    }
    detect.ground_truth = {detect.image.generation, file.name, std::move(labels).value()};
    const YoloLabels& l = detect.ground_truth.labels;
    std::string text = "ground truth: " + std::to_string(l.boxes.size()) + " boxes from '" + file.name + "'";
    if (l.polygon_rows > 0) text += ", " + std::to_string(l.polygon_rows) + " of them polygons (their bounding box)";
    if (l.confidence_rows > 0)
        text += ", " + std::to_string(l.confidence_rows) + " rows with a 6th value (a saved score, ignored)";
    if (!l.dropped.empty()) {
        // The first few by line; the state hook (and a re-drop after fixing them) has the rest.
        text += "; " + std::to_string(l.dropped.size()) + " rows skipped (";
        for (std::size_t i = 0; i < l.dropped.size() && i < 3; ++i)
            text += (i > 0 ? "; " : "") + std::string("line ") + std::to_string(l.dropped[i].line) + ": " + l.dropped[i].reason;
        text += l.dropped.size() > 3 ? "; ...)" : ")";
    }
    post_message(state, text, !l.dropped.empty());
}

} // namespace

void accept_label_bytes(AppState& state, const std::string& name, const std::vector<std::uint8_t>& bytes, bool announce_waiting) {
    // Refused before anything is replaced: a binary file must not take the place of good labels.
    const std::string text(bytes.begin(), bytes.end());
    if (Result<YoloLabels> check = parse_yolo_labels(text, 1, 1, 0); !check) {
        post_message(state, "labels '" + name + "' not used: " + check.error(), true);
        return;
    }
    std::vector<LabelFile>& files = state.detect.label_files;
    const std::string stem = file_stem(name);
    files.erase(std::remove_if(files.begin(), files.end(), [&](const LabelFile& f) { return file_stem(f.name) == stem; }),
                files.end());
    if (files.size() >= kMaxLabelFiles) files.erase(files.begin());
    files.push_back({name, text});
    const LoadedImage& image = state.detect.image;
    if (image.generation > 0 && file_stem(image.name) == stem) {
        read_ground_truth(state, files.back());
    } else if (announce_waiting) {
        post_message(state,
                     "labels '" + name + "' kept: they are used when an image named '" + stem + ".*' is loaded" +
                         (image.generation > 0 ? " (the current one is '" + image.name + "')" : ""),
                     false);
    }
}

void attach_ground_truth(AppState& state) {
    state.detect.ground_truth = {};
    const std::string stem = file_stem(state.detect.image.name);
    for (const LabelFile& f : state.detect.label_files)
        if (file_stem(f.name) == stem) read_ground_truth(state, f);
}

bool has_ground_truth(const DetectState& detect) {
    return detect.ground_truth.image_generation > 0 && detect.ground_truth.image_generation == detect.image.generation;
}

ImageMatch match_panel(const DetectState& detect, const Panel& panel) {
    if (!has_ground_truth(detect) || !shows_current_result(detect, panel)) return {};
    const Prediction& pred = panel.pred;
    std::vector<EvalBox> boxes;
    for (const Detection& d : pred.decoded.detections) boxes.push_back({d.x1, d.y1, d.x2, d.y2, d.class_id, d.score});
    return match_image(detect.ground_truth.labels.boxes, boxes, kMatchIou);
}

} // namespace deadzone::explorer
