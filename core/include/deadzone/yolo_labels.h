// YOLO label files (one `.txt` per image, as Ultralytics/Darknet tools write them): the one reader the
// trainer's data sets and the explorer's ground truth both use.
//
// Format (docs.ultralytics.com/datasets/detect/, .../segment/): one object per row,
//   class cx cy w h                 a box: centre and size, normalised to [0, 1] by the image size
//   class cx cy w h confidence      the same with a saved score (`save_conf`); the score is ignored
//   class x1 y1 x2 y2 x3 y3 ...     a polygon (segmentation export, 3+ vertices): its bounding box
// `class` is a non-negative integer (written `0` or `0.0`); numbers may use exponents. Files as people
// write them parse like plain ones: a UTF-8 BOM, CRLF line ends, tabs, trailing blanks and empty rows.
//
// Boxes are clipped to the image (a centre near the edge with a wide size is common in real files).
// Per-row policy: a row that cannot be an object (wrong value count, a non-number, NaN/Inf, a value
// outside [0, 1], a negative size, a class out of range, zero area in pixels) is dropped and listed
// with its 1-based line number and the reason; the file's other rows are kept. Callers decide what a
// dropped row means for them (the explorer shows them; the trainer refuses the image).
#pragma once

#include "deadzone/detection_metrics.h" // EvalBox
#include "deadzone/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace deadzone {

struct DroppedLabelRow {
    int line = 0;       // 1-based
    std::string reason; // e.g. "class 3 out of range (2 classes)"
};

struct YoloLabels {
    std::vector<EvalBox> boxes;           // image pixels, x2 > x1 and y2 > y1; score 1
    std::vector<DroppedLabelRow> dropped; // in file order
    int polygon_rows = 0;                 // rows read as polygons (their bounding box is in boxes)
    int confidence_rows = 0;              // rows with a 6th value (a saved score, ignored)
};

// Parses a label file for an image of image_width x image_height pixels. num_classes > 0 drops rows
// whose class is >= num_classes; 0 accepts any non-negative class. Fails only when the whole text is
// not a label file (it holds NUL bytes) or the image size is not positive.
Result<YoloLabels> parse_yolo_labels(std::string_view text, int image_width, int image_height, int num_classes);

} // namespace deadzone
