#include "ttfnet/data/file_datasets.h"

#include "ttfnet/data/data_yaml.h"

#include "deadzone/coco_annotations.h"
#include "deadzone/widerperson_labels.h"
#include "deadzone/yolo_labels.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace ttfnet {

namespace fs = std::filesystem;

namespace {

deadzone::Result<std::string> read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return deadzone::Error{"cannot open " + path};
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::vector<std::string> read_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream s(text);
    std::string line;
    while (std::getline(s, line)) {
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
        std::size_t b = 0;
        while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
        line = line.substr(b);
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

bool is_image(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".gif";
}

// An image whose labels are in a file (WiderPerson, YOLO).
LabeledFile labeled_on_disk(std::string image_path, std::string label_path) {
    LabeledFile f;
    f.image_path = std::move(image_path);
    f.label_path = std::move(label_path);
    return f;
}

// Deterministic hold-out: every k-th file (sorted order) goes to validation.
void split_by_fraction(std::vector<LabeledFile> all, double val_fraction, std::vector<LabeledFile>* train,
                       std::vector<LabeledFile>* val) {
    if (val_fraction <= 0 || all.size() < 2) {
        *train = std::move(all);
        return;
    }
    const std::size_t every = std::max<std::size_t>(2, static_cast<std::size_t>(1.0 / val_fraction + 0.5));
    for (std::size_t i = 0; i < all.size(); ++i) (i % every == every - 1 ? val : train)->push_back(all[i]);
}

// One file's labels as training boxes, with the rows core's readers dropped.
struct FileLabels {
    std::vector<Box> boxes, crowd;
    std::vector<deadzone::DroppedLabelRow> dropped;
    bool count_mismatch = false; // WiderPerson: the count row disagrees with the rows
};

Box training_box(const deadzone::EvalBox& b) { return Box{b.x1, b.y1, b.x2, b.y2, b.class_id}; }

// Reads a YOLO or WiderPerson label file (a missing YOLO file: no objects). YOLO rows are normalised,
// so they need the image size; num_classes 0 accepts any class.
deadzone::Result<FileLabels> read_labels(const LabeledFile& f, LabelFormat format, int image_width, int image_height,
                                         int num_classes) {
    FileLabels out;
    std::error_code missing;
    if (format == LabelFormat::Yolo && !fs::exists(f.label_path, missing)) return out; // no file: no objects
    deadzone::Result<std::string> text = read_text(f.label_path);
    if (!text.ok()) return deadzone::Error{text.error()};
    if (format == LabelFormat::WiderPerson) {
        deadzone::Result<deadzone::WiderPersonLabels> l = deadzone::parse_widerperson_labels(text.value());
        if (!l.ok()) return deadzone::Error{l.error()};
        for (const deadzone::EvalBox& b : l.value().boxes) out.boxes.push_back(training_box(b));
        for (const deadzone::EvalBox& b : l.value().crowd) out.crowd.push_back(training_box(b));
        out.dropped = l.value().dropped;
        out.count_mismatch = l.value().count_mismatch();
        return out;
    }
    deadzone::Result<deadzone::YoloLabels> l = deadzone::parse_yolo_labels(text.value(), image_width, image_height, num_classes);
    if (!l.ok()) return deadzone::Error{l.error()};
    for (const deadzone::EvalBox& b : l.value().boxes) out.boxes.push_back(training_box(b));
    out.dropped = l.value().dropped;
    return out;
}

// Every label file of the lists, read once when the data set is opened. YOLO rows are checked on a
// nominal 4096 x 4096 image (the images are not decoded here): every rule but "zero area" is
// independent of the size, and a box with area in [0, 1] normalised units has zero area at any size
// only when its width or height is 0. max_class: the largest class kept (-1 when none).
LabelAudit audit_labels(std::initializer_list<const std::vector<LabeledFile>*> lists, LabelFormat format, int num_classes,
                        int* max_class) {
    constexpr int kNominalSize = 4096;
    LabelAudit audit;
    *max_class = -1;
    for (const std::vector<LabeledFile>* list : lists)
        for (const LabeledFile& f : *list) {
            ++audit.label_files;
            deadzone::Result<FileLabels> l = read_labels(f, format, kNominalSize, kNominalSize, num_classes);
            if (!l.ok()) {
                ++audit.unreadable_files;
                audit.note(f.label_path + ": " + l.error() + " (image skipped)");
                continue;
            }
            audit.objects += static_cast<std::int64_t>(l.value().boxes.size());
            audit.crowd_regions += static_cast<std::int64_t>(l.value().crowd.size());
            for (const Box& b : l.value().boxes) *max_class = std::max(*max_class, b.cls);
            if (l.value().count_mismatch) {
                ++audit.count_mismatches;
                audit.note(f.label_path + ": the count row disagrees with the " +
                           std::to_string(l.value().boxes.size() + l.value().crowd.size() + l.value().dropped.size()) +
                           " object rows (the rows are used)");
            }
            if (l.value().dropped.empty()) continue;
            ++audit.files_with_dropped_rows;
            audit.dropped_rows += static_cast<std::int64_t>(l.value().dropped.size());
            for (const deadzone::DroppedLabelRow& row : l.value().dropped)
                audit.note(f.label_path + ":" + std::to_string(row.line) + ": " + row.reason + " (row dropped)");
        }
    return audit;
}

} // namespace

FileDataset::FileDataset(std::vector<LabeledFile> files, LabelFormat format, std::vector<std::string> class_names)
    : files_(std::move(files)), format_(format), class_names_(std::move(class_names)) {}

deadzone::Result<Sample> FileDataset::get(std::size_t index) const {
    const LabeledFile& f = files_[index];
    deadzone::Result<deadzone::RgbImage> image = deadzone::load_image_file(f.image_path);
    if (!image.ok()) return deadzone::Error{image.error()};
    Sample s;
    s.image = std::move(image).value();
    s.image_id = f.image_id;
    FileLabels labels{f.boxes, f.crowd, {}, false};
    if (format_ != LabelFormat::Coco) {
        deadzone::Result<FileLabels> read = read_labels(f, format_, s.image.width, s.image.height, num_classes());
        if (!read.ok()) return deadzone::Error{f.label_path + ": " + read.error()};
        labels = std::move(read).value();
    }
    // Clipped to the pixels as decoded (COCO files may give no size or another one; WiderPerson boxes
    // may cross the edge); a box with nothing inside the image is not an object of it.
    const float w = static_cast<float>(s.image.width), h = static_cast<float>(s.image.height);
    for (auto [from, to] : {std::pair{&labels.boxes, &s.boxes}, std::pair{&labels.crowd, &s.crowd}})
        for (Box b : *from) {
            b.x1 = std::clamp(b.x1, 0.0f, w), b.x2 = std::clamp(b.x2, 0.0f, w);
            b.y1 = std::clamp(b.y1, 0.0f, h), b.y2 = std::clamp(b.y2, 0.0f, h);
            if (b.x2 > b.x1 && b.y2 > b.y1) to->push_back(b);
        }
    return s;
}

deadzone::Result<DatasetSplit> open_widerperson(const std::string& root, const DataOptions& options) {
    if (!fs::is_directory(root)) return deadzone::Error{"WiderPerson root '" + root + "' is not a folder"};
    if (!fs::is_directory(fs::path(root) / "Images"))
        return deadzone::Error{"WiderPerson root '" + root + "' has no Images/ folder"};
    auto list = [&](const std::string& name) -> deadzone::Result<std::vector<LabeledFile>> {
        const fs::path p = fs::path(root) / name;
        deadzone::Result<std::string> text = read_text(p.string());
        if (!text.ok()) return deadzone::Error{"WiderPerson: cannot read " + p.string()};
        std::vector<LabeledFile> files;
        for (const std::string& id_line : read_lines(text.value())) {
            std::string id = id_line;
            if (fs::path(id).has_extension() && is_image(id)) id = fs::path(id).stem().string();
            const fs::path image = fs::path(root) / "Images" / (id + ".jpg");
            fs::path ann = fs::path(root) / "Annotations" / (id + ".jpg.txt");
            if (!fs::exists(ann)) ann = fs::path(root) / "Annotations" / (id + ".txt");
            files.push_back(labeled_on_disk(image.string(), ann.string()));
        }
        return files;
    };
    auto train = list("train.txt");
    if (!train.ok()) return deadzone::Error{train.error()};
    if (train.value().empty()) return deadzone::Error{"WiderPerson: " + root + "/train.txt lists no images"};
    std::vector<LabeledFile> tr, va;
    if (fs::exists(fs::path(root) / "val.txt")) {
        auto val = list("val.txt");
        if (!val.ok()) return deadzone::Error{val.error()};
        tr = std::move(train).value();
        va = std::move(val).value();
    } else {
        split_by_fraction(std::move(train).value(), options.val_fraction, &tr, &va);
    }
    DatasetSplit s;
    int max_class = -1;
    s.audit = audit_labels({&tr, &va}, LabelFormat::WiderPerson, 1, &max_class);
    s.description =
        "widerperson:" + root + " (" + std::to_string(tr.size()) + " train / " + std::to_string(va.size()) + " val images)";
    s.train = std::make_shared<FileDataset>(std::move(tr), LabelFormat::WiderPerson, std::vector<std::string>{"person"});
    s.val = std::make_shared<FileDataset>(std::move(va), LabelFormat::WiderPerson, std::vector<std::string>{"person"});
    return s;
}

deadzone::Result<DatasetSplit> open_yolo(const std::string& root, const DataOptions& options) {
    const fs::path images = fs::path(root) / "images", labels = fs::path(root) / "labels";
    if (!fs::is_directory(root)) return deadzone::Error{"YOLO root '" + root + "' is not a folder"};
    if (!fs::is_directory(images)) return deadzone::Error{"YOLO root '" + root + "' has no images/ folder"};
    auto collect = [&](const fs::path& dir, const fs::path& label_dir) {
        std::vector<LabeledFile> files;
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.is_regular_file() && is_image(e.path())) {
                files.push_back(labeled_on_disk(e.path().string(), (label_dir / (e.path().stem().string() + ".txt")).string()));
            }
        }
        std::sort(files.begin(), files.end(),
                  [](const LabeledFile& a, const LabeledFile& b) { return a.image_path < b.image_path; });
        return files;
    };
    std::vector<LabeledFile> tr, va;
    if (fs::is_directory(images / "train")) {
        tr = collect(images / "train", labels / "train");
        if (fs::is_directory(images / "val")) va = collect(images / "val", labels / "val");
    } else {
        if (options.all_for_validation) va = collect(images, labels);
        else split_by_fraction(collect(images, labels), options.val_fraction, &tr, &va);
    }
    if (tr.empty() && va.empty()) return deadzone::Error{"YOLO: no images (.jpg/.jpeg/.png/.bmp/.gif) under " + images.string()};

    // Class names: data.yaml's `names` (Ultralytics), else classes.txt, else counted from the labels.
    std::vector<std::string> names;
    for (const char* yaml : {"data.yaml", "data.yml"}) {
        const fs::path file = fs::path(root) / yaml;
        if (!fs::exists(file) || !names.empty()) continue;
        deadzone::Result<std::vector<std::string>> from_yaml = read_data_yaml_names(file.string());
        if (!from_yaml) return deadzone::Error{"YOLO: " + from_yaml.error()};
        names = std::move(from_yaml).value();
    }
    if (names.empty())
        if (auto t = read_text((fs::path(root) / "classes.txt").string()); t.ok()) names = read_lines(t.value());
    // Names known: rows with a class outside them are dropped. Unknown: any class is accepted and the
    // names are class0..classN, N the largest class in the labels.
    int max_class = -1;
    LabelAudit audit = audit_labels({&tr, &va}, LabelFormat::Yolo, static_cast<int>(names.size()), &max_class);
    if (names.empty()) {
        constexpr int kMaxUnnamedClasses = 1000;
        if (max_class >= kMaxUnnamedClasses)
            return deadzone::Error{"YOLO: the labels use class " + std::to_string(max_class) + " and " + root +
                                   " has no data.yaml or classes.txt naming the classes"};
        for (int c = 0; c <= std::max(max_class, 0); ++c) names.push_back("class" + std::to_string(c));
    }
    DatasetSplit s;
    s.audit = std::move(audit);
    s.description = "yolo:" + root + " (" + std::to_string(tr.size()) + " train / " + std::to_string(va.size()) +
                    " val images, " + std::to_string(names.size()) + " classes)";
    s.train = std::make_shared<FileDataset>(std::move(tr), LabelFormat::Yolo, names);
    s.val = std::make_shared<FileDataset>(std::move(va), LabelFormat::Yolo, names);
    return s;
}

