#include "deadzone/gzip.h"

#include <libdeflate.h>

#include <memory>

namespace deadzone {

bool is_gzip(std::string_view bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes) {
    if (!is_gzip(bytes)) return Error{"not gzip data (no 1f 8b magic)"};
    std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(libdeflate_alloc_decompressor(),
                                                                                        &libdeflate_free_decompressor);
    if (!d) return Error{"out of memory for the gzip decompressor"};
    std::string out;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string_view member = bytes.substr(at);
        if (!is_gzip(member)) break; // trailing padding after the last member (some tools write zeros)
        if (member.size() < 18) return Error{"gzip data is truncated"};
        const auto* tail = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 4);
        // Each member's own ISIZE is only known after inflating it; the last member's trailer bounds
        // a single-member file exactly, and a multi-member one is grown until it fits.
        std::size_t guess =
            std::size_t(tail[0]) | std::size_t(tail[1]) << 8 | std::size_t(tail[2]) << 16 | std::size_t(tail[3]) << 24;
        if (guess == 0) guess = member.size() * 4;
        for (;;) {
            if (out.size() + guess > max_bytes)
                return Error{"gzip data inflates to more than " + std::to_string(max_bytes >> 20) + " MB"};
            const std::size_t base = out.size();
            out.resize(base + guess);
            std::size_t in_used = 0, out_used = 0;
            const libdeflate_result r = libdeflate_gzip_decompress_ex(d.get(), member.data(), member.size(), out.data() + base,
                                                                      guess, &in_used, &out_used);
            if (r == LIBDEFLATE_SUCCESS) {
                out.resize(base + out_used);
                at += in_used;
                break;
            }
            out.resize(base);
            if (r != LIBDEFLATE_INSUFFICIENT_SPACE) return Error{"gzip data is corrupt or truncated"};
            guess *= 2;
        }
    }
    return out;
}

} // namespace deadzone
