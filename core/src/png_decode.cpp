#include "png_decode.h"

#include <spng.h>

#include <memory>
#include <string>

namespace deadzone {

namespace {

using SpngContext = std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)>;

// Ancillary chunks (text, ICC profiles) are parsed and kept by libspng; a file cannot make it hold
// more than this for them. The pixel data is bounded by the pixel budget instead.
constexpr std::size_t kMaxAncillaryBytes = 16u << 20;

std::string corrupt(const char* what, int spng_error) {
    return std::string("corrupt or truncated PNG ") + what + " (" + spng_strerror(spng_error) + ")";
}

} // namespace

Result<RgbImage> decode_png(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits) {
    SpngContext ctx(spng_ctx_new(0), spng_ctx_free);
    if (!ctx) return Error{"out of memory for the PNG decoder"};
    // Chunk CRCs stay checked (libspng's default): a damaged file is refused, not shown with a
    // damaged band of pixels.
    spng_set_chunk_limits(ctx.get(), kMaxAncillaryBytes, kMaxAncillaryBytes);
    spng_set_png_buffer(ctx.get(), bytes, size);

    // The header only, so an oversized image is refused before a single pixel is allocated.
    spng_ihdr ihdr{};
    if (const int e = spng_get_ihdr(ctx.get(), &ihdr)) {
        if (e == SPNG_EWIDTH || e == SPNG_EHEIGHT)
            return Error{std::string("the PNG image has no pixels or an invalid size (") + spng_strerror(e) + ")"};
        return Error{corrupt("header", e)};
    }
    if (std::string refusal = pixel_budget_error(ihdr.width, ihdr.height, limits); !refusal.empty())
        return Error{refusal};

    std::size_t out_size = 0;
    if (const int e = spng_decoded_image_size(ctx.get(), SPNG_FMT_RGB8, &out_size)) return Error{corrupt("header", e)};
    RgbImage image;
    image.width = static_cast<int>(ihdr.width);
    image.height = static_cast<int>(ihdr.height);
    image.pixels.resize(out_size);
    if (const int e = spng_decode_image(ctx.get(), image.pixels.data(), out_size, SPNG_FMT_RGB8, 0))
        return Error{corrupt("data", e)};
    return image;
}

} // namespace deadzone
