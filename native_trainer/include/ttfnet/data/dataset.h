// Data sets: what the loader reads samples from.
//
// A sample is an RGB image (any size) with boxes in that image's pixels. Data sets are read from
// the loader thread, so get() must be safe to call concurrently with nothing else mutating the
// object (all implementations are immutable after construction).
#pragma once

#include "ttfnet/targets.h"

#include "deadzone/image_input.h"
#include "deadzone/result.h"
#include "deadzone/telemetry.h"

#include <cstdint>
#include <memory>
#include <ostream>
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

// What reading a data set's label files found, for the warnings at start, the run summary and the
// telemetry header. Row rules are core's (yolo_labels.h, widerperson_labels.h, coco_annotations.h):
// a row that cannot be an object is dropped and the file's other rows are kept.
struct LabelAudit {
    std::int64_t label_files = 0;   // label files read (YOLO, WiderPerson) or images listed (COCO)
    std::int64_t objects = 0;       // rows kept as objects
    std::int64_t crowd_regions = 0; // WiderPerson labels 4/5, COCO iscrowd
    std::int64_t dropped_rows = 0;  // rows (COCO: annotations) dropped
    std::int64_t files_with_dropped_rows = 0;
    std::int64_t count_mismatches = 0; // WiderPerson files whose count row disagrees with their rows
    std::int64_t unreadable_files = 0; // label files that could not be read or are not label files
                                       // (their images are skipped when loaded)
    std::vector<std::string> messages; // "path:line: reason (row dropped)", the first kMaxMessages
    static constexpr std::size_t kMaxMessages = 20;

    void note(std::string message) {
        if (messages.size() < kMaxMessages) messages.push_back(std::move(message));
    }
};

struct DatasetSplit {
    std::shared_ptr<const Dataset> train;
    std::shared_ptr<const Dataset> val; // may be empty (size 0)
    std::string description;
    std::vector<std::int64_t> category_ids; // COCO: each class's category id (for results files); else empty
    LabelAudit audit;                       // over the train and val files together
};

struct DataOptions {
    std::uint64_t seed = 0;
    int synthetic_train_size = 2000;
    int synthetic_val_size = 100;
    // Synthetic images are generated around this size; 0: the model's input size (ttfnet::train and
    // the evaluation set it), so no pixels are drawn only to be shrunk away by the letterbox.
    int synthetic_base_size = 0;
    // Generated synthetic images are kept (not regenerated every epoch) up to this many bytes of pixels.
    std::int64_t synthetic_cache_bytes = std::int64_t{512} << 20;
    double val_fraction = 0.1;       // for YOLO folders without a train/val split, and COCO files
    bool all_for_validation = false; // YOLO folders without a split and COCO files: every image is
                                     // a validation image (scoring a whole val file: ttfnet-eval --val-all)
};

// The split's size and label audit as the telemetry header's "data" object.
deadzone::telemetry::DataInfo data_info(const DatasetSplit& split);

// The audit's messages (at most LabelAudit::kMaxMessages, then how many more) as "warning:" lines
// and one line of counts, to `out`; nothing when the labels were clean.
void print_label_audit(const LabelAudit& audit, std::ostream& out);

// spec: "synthetic", "widerperson:<root>", "yolo:<root>" or "coco:<annotations.json>[:<images dir>]".
// Errors name the problem (unknown kind, missing root, missing list files, no images, a synthetic
// base size that is not positive).
deadzone::Result<DatasetSplit> open_dataset(const std::string& spec, const DataOptions& options);

// The 64-bit mix used to derive independent, reproducible random streams (data order, per-sample
// augmentation, synthetic images) from the run seed.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);

} // namespace ttfnet
