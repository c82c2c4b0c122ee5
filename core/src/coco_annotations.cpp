#include "deadzone/coco_annotations.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace deadzone {

namespace {

using json = nlohmann::json;

// An id: an integer, or a float with an integral value (some writers emit 1.0).
bool is_integer(const json& j) {
    if (j.is_number_integer() || j.is_number_unsigned()) return true;
    if (!j.is_number_float()) return false;
    const double v = j.get<double>();
    return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9e15;
}

std::int64_t integer(const json& j) {
    return j.is_number_float() ? static_cast<std::int64_t>(j.get<double>()) : j.get<std::int64_t>();
}

// categories sorted by id -> (class names, category ids), or the error.
Result<CocoAnnotations> read_categories(const json& categories) {
    std::vector<std::pair<std::int64_t, std::string>> list;
    for (const json& c : categories) {
        if (!c.is_object() || !c.contains("id") || !is_integer(c["id"])) return Error{"COCO: a category has no integer `id`"};
        const std::string name = c.contains("name") && c["name"].is_string() ? c["name"].get<std::string>() : "";
        list.emplace_back(integer(c["id"]), name.empty() ? "category" + std::to_string(integer(c["id"])) : name);
    }
    if (list.empty()) return Error{"COCO: `categories` is empty: no classes to detect"};
    std::sort(list.begin(), list.end());
    CocoAnnotations out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i > 0 && list[i].first == list[i - 1].first)
            return Error{"COCO: category id " + std::to_string(list[i].first) + " is given twice"};
        out.category_ids.push_back(list[i].first);
        out.class_names.push_back(list[i].second);
    }
    return out;
}

// An annotation as a box of `image`, or why it is dropped.
Result<EvalBox> read_box(const json& a, const CocoImage& image, int class_index) {
    if (!a.contains("bbox")) return Error{"no bbox"};
    const json& bbox = a["bbox"];
    if (!bbox.is_array() || bbox.size() != 4) return Error{"bbox is not [x, y, w, h]"};
    double v[4];
    for (int k = 0; k < 4; ++k) {
        if (!bbox[static_cast<std::size_t>(k)].is_number()) return Error{"bbox holds a non-number"};
        v[k] = bbox[static_cast<std::size_t>(k)].get<double>();
        if (!std::isfinite(v[k])) return Error{"bbox holds a non-finite number"};
    }
    if (!(v[2] > 0) || !(v[3] > 0)) return Error{"bbox has zero or negative size"};
    double x1 = v[0], y1 = v[1], x2 = v[0] + v[2], y2 = v[1] + v[3];
    if (!std::isfinite(x2) || !std::isfinite(y2) || std::fabs(x1) > 1e9 || std::fabs(y1) > 1e9 || x2 > 1e9 || y2 > 1e9)
        return Error{"bbox is too large to be in an image"};
    if (image.width > 0 && image.height > 0) {
        x1 = std::clamp(x1, 0.0, static_cast<double>(image.width)), x2 = std::clamp(x2, 0.0, static_cast<double>(image.width));
        y1 = std::clamp(y1, 0.0, static_cast<double>(image.height)), y2 = std::clamp(y2, 0.0, static_cast<double>(image.height));
        if (!(x2 > x1) || !(y2 > y1)) return Error{"bbox lies outside the image"};
    }
    EvalBox b;
    b.x1 = static_cast<float>(x1), b.y1 = static_cast<float>(y1), b.x2 = static_cast<float>(x2), b.y2 = static_cast<float>(y2);
    b.class_id = class_index;
    const json empty;
    const json& crowd = a.contains("iscrowd") ? a["iscrowd"] : empty;
    b.crowd = (crowd.is_number() && crowd.get<double>() != 0) || (crowd.is_boolean() && crowd.get<bool>());
    return b;
}

} // namespace

