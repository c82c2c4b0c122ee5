// Incremental reading of DeadZone telemetry (the JSON Lines format in telemetry.h).
//
// Lines are parsed with simdjson, which reads a long run several times faster than a DOM parse with
// nlohmann::json, natively and as wasm (bench/replay_bench.mjs; figures in the README). Bytes go in
// as they arrive (a file read in chunks, or a run that ttfnet-train is still writing) and each
// complete line becomes a record in run() at once; what was parsed is never parsed again.
// The rules for bad input (the explorer shows them to the user):
//   - the first non-blank line must be a DeadZone telemetry header; anything else (another JSON
//     Lines file, a binary, an unsupported version) refuses the whole input: refused() and error();
//   - after the header, a line that is not valid JSON, a record with a missing or mistyped field or
//     without a "type", and a step record whose step is not after the previous one are skipped and
//     counted (Run::skipped_lines, with the first one's line number and why);
//   - at finish(), an unfinished last line is a record cut off by a killed run: Run::truncated;
//   - a line longer than max_line_bytes is skipped without being buffered (a step record is ~20 KB).
#pragma once

#include "deadzone/telemetry.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace simdjson::dom {
class parser; // lines are parsed with simdjson (telemetry_reader.cpp; its header stays out of this one)
}

namespace deadzone::telemetry {

class TelemetryReader {
public:
    static constexpr std::size_t kDefaultMaxLineBytes = 16u << 20;

    // max_line_bytes: longer lines are skipped (before the header: the input is refused).
    explicit TelemetryReader(std::size_t max_line_bytes = kDefaultMaxLineBytes);
    ~TelemetryReader();
    TelemetryReader(TelemetryReader&&) noexcept;
    TelemetryReader& operator=(TelemetryReader&&) noexcept;

    // Parses every line completed by `bytes` and appends its records to run(); an unfinished last
    // line is kept until more bytes come. Returns the number of records added; 0 and nothing more
    // once refused(). gzip input is not accepted here (decompress whole files with gunzip first).
    std::size_t feed(std::string_view bytes);
    // No more bytes will come: an unfinished last line is counted as cut off, and input without a
    // header is refused ("empty file", "no header").
    void finish();

    bool refused() const { return !error_.empty(); }
    const std::string& error() const { return error_; } // why the input was refused, with the line
    bool has_header() const { return have_header_; }
    std::int64_t bytes_fed() const { return bytes_fed_; }
    std::int64_t lines_read() const { return line_no_; }

    // The records parsed so far (complete after finish()); take_run() moves them out.
    const Run& run() const { return run_; }
    Run take_run() { return std::move(run_); }

private:
    // padded: simdjson::SIMDJSON_PADDING readable bytes follow the line (parsed in place, no copy);
    // last: the final line of the input, which may be cut off.
    void parse_line(std::string_view line, bool padded, bool last = false);
    void skip_line(const std::string& why);
    void cut_off_last_line();

    std::size_t max_line_bytes_;
    Run run_;
    std::string pending_;           // the start of a line whose newline has not arrived yet
    bool pending_overlong_ = false; // the pending line passed max_line_bytes_: discard it up to its newline
    std::int64_t line_no_ = 0;      // lines completed so far (1-based numbers in messages)
    std::int64_t bytes_fed_ = 0;
    bool have_header_ = false;
    std::size_t added_ = 0; // records added by the current feed()
    std::string error_;
    std::unique_ptr<simdjson::dom::parser> parser_; // reused for every line; released by finish()
};

} // namespace deadzone::telemetry
