// Label text files as people write them (YOLO .txt, WiderPerson annotations): the row splitting and
// number reading that yolo_labels.cpp and widerperson_labels.cpp share, so both accept the same
// spellings. A UTF-8 BOM, CRLF or CR-less line ends, tabs and trailing blanks, empty rows and numbers
// written with exponents ("1e-3") or as "2.0" all read like the plain file. Internal to core/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deadzone::label_text {

// True when the text holds NUL bytes: an image or a binary file given where labels were expected.
bool is_binary(std::string_view text);

// The row split at blanks (space, tab, CR, VT, FF); empty fields are not produced.
std::vector<std::string_view> split_fields(std::string_view row);

// The whole field as a number (strtod, C locale: "1e-3", "nan" and "inf" included); false otherwise.
bool parse_number(std::string_view field, double& out);

// Every field as a finite number whose magnitude is at most max_magnitude (so it converts to float
// without overflow), into values (resized to fields.size()). Returns "" on success, else the reason
// the row is dropped: "'x' is not a number", "non-finite value 'nan'", "value 1e39 out of range".
std::string parse_finite_numbers(const std::vector<std::string_view>& fields, double max_magnitude, std::vector<double>& values);

// Calls fn(line, fields) for each row with at least one field; line is 1-based, counting every
// '\n'-terminated row of the file. A leading UTF-8 BOM is skipped.
template <typename Fn>
void for_each_row(std::string_view text, Fn fn) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    int line = 0;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        const std::string_view row = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        ++line;
        const std::vector<std::string_view> fields = split_fields(row);
        if (!fields.empty()) fn(line, fields);
    }
}

} // namespace deadzone::label_text
