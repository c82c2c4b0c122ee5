// Writes what core/ makes from an image file, for the Python checks against independent code:
//
//   model_input_dump <image> <input_width> <input_height> <rgb|bgr> <mean r,g,b> <std r,g,b> <out.bin>
//     the model input (tests/core/preprocessing_numpy_check.py: a numpy reimplementation of the
//     preprocessing documented in image_input.h). out.bin: the [1,3,H,W] float32 tensor,
//     little-endian. stdout: the letterbox as one JSON line.
//   model_input_dump --pixels <image> <out.rgb>
//     the decoded pixels (tests/core/jpeg_decode_opencv_check.py: OpenCV's decode of the same file).
//     out.rgb: H x W x 3 bytes, RGB. stdout: {"width": W, "height": H}.
#include "deadzone/image_input.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

bool parse_triple(const char* text, float (&out)[3]) { return std::sscanf(text, "%f,%f,%f", &out[0], &out[1], &out[2]) == 3; }

int dump_pixels(const char* image_path, const char* out_path) {
    deadzone::Result<deadzone::RgbImage> image = deadzone::load_image_file(image_path);
    if (!image.ok()) {
        std::fprintf(stderr, "model_input_dump: %s\n", image.error().c_str());
        return 1;
    }
    const std::vector<std::uint8_t>& px = image.value().pixels;
    std::FILE* out = std::fopen(out_path, "wb");
    const bool written = out && std::fwrite(px.data(), 1, px.size(), out) == px.size();
    if (out) std::fclose(out);
    if (!written) {
        std::fprintf(stderr, "model_input_dump: cannot write %s\n", out_path);
        return 1;
    }
    std::printf("{\"width\": %d, \"height\": %d}\n", image.value().width, image.value().height);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--pixels") return dump_pixels(argv[2], argv[3]);
    if (argc != 8) {
        std::fprintf(stderr,
                     "usage: model_input_dump <image> <input_width> <input_height> <rgb|bgr> <mean r,g,b> <std r,g,b> <out.bin>\n"
                     "       model_input_dump --pixels <image> <out.rgb>\n");
        return 2;
    }
    deadzone::Normalization norm;
    const std::string order = argv[4];
    if ((order != "rgb" && order != "bgr") || !parse_triple(argv[5], norm.mean) || !parse_triple(argv[6], norm.std)) {
        std::fprintf(stderr, "model_input_dump: bad order, mean or std\n");
        return 2;
    }
    norm.order = order == "bgr" ? deadzone::ChannelOrder::Bgr : deadzone::ChannelOrder::Rgb;
    deadzone::Result<deadzone::RgbImage> image = deadzone::load_image_file(argv[1]);
    if (!image.ok()) {
        std::fprintf(stderr, "model_input_dump: %s\n", image.error().c_str());
        return 1;
    }
    const deadzone::ModelInput input = deadzone::make_model_input(image.value(), std::atoi(argv[2]), std::atoi(argv[3]), norm);
    std::FILE* out = std::fopen(argv[7], "wb");
    if (!out || std::fwrite(input.nchw.data(), sizeof(float), input.nchw.size(), out) != input.nchw.size()) {
        std::fprintf(stderr, "model_input_dump: cannot write %s\n", argv[7]);
        if (out) std::fclose(out);
        return 1;
    }
    std::fclose(out);
    const deadzone::Letterbox& lb = input.letterbox;
    std::printf("{\"scale\": %.9g, \"resized_width\": %d, \"resized_height\": %d, \"pad_left\": %d, \"pad_top\": %d}\n",
                static_cast<double>(lb.scale), lb.resized_width, lb.resized_height, lb.pad_left, lb.pad_top);
    return 0;
}
