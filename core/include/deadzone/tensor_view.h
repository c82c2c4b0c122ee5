// Non-owning views over the float tensors that flow between the models and core/.
//
// Models emit contiguous NCHW floats (LibTorch tensors in the trainer, ORT Web output buffers in
// the browser). core/ never owns those buffers; it reads them through these views so that the same
// code runs on both sides without copies.
#pragma once

#include <cstddef>
#include <cstdint>

namespace deadzone {

// A [channels, height, width] tensor stored contiguously, row-major.
struct ChwView {
    const float* data = nullptr;
    int channels = 0;
    int height = 0;
    int width = 0;

    std::size_t plane_size() const { return static_cast<std::size_t>(height) * width; }
    std::size_t size() const { return plane_size() * channels; }
    const float* plane(int c) const { return data + plane_size() * c; }
    float at(int c, int y, int x) const { return plane(c)[static_cast<std::size_t>(y) * width + x]; }
};

// A [batch, channels, spatial] tensor stored contiguously, row-major (spatial = H*W flattened).
struct NcsView {
    const float* data = nullptr;
    int batch = 0;
    int channels = 0;
    std::int64_t spatial = 0;

    const float* plane(int n, int c) const { return data + (static_cast<std::int64_t>(n) * channels + c) * spatial; }
};

} // namespace deadzone
