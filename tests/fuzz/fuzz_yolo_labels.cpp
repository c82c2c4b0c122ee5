// libFuzzer harness: a YOLO label file's text (core's parse_yolo_labels), for a 640x480 image with
// 3 classes and with any class. Seeds in tests/fuzz/corpus/yolo_labels.
#include "deadzone/yolo_labels.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    deadzone::parse_yolo_labels(text, 640, 480, 3);
    deadzone::parse_yolo_labels(text, 1, 1, 0);
    return 0;
}
