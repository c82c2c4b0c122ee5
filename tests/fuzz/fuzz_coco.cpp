// libFuzzer harness: a COCO annotations file (core's parse_coco_annotations), and the results writer
// over what it read. Seeds in tests/fuzz/corpus/coco.
#include "deadzone/coco_annotations.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    deadzone::Result<deadzone::CocoAnnotations> coco =
        deadzone::parse_coco_annotations(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!coco) return 0;
    std::vector<deadzone::CocoImageDetections> detections;
    for (const deadzone::CocoImage& im : coco.value().images) detections.push_back({im.id, im.boxes});
    deadzone::coco_results_json(detections, coco.value().category_ids);
    return 0;
}
