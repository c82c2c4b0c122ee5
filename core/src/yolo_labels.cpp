#include "deadzone/yolo_labels.h"

#include "label_text.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

namespace {

constexpr double kMaxClassId = 1 << 20; // far above any real label set, far below int overflow

// One row's object, or the reason it is dropped (empty reason: the row is an object).
std::string parse_row(const std::vector<std::string_view>& fields, int width, int height, int num_classes, YoloLabels& labels) {
    std::vector<double> v;
    // Far above any class id or normalised coordinate; the range checks below give the reasons.
    if (std::string reason = label_text::parse_finite_numbers(fields, 1e30, v); !reason.empty()) return reason;
    const double cls = v[0];
    if (cls < 0 || cls != std::floor(cls)) return "class '" + std::string(fields[0]) + "' is not a non-negative integer";
    if (cls > kMaxClassId) return "class '" + std::string(fields[0]) + "' is too large";
    if (num_classes > 0 && cls >= num_classes)
        return "class " + std::to_string(static_cast<long long>(cls)) + " out of range (" + std::to_string(num_classes) +
               " classes)";
    const std::size_t n = v.size() - 1;
    const bool box = n == 4 || n == 5, polygon = n >= 6 && n % 2 == 0;
    if (!box && !polygon)
        return std::to_string(n) + " values after the class: expected 4 (cx cy w h), 5 (cx cy w h confidence) or an even number "
                                   ">= 6 (polygon x y pairs)";
    for (std::size_t i = 1; i <= (box ? 4 : n); ++i)
        if (v[i] < 0 || v[i] > 1) return "value " + std::string(fields[i]) + " outside [0, 1]";
    double x1, y1, x2, y2;
    if (box) {
        x1 = v[1] - v[3] / 2, y1 = v[2] - v[4] / 2, x2 = v[1] + v[3] / 2, y2 = v[2] + v[4] / 2;
    } else {
        x1 = x2 = v[1], y1 = y2 = v[2];
        for (std::size_t i = 1; i + 1 <= n; i += 2) {
            x1 = std::min(x1, v[i]), x2 = std::max(x2, v[i]);
            y1 = std::min(y1, v[i + 1]), y2 = std::max(y2, v[i + 1]);
        }
    }
    // Clipped to the image, as predictions are: a box written past the edge covers only the image.
    EvalBox b;
    b.x1 = static_cast<float>(std::max(0.0, x1) * width), b.y1 = static_cast<float>(std::max(0.0, y1) * height);
    b.x2 = static_cast<float>(std::min(1.0, x2) * width), b.y2 = static_cast<float>(std::min(1.0, y2) * height);
    b.class_id = static_cast<int>(cls);
    if (!(b.x2 > b.x1) || !(b.y2 > b.y1)) return "zero area";
    labels.boxes.push_back(b);
    labels.polygon_rows += polygon ? 1 : 0;
    labels.confidence_rows += n == 5 ? 1 : 0;
    return {};
}

} // namespace

Result<YoloLabels> parse_yolo_labels(std::string_view text, int image_width, int image_height, int num_classes) {
    if (image_width <= 0 || image_height <= 0) return Error{"labels: the image has no pixels"};
    if (label_text::is_binary(text)) return Error{"not a YOLO label file: it holds binary data"};
    YoloLabels labels;
    label_text::for_each_row(text, [&](int line, const std::vector<std::string_view>& fields) {
        std::string reason = parse_row(fields, image_width, image_height, num_classes, labels);
        if (!reason.empty()) labels.dropped.push_back({line, std::move(reason)});
    });
    return labels;
}

} // namespace deadzone
