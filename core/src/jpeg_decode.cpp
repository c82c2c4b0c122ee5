#include "jpeg_decode.h"

#include <csetjmp>
#include <cstdio>
#include <string>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h> // JWRN_JPEG_EOF

namespace deadzone {

namespace {

// libjpeg reports a fatal error by calling error_exit, which must not return: it jumps back to
// decode_jpeg with the message kept. Warnings (emit_message level -1) are counted; the one that says
// the data ended early is remembered, since libjpeg then fills the rest with grey.
struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {};
    bool truncated = false;
};

void on_error_exit(j_common_ptr cinfo) {
    ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; // trace messages
    ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->truncated = true;
    ++cinfo->err->num_warnings;
}

// stb_image's rounded x * y / 255, so CMYK colours stay what they were before libjpeg-turbo.
std::uint8_t multiply_255(unsigned x, unsigned y) {
    const unsigned t = x * y + 128;
    return static_cast<std::uint8_t>((t + (t >> 8)) >> 8);
}

// The scanlines into image->pixels (already sized). No C++ object with a destructor lives here: an
// error longjmps out of libjpeg through this frame.
void read_scanlines(jpeg_decompress_struct* cinfo, RgbImage* image, std::uint8_t* cmyk_row) {
    const bool cmyk = cinfo->out_color_space == JCS_CMYK;
    const std::size_t row_bytes = static_cast<std::size_t>(image->width) * 3;
    while (cinfo->output_scanline < cinfo->output_height) {
        std::uint8_t* out = image->pixels.data() + static_cast<std::size_t>(cinfo->output_scanline) * row_bytes;
        JSAMPROW row = cmyk ? cmyk_row : out;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) break;
        if (!cmyk) continue;
        for (std::size_t x = 0; x < static_cast<std::size_t>(image->width); ++x) {
            const std::uint8_t* p = cmyk_row + x * 4;
            out[x * 3] = multiply_255(p[0], p[3]);
            out[x * 3 + 1] = multiply_255(p[1], p[3]);
            out[x * 3 + 2] = multiply_255(p[2], p[3]);
        }
    }
}

} // namespace

Result<RgbImage> decode_jpeg(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits) {
    // Everything the error path touches is set up before setjmp and not reassigned after it.
    jpeg_decompress_struct cinfo;
    ErrorManager err;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error_exit;
    err.pub.emit_message = on_emit_message;
    RgbImage image;
    std::vector<std::uint8_t> cmyk_row;
    std::string refusal;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return Error{std::string("corrupt JPEG data (") + err.message + ")"};
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, bytes, static_cast<unsigned long>(size));
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        jpeg_destroy_decompress(&cinfo);
        return Error{"corrupt or truncated JPEG header"};
    }
    refusal = pixel_budget_error(cinfo.image_width, cinfo.image_height, limits);
    if (!refusal.empty()) {
        jpeg_destroy_decompress(&cinfo);
        return Error{refusal};
    }
    const bool four = cinfo.num_components == 4;
    cinfo.out_color_space = four ? JCS_CMYK : JCS_RGB; // YCCK is converted to CMYK by libjpeg
    jpeg_start_decompress(&cinfo);
    image.width = static_cast<int>(cinfo.output_width);
    image.height = static_cast<int>(cinfo.output_height);
    image.pixels.resize(static_cast<std::size_t>(image.width) * image.height * 3);
    if (four) cmyk_row.resize(static_cast<std::size_t>(image.width) * 4);
    read_scanlines(&cinfo, &image, cmyk_row.data());
    const bool truncated = err.truncated;
    if (!truncated) jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (truncated) return Error{"truncated JPEG data: the file ends before the image does"};
    return image;
}

} // namespace deadzone
