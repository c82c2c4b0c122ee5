#include "jpeg_decode.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h> // JWRN_JPEG_EOF

namespace deadzone {

namespace {

// A crafted progressive file can hold thousands of tiny scans, each a full pass over the image's
// coefficients (minutes of decoding). Real encoders write about 10; TurboJPEG's own API refuses more
// than 500, as here.
constexpr int kMaxProgressiveScans = 500;

// libjpeg reports a fatal error by calling error_exit, which must not return: it jumps back to
// decode_into with the message kept. Warnings (emit_message level -1) are counted; the one that says
// the data ended early is remembered, since libjpeg then fills the rest with grey.
struct ErrorManager {
    jpeg_error_mgr pub;
    jpeg_progress_mgr progress;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {};
    bool refused = false;                   // message is ours, not libjpeg's
    bool truncated = false;                 // JWRN_JPEG_EOF seen...
    bool truncated_before_last_row = false; // ...before the last row of MCUs was being read, or in a
                                            // multi-scan (progressive) file, where it means scans are missing
};

void on_error_exit(j_common_ptr cinfo) {
    ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; // trace messages
    ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    if (cinfo->err->msg_code == JWRN_JPEG_EOF && !err->truncated) {
        err->truncated = true;
        const auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
        const bool multi_scan = d->progressive_mode || (d->comps_in_scan > 0 && d->comps_in_scan < d->num_components);
        err->truncated_before_last_row = multi_scan || d->input_iMCU_row + 1 < d->total_iMCU_rows;
    }
    ++cinfo->err->num_warnings;
}

void on_progress(j_common_ptr cinfo) {
    const auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
    if (d->input_scan_number <= kMaxProgressiveScans) return;
    ErrorManager* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans: not decoded", kMaxProgressiveScans);
    err->refused = true;
    std::longjmp(err->jump, 1);
}

// stb_image's rounded x * y / 255, so CMYK colours stay what they were before libjpeg-turbo.
std::uint8_t multiply_255(unsigned x, unsigned y) {
    const unsigned t = x * y + 128;
    return static_cast<std::uint8_t>((t + (t >> 8)) >> 8);
}

// The scanlines into image->pixels (already sized); cmyk_row: one row of 4-byte pixels from libjpeg's
// pool when the output is CMYK. No C++ object with a destructor lives here: an error longjmps out of
// libjpeg through this frame.
void read_scanlines(jpeg_decompress_struct* cinfo, RgbImage* image, JSAMPROW cmyk_row) {
    const std::size_t row_bytes = static_cast<std::size_t>(image->width) * 3;
    while (cinfo->output_scanline < cinfo->output_height) {
        std::uint8_t* out = image->pixels.data() + static_cast<std::size_t>(cinfo->output_scanline) * row_bytes;
        JSAMPROW row = cmyk_row ? cmyk_row : out;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) break;
        if (!cmyk_row) continue;
        for (std::size_t x = 0; x < static_cast<std::size_t>(image->width); ++x) {
            const std::uint8_t* p = cmyk_row + x * 4;
            out[x * 3] = multiply_255(p[0], p[3]);
            out[x * 3 + 1] = multiply_255(p[1], p[3]);
            out[x * 3 + 2] = multiply_255(p[2], p[3]);
        }
    }
}

// The decode proper. Everything it changes after setjmp lives in the caller's frame (image, error)
// or in libjpeg's structures, never in this frame's locals, so a longjmp leaves nothing
// indeterminate and skips no destructor. Returns false with *error set on failure.
bool decode_into(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits, RgbImage* image, std::string* error) {
    jpeg_decompress_struct cinfo;
    ErrorManager err;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error_exit;
    err.pub.emit_message = on_emit_message;
    err.progress.progress_monitor = on_progress;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        *error = err.refused ? std::string(err.message) : std::string("corrupt JPEG data (") + err.message + ")";
        return false;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &err.progress;
    jpeg_mem_src(&cinfo, bytes, static_cast<unsigned long>(size));
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        jpeg_destroy_decompress(&cinfo);
        *error = "corrupt or truncated JPEG header";
        return false;
    }
    *error = pixel_budget_error(cinfo.image_width, cinfo.image_height, limits);
    if (!error->empty()) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    const bool cmyk = cinfo.num_components == 4;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB; // YCCK is converted to CMYK by libjpeg
    jpeg_start_decompress(&cinfo);
    image->width = static_cast<int>(cinfo.output_width);
    image->height = static_cast<int>(cinfo.output_height);
    image->pixels.resize(static_cast<std::size_t>(image->width) * image->height * 3);
    JSAMPARRAY cmyk_rows =
        cmyk ? (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE, cinfo.output_width * 4, 1)
             : nullptr;
    read_scanlines(&cinfo, image, cmyk_rows ? cmyk_rows[0] : nullptr);
    // The data ended before the last row of MCUs (or, in a progressive file, before the end): libjpeg
    // has filled the rest with grey. A baseline file whose data ends in its last row of MCUs is
    // accepted: that is how a file missing only its final EOI marker (as some cameras write it) looks
    // once the Huffman decoder has read ahead, and at worst its last 8-16 rows are grey.
    const bool rows_missing = err.truncated_before_last_row;
    if (!rows_missing && !err.truncated) jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (rows_missing) {
        *error = "truncated JPEG data: the file ends before the image does";
        return false;
    }
    return true;
}

} // namespace

Result<RgbImage> decode_jpeg(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits) {
    RgbImage image;
    std::string error;
    if (!decode_into(bytes, size, limits, &image, &error)) return Error{error};
    return image;
}

} // namespace deadzone
