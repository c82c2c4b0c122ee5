// Telemetry load benchmark: how fast core/ parses a telemetry file and how much memory a loaded run
// holds (the Replay view's budget: load >= 100 MB/s, memory <= 1.5x the file). Built natively
// (deadzone-telemetry-bench) and as wasm for Node (build/wasm/bench/telemetry_load_bench.cjs), so
// both the trainer's side and the browser's code are measured on the same file.
//
//   deadzone-telemetry-bench FILE [REPEATS]
//
// Prints one line per measure; bench/replay_bench.mjs makes a long file and runs both.
#include "deadzone/run_columns.h"
#include "deadzone/telemetry_reader.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// Bytes in use on the heap (small blocks plus large mmapped ones).
double heap_in_use() {
#ifdef __EMSCRIPTEN__
    const struct mallinfo m = mallinfo();
#else
    const struct mallinfo2 m = mallinfo2();
#endif
    return static_cast<double>(m.uordblks) + static_cast<double>(m.hblkhd);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: deadzone-telemetry-bench FILE [REPEATS]\n");
        return 2;
    }
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    std::ifstream f(argv[1], std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "error: cannot open %s\n", argv[1]);
        return 1;
    }
    std::ostringstream buffer;
    buffer << f.rdbuf();
    const std::string text = buffer.str();
    const double mb = static_cast<double>(text.size()) / 1e6;

    double best = 1e30;
    std::size_t records = 0;
    double held = 0, held_columns = 0;
    for (int r = 0; r < repeats; ++r) {
        const double before = heap_in_use();
        const auto t0 = std::chrono::steady_clock::now();
        deadzone::telemetry::TelemetryReader reader;
        reader.feed(text);
        reader.finish();
        best = std::min(best, seconds_since(t0));
        if (reader.refused()) {
            std::fprintf(stderr, "error: %s\n", reader.error().c_str());
            return 1;
        }
        held = heap_in_use() - before;
        deadzone::telemetry::RunColumns columns;
        deadzone::telemetry::extend_columns(reader.run(), columns);
        held_columns = heap_in_use() - before - held;
        records = reader.run().steps.size();
    }
    std::printf("file: %.1f MB, %zu step records\n", mb, records);
    std::printf("parse: %.3f s best of %d = %.1f MB/s\n", best, repeats, mb / best);
    std::printf("memory held by the parsed run: %.1f MB = %.2fx the file (plus plot columns %.1f MB = %.2fx)\n", held / 1e6,
                held / 1e6 / mb, held_columns / 1e6, (held + held_columns) / 1e6 / mb);
    return 0;
}
