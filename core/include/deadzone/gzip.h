// gzip decompression of whole files (RFC 1952), for telemetry shipped or saved as .jsonl.gz.
// Uses libdeflate, the inflater core/ already links for PNG.
#pragma once

#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace deadzone {

// True when `bytes` starts with the gzip magic number (1f 8b).
bool is_gzip(std::string_view bytes);

// Decompresses one or more concatenated gzip members. The size comes from each member's ISIZE
// trailer (uncompressed size mod 2^32), so members over 4 GiB are refused, as is a total above
// `max_bytes`. Errors: not gzip, corrupt or truncated data, output over the limit.
Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes = std::size_t(1) << 30);

} // namespace deadzone
