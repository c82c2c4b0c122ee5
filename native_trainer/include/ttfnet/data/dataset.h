// Data sets: what the loader reads samples from.
//
// A sample is an RGB image (any size) with boxes in that image's pixels. Data sets are read from
// the loader thread, so get() must be safe to call concurrently with nothing else mutating the
// object (all implementations are immutable after construction).
#pragma once

#include "ttfnet/targets.h"

#include "deadzone/image_input.h"
#include "deadzone/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ttfnet {

struct Sample {
    deadzone::RgbImage image;
    std::vector<Box> boxes;
    // Crowd regions (COCO iscrowd, WiderPerson's ignore and crowd labels): not trained as objects (the
    // heatmap loss still sees them as background), "don't care" when scoring (detection_metrics.h).
    std::vector<Box> crowd;
    std::int64_t image_id = -1; // the data set's own image id (COCO), -1 when it has none
};

class Dataset {
public:
    virtual ~Dataset() = default;
    virtual std::size_t size() const = 0;
    // A bad file is an error naming the file, never an exception.
    virtual deadzone::Result<Sample> get(std::size_t index) const = 0;
    // What to print in a warning about this index (a file path for file data sets).
    virtual std::string describe(std::size_t index) const = 0;
    virtual std::vector<std::string> class_names() const = 0;
    int num_classes() const { return static_cast<int>(class_names().size()); }
};

struct DatasetSplit {
    std::shared_ptr<const Dataset> train;
    std::shared_ptr<const Dataset> val; // may be empty (size 0)
    std::string description;
    std::vector<std::int64_t> category_ids; // COCO: each class's category id (for results files); else empty
};

struct DataOptions {
    std::uint64_t seed = 0;
    int synthetic_train_size = 2000;
    int synthetic_val_size = 100;
    int synthetic_base_size = 320; // synthetic images are generated around this size
    double val_fraction = 0.1;     // for YOLO folders without a train/val split, and COCO files
    bool all_for_validation = false; // YOLO folders without a split and COCO files: every image is
                                     // a validation image (scoring a whole val file: ttfnet-eval --val-all)
};

// spec: "synthetic", "widerperson:<root>", "yolo:<root>" or "coco:<annotations.json>[:<images dir>]".
// Errors name the problem (unknown kind, missing root, missing list files, no images).
deadzone::Result<DatasetSplit> open_dataset(const std::string& spec, const DataOptions& options);

// The 64-bit mix used to derive independent, reproducible random streams (data order, per-sample
// augmentation, synthetic images) from the run seed.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);

} // namespace ttfnet
