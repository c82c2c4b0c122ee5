// libFuzzer harness: telemetry bytes as the Replay view reads them (core's TelemetryReader), fed
// whole and again in two pieces split where the input's first byte says (a live run arrives in
// chunks), and through gunzip. Seeds in tests/fuzz/corpus/telemetry.
#include "deadzone/gzip.h"
#include "deadzone/telemetry_reader.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void read_all(std::string_view bytes, std::size_t split) {
    deadzone::telemetry::TelemetryReader reader(1 << 16);
    reader.feed(bytes.substr(0, split));
    reader.feed(bytes.substr(split));
    reader.finish();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    read_all(bytes, bytes.size());
    if (size > 0) read_all(bytes, data[0] % size);
    deadzone::gunzip(bytes, 1 << 20);
    return 0;
}
