#include "deadzone/text_list.h"

#include <cmath>
#include <cstdlib>

namespace deadzone {

std::vector<std::string> split_comma_list(std::string_view text) {
    std::vector<std::string> items;
    if (text.empty()) return items;
    for (std::size_t start = 0;;) {
        const std::size_t comma = text.find(',', start);
        items.emplace_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return items;
}

Result<std::vector<double>> parse_number_list(std::string_view text) {
    std::vector<double> numbers;
    const std::vector<std::string> items = split_comma_list(text);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const char* begin = items[i].c_str();
        char* end = nullptr;
        const double v = std::strtod(begin, &end);
        if (end == begin || *end != '\0' || !std::isfinite(v))
            return Error{"item " + std::to_string(i + 1) + " of '" + std::string(text) + "' is not a number"};
        numbers.push_back(v);
    }
    return numbers;
}

} // namespace deadzone
