#include "deadzone/file_names.h"

namespace deadzone {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

} // namespace

bool ends_with(std::string_view name, std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

bool has_extension(std::string_view name, std::string_view extension) {
    if (name.size() < extension.size()) return false;
    const std::string_view tail = name.substr(name.size() - extension.size());
    for (std::size_t i = 0; i < tail.size(); ++i)
        if (ascii_lower(tail[i]) != ascii_lower(extension[i])) return false;
    return true;
}

std::string base_name(std::string_view url_or_path) {
    const std::size_t slash = url_or_path.find_last_of('/');
    return std::string(slash == std::string_view::npos ? url_or_path : url_or_path.substr(slash + 1));
}

std::string model_stem(std::string_view file_name) {
    constexpr std::string_view kSuffix = ".onnx";
    if (file_name.size() > kSuffix.size() && has_extension(file_name, kSuffix)) file_name.remove_suffix(kSuffix.size());
    return std::string(file_name);
}

} // namespace deadzone
