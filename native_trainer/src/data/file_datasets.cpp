#include "ttfnet/data/file_datasets.h"

#include "ttfnet/data/data_yaml.h"

#include "deadzone/coco_annotations.h"
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

} // namespace

FileDataset::FileDataset(std::vector<LabeledFile> files, LabelFormat format, std::vector<std::string> class_names)
    : files_(std::move(files)), format_(format), class_names_(std::move(class_names)) {}

deadzone::Result<WiderPersonBoxes> parse_widerperson_annotation(const std::string& text) {
    const std::vector<std::string> lines = read_lines(text);
    if (lines.empty()) return deadzone::Error{"empty annotation"};
    long count = -1;
    {
        std::istringstream s(lines[0]);
        if (!(s >> count) || count < 0) return deadzone::Error{"first line must be the object count, got '" + lines[0] + "'"};
    }
    if (static_cast<std::size_t>(count) != lines.size() - 1) {
        return deadzone::Error{"object count " + std::to_string(count) + " but " + std::to_string(lines.size() - 1) + " box lines"};
    }
    WiderPersonBoxes out;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::istringstream s(lines[i]);
        int label = 0;
        float x1, y1, x2, y2;
        if (!(s >> label >> x1 >> y1 >> x2 >> y2)) return deadzone::Error{"bad box line " + std::to_string(i + 1) + ": '" + lines[i] + "'"};
        if (label < 1 || label > 5) return deadzone::Error{"unknown label " + std::to_string(label) + " on line " + std::to_string(i + 1)};
        if (!(x2 > x1) || !(y2 > y1)) continue;
        (label >= 4 ? out.crowd : out.boxes).push_back(Box{x1, y1, x2, y2, 0});
    }
    return out;
}

deadzone::Result<std::vector<Box>> yolo_boxes_for_training(const std::string& text, int w, int h, int num_classes) {
    // core/'s reader drops bad rows and keeps the rest; training refuses the image instead (a wrong
    // label must not train silently), except for zero-area rows, which are not objects to learn.
    deadzone::Result<deadzone::YoloLabels> labels = deadzone::parse_yolo_labels(text, w, h, num_classes);
    if (!labels.ok()) return deadzone::Error{labels.error()};
    for (const deadzone::DroppedLabelRow& row : labels.value().dropped)
        if (row.reason != "zero area") return deadzone::Error{"line " + std::to_string(row.line) + ": " + row.reason};
    std::vector<Box> boxes;
    for (const deadzone::EvalBox& b : labels.value().boxes) boxes.push_back(Box{b.x1, b.y1, b.x2, b.y2, b.class_id});
    return boxes;
}

deadzone::Result<Sample> FileDataset::get(std::size_t index) const {
    const LabeledFile& f = files_[index];
    deadzone::Result<deadzone::RgbImage> image = deadzone::load_image_file(f.image_path);
    if (!image.ok()) return deadzone::Error{image.error()};
    Sample s;
    s.image = std::move(image).value();
    s.image_id = f.image_id;
    if (format_ == LabelFormat::Coco) {
        // Clipped to the pixels as decoded: the file may not give the size, or give another one.
        const float w = static_cast<float>(s.image.width), h = static_cast<float>(s.image.height);
        for (auto [from, to] : {std::pair{&f.boxes, &s.boxes}, std::pair{&f.crowd, &s.crowd}})
            for (Box b : *from) {
                b.x1 = std::clamp(b.x1, 0.0f, w), b.x2 = std::clamp(b.x2, 0.0f, w);
                b.y1 = std::clamp(b.y1, 0.0f, h), b.y2 = std::clamp(b.y2, 0.0f, h);
                if (b.x2 > b.x1 && b.y2 > b.y1) to->push_back(b);
            }
        return s;
    }
    std::string text;
    if (format_ == LabelFormat::WiderPerson || fs::exists(f.label_path)) {
        deadzone::Result<std::string> t = read_text(f.label_path);
        if (!t.ok()) return deadzone::Error{t.error()};
        text = t.value();
    }
    if (format_ == LabelFormat::WiderPerson) {
        deadzone::Result<WiderPersonBoxes> parsed = parse_widerperson_annotation(text);
        if (!parsed.ok()) return deadzone::Error{f.label_path + ": " + parsed.error()};
        s.boxes = std::move(parsed.value().boxes);
        s.crowd = std::move(parsed.value().crowd);
        return s;
    }
    deadzone::Result<std::vector<Box>> boxes = yolo_boxes_for_training(text, s.image.width, s.image.height, num_classes());
    if (!boxes.ok()) return deadzone::Error{f.label_path + ": " + boxes.error()};
    s.boxes = std::move(boxes).value();
    return s;
}

deadzone::Result<DatasetSplit> open_widerperson(const std::string& root, const DataOptions& options) {
    if (!fs::is_directory(root)) return deadzone::Error{"WiderPerson root '" + root + "' is not a folder"};
    if (!fs::is_directory(fs::path(root) / "Images")) return deadzone::Error{"WiderPerson root '" + root + "' has no Images/ folder"};
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
    s.description = "widerperson:" + root + " (" + std::to_string(tr.size()) + " train / " + std::to_string(va.size()) + " val images)";
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
        std::sort(files.begin(), files.end(), [](const LabeledFile& a, const LabeledFile& b) { return a.image_path < b.image_path; });
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
    if (names.empty()) {
        // Class count from the labels: the largest class id seen, + 1.
        int max_cls = 0;
        for (const auto* list : {&tr, &va}) {
            for (const LabeledFile& f : *list) {
                auto t = read_text(f.label_path);
                if (!t.ok()) continue;
                for (const std::string& line : read_lines(t.value())) {
                    std::istringstream s(line);
                    int c = 0;
                    if (s >> c) max_cls = std::max(max_cls, std::min(c, 999));
                }
            }
        }
        for (int c = 0; c <= max_cls; ++c) names.push_back("class" + std::to_string(c));
    }
    DatasetSplit s;
    s.description = "yolo:" + root + " (" + std::to_string(tr.size()) + " train / " + std::to_string(va.size()) + " val images, " +
                    std::to_string(names.size()) + " classes)";
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
    if (!c.dropped.empty())
        std::fprintf(stderr, "warning: %s: %zu annotations dropped (first: #%zu, %s)\n", json_path.c_str(), c.dropped.size(),
                     c.dropped[0].index, c.dropped[0].reason.c_str());
    std::vector<LabeledFile> files;
    for (const deadzone::CocoImage& im : c.images) {
        LabeledFile f;
        f.image_path = (fs::path(images_dir) / im.file_name).string();
        f.image_id = im.id;
        for (const deadzone::EvalBox& b : im.boxes) (b.crowd ? f.crowd : f.boxes).push_back(Box{b.x1, b.y1, b.x2, b.y2, b.class_id});
        files.push_back(std::move(f));
    }
    if (files.empty()) return deadzone::Error{"COCO: " + json_path + " lists no images"};
    std::vector<LabeledFile> tr, va;
    if (options.all_for_validation) va = std::move(files);
    else split_by_fraction(std::move(files), options.val_fraction, &tr, &va);
    DatasetSplit s;
    s.description = "coco:" + json_path + " (" + std::to_string(tr.size()) + " train / " + std::to_string(va.size()) + " val images, " +
                    std::to_string(c.class_names.size()) + " classes)";
    s.category_ids = c.category_ids;
    s.train = std::make_shared<FileDataset>(std::move(tr), LabelFormat::Coco, c.class_names);
    s.val = std::make_shared<FileDataset>(std::move(va), LabelFormat::Coco, c.class_names);
    return s;
}

} // namespace ttfnet