deadzone::Result<DatasetSplit> open_coco(const std::string& spec, const DataOptions& options) {
    // "<json>:<dir>": the last ':' that leaves an existing JSON file before it (paths may hold ':').
    std::string json_path = spec, images_dir;
    for (std::size_t colon = spec.rfind(':'); colon != std::string::npos && colon > 0; colon = spec.rfind(':', colon - 1)) {
        if (fs::is_regular_file(spec.substr(0, colon))) {
            json_path = spec.substr(0, colon), images_dir = spec.substr(colon + 1);
            break;
        }
    }
    if (!fs::is_regular_file(json_path)) return deadzone::Error{"COCO: annotations file '" + json_path + "' not found"};
    if (images_dir.empty()) images_dir = fs::path(json_path).parent_path().string();
    if (!fs::is_directory(images_dir)) return deadzone::Error{"COCO: images folder '" + images_dir + "' is not a folder"};
    deadzone::Result<std::string> text = read_text(json_path);
    if (!text.ok()) return deadzone::Error{text.error()};
    deadzone::Result<deadzone::CocoAnnotations> coco = deadzone::parse_coco_annotations(text.value());
    if (!coco.ok()) return deadzone::Error{json_path + ": " + coco.error()};
    const deadzone::CocoAnnotations& c = coco.value();
    LabelAudit audit;
    audit.label_files = static_cast<std::int64_t>(c.images.size());
    audit.dropped_rows = static_cast<std::int64_t>(c.dropped.size());
    audit.files_with_dropped_rows = c.dropped.empty() ? 0 : 1;
    for (const auto& d : c.dropped)
        audit.note(json_path + ": annotation #" + std::to_string(d.index) + ": " + d.reason + " (dropped)");
    std::vector<LabeledFile> files;
    for (const deadzone::CocoImage& im : c.images) {
        LabeledFile f;
        f.image_path = (fs::path(images_dir) / im.file_name).string();
        f.image_id = im.id;
        for (const deadzone::EvalBox& b : im.boxes) (b.crowd ? f.crowd : f.boxes).push_back(training_box(b));
        audit.objects += static_cast<std::int64_t>(f.boxes.size());
        audit.crowd_regions += static_cast<std::int64_t>(f.crowd.size());
        files.push_back(std::move(f));
    }
    if (files.empty()) return deadzone::Error{"COCO: " + json_path + " lists no images"};
    std::vector<LabeledFile> tr, va;
    if (options.all_for_validation) va = std::move(files);
    else split_by_fraction(std::move(files), options.val_fraction, &tr, &va);
    DatasetSplit s;
    s.description = "coco:" + json_path + " (" + std::to_string(tr.size()) + " train / " + std::to_string(va.size()) +
                    " val images, " + std::to_string(c.class_names.size()) + " classes)";
    s.category_ids = c.category_ids;
    s.audit = std::move(audit);
    s.train = std::make_shared<FileDataset>(std::move(tr), LabelFormat::Coco, c.class_names);
    s.val = std::make_shared<FileDataset>(std::move(va), LabelFormat::Coco, c.class_names);
    return s;
}

} // namespace ttfnet
