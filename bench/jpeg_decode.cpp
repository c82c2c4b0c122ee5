// JPEG decode benchmark: core's decoder (libjpeg-turbo) against stb_image (the alternative it was
// chosen over), side by side in one process, on a phone-sized JPEG made from a shipped photo.
// Built natively (deadzone-jpeg-bench: Debian's libjpeg-turbo with its x86 SIMD) and as wasm for Node
// (build/wasm/bench/jpeg_decode_bench.cjs: the explorer's build, libjpeg-turbo without SIMD, run by
// V8 as in Chromium).
//
//   deadzone-jpeg-bench [IMAGE.png|.jpg] [REPEATS]
//
// A PNG is upscaled to 4032x3024 (a 12 MP phone photo) and written as a 4:2:0 JPEG at quality 85
// with stb_image_write; a JPEG is decoded as it is. Prints the median time of each decoder, their
// ratio, and how far stb_image's pixels are from libjpeg-turbo's (PIL, OpenCV and torchvision give
// libjpeg-turbo's).
#include "deadzone/image_input.h"

// A private copy of stb_image with JPEG enabled (core's copy decodes only BMP and GIF), all static.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#include <stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void append_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

// The test JPEG: the file itself, or a PNG upscaled to 12 MP and encoded.
std::vector<std::uint8_t> make_jpeg(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (deadzone::sniff_image_format(bytes.data(), bytes.size()) == deadzone::ImageFormat::Jpeg) return bytes;
    deadzone::Result<deadzone::RgbImage> photo = deadzone::decode_image(bytes.data(), bytes.size());
    if (!photo) {
        std::fprintf(stderr, "error: %s: %s\n", path.c_str(), photo.error().c_str());
        std::exit(1);
    }
    const deadzone::RgbImage big = deadzone::resize_bilinear(photo.value(), 4032, 3024);
    std::vector<std::uint8_t> jpeg;
    stbi_write_jpg_to_func(append_bytes, &jpeg, big.width, big.height, 3, big.pixels.data(), 85);
    return jpeg;
}

} // namespace

int main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : DEADZONE_BENCH_DEFAULT_IMAGE;
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
    const std::vector<std::uint8_t> jpeg = make_jpeg(path);
    std::vector<double> core_ms, stb_ms;
    deadzone::RgbImage core_pixels;
    std::vector<std::uint8_t> stb_pixels;
    int width = 0, height = 0;
    for (int r = 0; r < repeats; ++r) { // interleaved, so both see the same machine state
        Clock::time_point t0 = Clock::now();
        deadzone::Result<deadzone::RgbImage> decoded = deadzone::decode_image(jpeg.data(), jpeg.size());
        core_ms.push_back(ms_since(t0));
        if (!decoded) {
            std::fprintf(stderr, "error: core: %s\n", decoded.error().c_str());
            return 1;
        }
        core_pixels = std::move(decoded).value();
        t0 = Clock::now();
        int channels = 0;
        stbi_uc* p = stbi_load_from_memory(jpeg.data(), static_cast<int>(jpeg.size()), &width, &height, &channels, 3);
        stb_ms.push_back(ms_since(t0));
        if (!p) {
            std::fprintf(stderr, "error: stb_image: %s\n", stbi_failure_reason());
            return 1;
        }
        stb_pixels.assign(p, p + static_cast<std::size_t>(width) * height * 3);
        stbi_image_free(p);
    }
    int worst = 0;
    std::size_t differing = 0;
    for (std::size_t i = 0; i < stb_pixels.size() && i < core_pixels.pixels.size(); ++i) {
        const int d = std::abs(int{stb_pixels[i]} - int{core_pixels.pixels[i]});
        worst = std::max(worst, d);
        differing += d != 0;
    }
    std::printf("jpeg: %dx%d, %zu bytes, %d runs each, interleaved\n", width, height, jpeg.size(), repeats);
    std::printf("libjpeg-turbo (core): %8.1f ms median\n", median(core_ms));
    std::printf("stb_image:            %8.1f ms median\n", median(stb_ms));
    std::printf("ratio libjpeg-turbo / stb_image: %.2f\n", median(core_ms) / median(stb_ms));
    std::printf("stb_image vs libjpeg-turbo pixels: %.1f%% of bytes differ, by up to %d levels\n",
                100.0 * static_cast<double>(differing) / static_cast<double>(std::max<std::size_t>(1, stb_pixels.size())), worst);
    return 0;
}
