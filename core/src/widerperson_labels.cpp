#include "deadzone/widerperson_labels.h"

#include "label_text.h"

#include <cmath>
#include <string>

namespace deadzone {

namespace {

// One object row into labels, or the reason it is dropped (empty: kept).
std::string parse_object_row(const std::vector<std::string_view>& fields, WiderPersonLabels& labels) {
    if (fields.size() != 5) return std::to_string(fields.size()) + " values: expected 5 (label x1 y1 x2 y2)";
    // Pixel coordinates: anything beyond 1e7 is not an image position, and would not fit a float.
    constexpr double kMaxCoordinate = 1e7;
    std::vector<double> v;
    if (std::string reason = label_text::parse_finite_numbers(fields, kMaxCoordinate, v); !reason.empty()) return reason;
    if (v[0] != std::floor(v[0]) || v[0] < 1 || v[0] > 5) return "label '" + std::string(fields[0]) + "' is not one of 1-5";
    if (!(v[3] > v[1]) || !(v[4] > v[2])) return "zero or negative size";
    EvalBox b;
    b.x1 = static_cast<float>(v[1]), b.y1 = static_cast<float>(v[2]), b.x2 = static_cast<float>(v[3]),
    b.y2 = static_cast<float>(v[4]);
    if (!(b.x2 > b.x1) || !(b.y2 > b.y1)) return "zero or negative size"; // equal once rounded to float
    b.crowd = v[0] >= 4;
    (b.crowd ? labels.crowd : labels.boxes).push_back(b);
    return {};
}

} // namespace

Result<WiderPersonLabels> parse_widerperson_labels(std::string_view text) {
    if (label_text::is_binary(text)) return Error{"not a WiderPerson annotation: it holds binary data"};
    WiderPersonLabels labels;
    bool have_count = false;
    std::string bad_count;
    label_text::for_each_row(text, [&](int line, const std::vector<std::string_view>& fields) {
        if (!have_count) {
            have_count = true;
            double count = -1;
            if (fields.size() != 1 || !label_text::parse_number(fields[0], count) || !(count >= 0) ||
                count != std::floor(count) || count > 1e9) {
                std::string row;
                for (std::string_view f : fields) row += (row.empty() ? "" : " ") + std::string(f);
                bad_count = row;
                return;
            }
            labels.declared_count = static_cast<long long>(count);
            return;
        }
        if (!bad_count.empty()) return;
        ++labels.object_rows;
        std::string reason = parse_object_row(fields, labels);
        if (!reason.empty()) labels.dropped.push_back({line, std::move(reason)});
    });
    if (!have_count) return Error{"empty annotation (no object count)"};
    if (!bad_count.empty()) return Error{"the first row must be the object count, got '" + bad_count.substr(0, 60) + "'"};
    return labels;
}

} // namespace deadzone
