// libFuzzer harness: image bytes as a user drops them (PNG, JPEG with EXIF, BMP variants, GIF) through
// core's decode_image and, when they decode, the letterbox into a model input. Run by
// scripts/fuzz.sh; seeds in tests/fuzz/corpus/image_decode.
#include "deadzone/image_input.h"
#include "deadzone/jpeg_header.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    deadzone::read_jpeg_header(data, size);
    // A small pixel budget: the fuzzer looks for crashes, not for the cost of a legal 50 MP image
    // (the budget check itself runs before any pixel is allocated, whatever its value).
    deadzone::Result<deadzone::RgbImage> image = deadzone::decode_image(data, size, deadzone::ImageLimits{100'000});
    if (image) deadzone::make_model_input(image.value(), 32, 24);
    return 0;
}
