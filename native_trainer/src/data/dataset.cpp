#include "ttfnet/data/dataset.h"

#include "ttfnet/data/file_datasets.h"
#include "ttfnet/data/synthetic.h"

namespace ttfnet {

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
    // splitmix64 over the pair: cheap, and different (a, b) give unrelated streams.
    std::uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

deadzone::telemetry::DataInfo data_info(const DatasetSplit& split) {
    deadzone::telemetry::DataInfo d;
    d.train_images = split.train ? static_cast<std::int64_t>(split.train->size()) : 0;
    d.val_images = split.val ? static_cast<std::int64_t>(split.val->size()) : 0;
    const LabelAudit& a = split.audit;
    d.objects = a.objects;
    d.crowd_regions = a.crowd_regions;
    d.dropped_label_rows = a.dropped_rows;
    d.files_with_dropped_rows = a.files_with_dropped_rows;
    d.count_mismatches = a.count_mismatches;
    d.unreadable_label_files = a.unreadable_files;
    return d;
}

void print_label_audit(const LabelAudit& a, std::ostream& out) {
    if (a.dropped_rows == 0 && a.count_mismatches == 0 && a.unreadable_files == 0) return;
    for (const std::string& m : a.messages) out << "warning: " << m << "\n";
    const std::int64_t total = a.dropped_rows + a.count_mismatches + a.unreadable_files;
    if (total > static_cast<std::int64_t>(a.messages.size()))
        out << "warning: ... and " << total - static_cast<std::int64_t>(a.messages.size()) << " more\n";
    // Only what happened: a YOLO folder has no count rows to disagree.
    out << "labels: " << a.dropped_rows << " row(s) dropped in " << a.files_with_dropped_rows << " file(s)";
    if (a.count_mismatches > 0) out << ", " << a.count_mismatches << " count row(s) disagreeing with their rows";
    if (a.unreadable_files > 0) out << ", " << a.unreadable_files << " unreadable label file(s)";
    out << "; " << a.label_files << " label files, " << a.objects << " objects kept\n";
}

deadzone::Result<DatasetSplit> open_dataset(const std::string& spec, const DataOptions& options) {
    if (spec == "synthetic") {
        if (options.synthetic_train_size <= 0) return deadzone::Error{"--synthetic-size must be positive"};
        if (options.synthetic_base_size <= 0) return deadzone::Error{"synthetic data needs a positive image size"};
        DatasetSplit s;
        s.train = std::make_shared<SyntheticDataset>(options.seed, static_cast<std::size_t>(options.synthetic_train_size), 0,
                                                     options.synthetic_base_size, options.synthetic_cache_bytes);
        // Validation images come from a disjoint part of the same stream.
        s.val =
            std::make_shared<SyntheticDataset>(options.seed, static_cast<std::size_t>(std::max(0, options.synthetic_val_size)),
                                               static_cast<std::size_t>(options.synthetic_train_size),
                                               options.synthetic_base_size, options.synthetic_cache_bytes / 8);
        s.description = "synthetic (" + std::to_string(options.synthetic_train_size) + " train / " +
                        std::to_string(options.synthetic_val_size) + " val images, seed " + std::to_string(options.seed) + ")";
        return s;
    }
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    const std::string root = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if ((kind == "widerperson" || kind == "yolo") && root.empty()) {
        return deadzone::Error{"--data " + kind + " needs a folder: --data " + kind + ":<root>"};
    }
    if (kind == "coco" && root.empty())
        return deadzone::Error{"--data coco needs its annotations: --data coco:<annotations.json>[:<images dir>]"};
    if (kind == "widerperson") return open_widerperson(root, options);
    if (kind == "yolo") return open_yolo(root, options);
    if (kind == "coco") return open_coco(root, options);
    return deadzone::Error{"unknown --data '" + spec +
                           "': expected synthetic, widerperson:<root>, yolo:<root> or coco:<annotations.json>[:<images dir>]"};
}

} // namespace ttfnet
