// COCO detection annotations in and detections out (cocodataset.org/#format-data, #format-results),
// the one reader and writer the trainer, ttfnet-eval and any later tool use.
//
// In: an "instances" file {images: [{id, file_name, width, height}], annotations: [{image_id,
// category_id, bbox: [x, y, w, h] in pixels, iscrowd: 0|1}], categories: [{id, name}]}; other fields
// are ignored. Class index = position of the category in `categories` sorted by id (COCO's 80
// categories have ids 1..90 with gaps; the index is dense). iscrowd regions become crowd boxes
// (detection_metrics.h: "don't care"). Per-annotation policy, like the YOLO reader's per row: an
// annotation with an unknown image or category, no bbox, a bbox that is not four finite numbers, or a
// zero or negative size is dropped and listed with its position and why; the rest are kept. Boxes are
// clipped to the image when it gives its size (as detections are). Ids may be written as integral
// floats (1.0), iscrowd as 0/1 or false/true. Differences from pycocotools: zero-area boxes are
// dropped here (pycocotools counts them as objects no detection can find) and boxes are clipped.
// Out: [{image_id, category_id, bbox: [x, y, w, h], score}], the format pycocotools' loadRes reads.
#pragma once

#include "deadzone/detection_metrics.h" // EvalBox
#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deadzone {

struct CocoImage {
    std::int64_t id = 0;
    std::string file_name;      // relative to the images folder, as written
    int width = 0, height = 0;  // 0 when the file does not say
    std::vector<EvalBox> boxes; // class_id = dense class index; crowd regions have crowd = true
};

struct CocoDroppedAnnotation {
    std::size_t index = 0; // position in `annotations`, 0-based
    std::string reason;    // e.g. "unknown category_id 7"
};

struct CocoAnnotations {
    std::vector<std::string> class_names;   // by class index
    std::vector<std::int64_t> category_ids; // by class index: the COCO category id
    std::vector<CocoImage> images;          // in file order
    std::vector<CocoDroppedAnnotation> dropped;
};

// Errors (the whole file): not JSON, not an object, `images` or `categories` missing or not arrays,
// an image without an integer id or a file_name, a file_name that is absolute or holds ".." or ':'
// (it must stay inside the images folder), a duplicate image or category id, no categories.
Result<CocoAnnotations> parse_coco_annotations(std::string_view json);

// One image's detections, in that image's pixels, with its COCO id.
struct CocoImageDetections {
    std::int64_t image_id = 0;
    std::vector<EvalBox> detections; // class_id = dense class index (mapped back to category ids)
};

// The results file: one object per detection, bbox [x1, y1, x2 - x1, y2 - y1], scores as given.
// Detections whose class index has no category are left out.
std::string coco_results_json(const std::vector<CocoImageDetections>& images, const std::vector<std::int64_t>& category_ids);

} // namespace deadzone
