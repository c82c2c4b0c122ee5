// Ground truth in the Detect view: YOLO label files (core/'s yolo_labels.h) matched to the image of
// the same stem, and each panel's detections matched to them at IoU 0.5 (core/'s match_image), so
// "the broken boxes are too narrow" reads as a number: each box's IoU, and per-image precision,
// recall and mean IoU at the current score threshold.
#pragma once

#include "app.h"

#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

constexpr std::size_t kMaxLabelFiles = 64; // label files kept while waiting for their image
constexpr double kMatchIou = 0.5;          // the IoU a detection needs to count as found (mAP@0.5's)

// A label file arrived (dropped, opened, or fetched with a sample): kept under its stem, and read at
// once when the current image has that stem. Binary data and unusable rows give a visible message;
// announce_waiting: also say when they wait for their image (not for a sample's labels, fetched first).
void accept_label_bytes(AppState& state, const std::string& name, const std::vector<std::uint8_t>& bytes,
                        bool announce_waiting = true);
// A new image was loaded: its ground truth is the kept label file of the same stem, if any.
void attach_ground_truth(AppState& state);
// The current image has ground truth (possibly with no boxes).
bool has_ground_truth(const DetectState& detect);
// A panel's detections matched to the ground truth; empty when there is none, or the panel has no
// result for the current image and model yet.
ImageMatch match_panel(const DetectState& detect, const Panel& panel);
// "street" for "photos/street.jpg" and "street.txt": what pairs an image with its labels.
std::string file_stem(const std::string& name);

} // namespace deadzone::explorer