Result<CocoAnnotations> parse_coco_annotations(std::string_view text) {
    const json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) return Error{"COCO: not a JSON file"};
    if (!j.is_object()) return Error{"COCO: the file is not a JSON object with images, annotations and categories"};
    for (const char* key : {"images", "categories"})
        if (!j.contains(key) || !j[key].is_array()) return Error{std::string("COCO: no `") + key + "` array"};
    Result<CocoAnnotations> read = read_categories(j["categories"]);
    if (!read) return read;
    CocoAnnotations out = std::move(read).value();
    std::map<std::int64_t, int> class_of;
    for (std::size_t i = 0; i < out.category_ids.size(); ++i) class_of[out.category_ids[i]] = static_cast<int>(i);

    std::map<std::int64_t, std::size_t> image_at;
    for (const json& im : j["images"]) {
        if (!im.is_object() || !im.contains("id") || !is_integer(im["id"])) return Error{"COCO: an image has no integer `id`"};
        CocoImage image;
        image.id = integer(im["id"]);
        if (!im.contains("file_name") || !im["file_name"].is_string() || im["file_name"].get<std::string>().empty())
            return Error{"COCO: image " + std::to_string(image.id) + " has no `file_name`"};
        image.file_name = im["file_name"].get<std::string>();
        // Relative to the images folder, and inside it.
        if (image.file_name.front() == '/' || image.file_name.find("..") != std::string::npos ||
            image.file_name.find(':') != std::string::npos)
            return Error{"COCO: image " + std::to_string(image.id) + "'s file_name '" + image.file_name +
                         "' leaves the images folder"};
        auto size = [&im](const char* key) { // 0 when absent, negative or absurd
            if (!im.contains(key) || !is_integer(im[key])) return 0;
            const std::int64_t v =
                im[key].is_number_unsigned()
                    ? static_cast<std::int64_t>(std::min<std::uint64_t>(im[key].get<std::uint64_t>(), 1u << 30))
                    : im[key].get<std::int64_t>();
            return v > 0 && v <= (1 << 30) ? static_cast<int>(v) : 0;
        };
        image.width = size("width"), image.height = size("height");
        if (!image_at.emplace(image.id, out.images.size()).second)
            return Error{"COCO: image id " + std::to_string(image.id) + " is given twice"};
        out.images.push_back(std::move(image));
    }

    const json empty = json::array();
    const json& annotations = j.contains("annotations") && j["annotations"].is_array() ? j["annotations"] : empty;
    for (std::size_t i = 0; i < annotations.size(); ++i) {
        const json& a = annotations[i];
        auto drop = [&](std::string why) { out.dropped.push_back({i, std::move(why)}); };
        if (!a.is_object() || !a.contains("image_id") || !is_integer(a["image_id"]) || !a.contains("category_id") ||
            !is_integer(a["category_id"])) {
            drop("no integer image_id and category_id");
            continue;
        }
        const auto image = image_at.find(integer(a["image_id"]));
        const auto cls = class_of.find(integer(a["category_id"]));
        if (image == image_at.end()) {
            drop("unknown image_id " + std::to_string(integer(a["image_id"])));
            continue;
        }
        if (cls == class_of.end()) {
            drop("unknown category_id " + std::to_string(integer(a["category_id"])));
            continue;
        }
        CocoImage& target = out.images[image->second];
        Result<EvalBox> box = read_box(a, target, cls->second);
        if (!box) {
            drop(box.error());
            continue;
        }
        target.boxes.push_back(box.value());
    }
    return out;
}

std::string coco_results_json(const std::vector<CocoImageDetections>& images, const std::vector<std::int64_t>& category_ids) {
    json out = json::array();
    for (const CocoImageDetections& im : images)
        for (const EvalBox& d : im.detections) {
            if (d.class_id < 0 || static_cast<std::size_t>(d.class_id) >= category_ids.size()) continue;
            out.push_back({{"image_id", im.image_id},
                           {"category_id", category_ids[static_cast<std::size_t>(d.class_id)]},
                           {"bbox", {d.x1, d.y1, d.x2 - d.x1, d.y2 - d.y1}},
                           {"score", d.score}});
        }
    return out.dump();
}

} // namespace deadzone
