#include "label_text.h"

#include <cmath>
#include <cstdlib>

namespace deadzone::label_text {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

} // namespace

bool is_binary(std::string_view text) { return text.find('\0') != std::string_view::npos; }

std::vector<std::string_view> split_fields(std::string_view row) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < row.size()) {
        while (i < row.size() && is_blank(row[i])) ++i;
        const std::size_t start = i;
        while (i < row.size() && !is_blank(row[i])) ++i;
        if (i > start) fields.push_back(row.substr(start, i - start));
    }
    return fields;
}

bool parse_number(std::string_view field, double& out) {
    const std::string text(field);
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size();
}

std::string parse_finite_numbers(const std::vector<std::string_view>& fields, double max_magnitude, std::vector<double>& values) {
    values.resize(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (!parse_number(fields[i], values[i])) return "'" + std::string(fields[i]) + "' is not a number";
        if (!std::isfinite(values[i])) return "non-finite value '" + std::string(fields[i]) + "'";
        if (std::fabs(values[i]) > max_magnitude) return "value " + std::string(fields[i]) + " out of range";
    }
    return {};
}

} // namespace deadzone::label_text
