// libFuzzer harness: a WiderPerson annotation's text (core's parse_widerperson_labels). Seeds in
// tests/fuzz/corpus/widerperson_labels.
#include "deadzone/widerperson_labels.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    deadzone::parse_widerperson_labels(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
