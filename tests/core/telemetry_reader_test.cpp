// TelemetryReader: incremental feeding (as a live run is followed), the bad-input rules (refused,
// skipped, truncated), gzip, and fuzz-style inputs that must never crash or hang.
#include "deadzone/gzip.h"
#include "deadzone/telemetry_reader.h"

#include "telemetry_fixture.h"

#include <gtest/gtest.h>

#include <libdeflate.h>

#include <random>
#include <string>

namespace deadzone {
namespace {

using telemetry::TelemetryReader;

std::string gzip(const std::string& text) {
    libdeflate_compressor* c = libdeflate_alloc_compressor(6);
    std::string out(libdeflate_gzip_compress_bound(c, text.size()), '\0');
    out.resize(libdeflate_gzip_compress(c, text.data(), text.size(), out.data(), out.size()));
    libdeflate_free_compressor(c);
    return out;
}

TEST(TelemetryReader, ByteByByteEqualsWholeFile) {
    const std::string text = testing::dying_run(30, 5);
    auto whole = telemetry::parse_telemetry(text);
    ASSERT_TRUE(whole.ok()) << whole.error();
    TelemetryReader reader;
    std::size_t added = 0;
    for (char c : text) added += reader.feed(std::string_view(&c, 1));
    reader.finish();
    ASSERT_FALSE(reader.refused()) << reader.error();
    EXPECT_EQ(added, 1u + 30u + 1u); // header, steps, event
    EXPECT_EQ(reader.run().steps.size(), whole.value().steps.size());
    EXPECT_EQ(reader.run().steps.back().wh_channels[0].pre_max, whole.value().steps.back().wh_channels[0].pre_max);
    EXPECT_EQ(reader.bytes_fed(), static_cast<std::int64_t>(text.size()));
}

TEST(TelemetryReader, LiveFollowAppendsOnlyNewRecords) {
    const std::string text = testing::dying_run(10, 3);
    // The trainer flushes whole lines, but a poll can land mid-line: cut at arbitrary points.
    TelemetryReader reader;
    const std::size_t cuts[] = {17, 900, 901, 5000, text.size()};
    std::size_t at = 0, total = 0;
    for (std::size_t cut : cuts) {
        cut = std::min(cut, text.size());
        total += reader.feed(std::string_view(text).substr(at, cut - at));
        at = cut;
        if (cut == 17) {
            EXPECT_FALSE(reader.has_header());
        } // the header line is not complete yet
    }
    EXPECT_EQ(total, 1u + 10u + 1u); // header, steps, event: each counted once
    EXPECT_EQ(reader.run().steps.size(), 10u);
    EXPECT_FALSE(reader.run().truncated);
}

TEST(TelemetryReader, MalformedLinesAreSkippedAndCounted) {
    std::string text = testing::dying_run(6, 3);
    // Line 3 becomes garbage, line 5 loses a required field.
    std::vector<std::string> lines;
    for (std::size_t b = 0, e; (e = text.find('\n', b)) != std::string::npos; b = e + 1) lines.push_back(text.substr(b, e - b));
    lines[2] = "{not json at all";
    lines[4].replace(lines[4].find("\"lr\""), 4, "\"xx\"");
    std::string bad;
    for (const auto& l : lines) bad += l + "\n";
    auto r = telemetry::parse_telemetry(bad);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().skipped_lines, 2);
    EXPECT_EQ(r.value().first_skipped_line, 3);
    EXPECT_EQ(r.value().first_skip_reason, "not valid JSON");
    EXPECT_EQ(r.value().steps.size(), 4u); // 6 records, 2 lost
    ASSERT_FALSE(r.value().warnings.empty());
    EXPECT_NE(r.value().warnings.back().find("2 malformed line(s) skipped, the first at line 3"), std::string::npos);
}

// A wh channel outside 0..3 would index past every per-channel table of the views: the record is
// skipped with a reason, like any other malformed line.
TEST(TelemetryReader, WhChannelOutOfRangeIsSkippedWithAReason) {
    std::string text = testing::dying_run(4, 9);
    const std::size_t at = text.find("\"channel\":3", text.find("\"type\":\"step\""));
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 11, "\"channel\":7");
    auto r = telemetry::parse_telemetry(text);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().skipped_lines, 1);
    EXPECT_EQ(r.value().steps.size(), 3u);
    EXPECT_NE(r.value().first_skip_reason.find("wh channel 7 is not 0..3"), std::string::npos) << r.value().first_skip_reason;
}

TEST(TelemetryReader, RecordsOutOfStepOrderAndUntypedLinesAreSkipped) {
    // Two runs written into one file: the second run's steps go back to 1.
    const std::string first = testing::dying_run(5, 3);
    const std::string second = testing::dying_run(4, 3);
    auto r = telemetry::parse_telemetry(first + second.substr(second.find('\n') + 1) + "{\"step\":9}\n");
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().steps.size(), 5u);
    EXPECT_EQ(r.value().skipped_lines, 4 + 1); // the second run's 4 steps and the untyped record
    EXPECT_NE(r.value().first_skip_reason.find("step 1 is not after step 5"), std::string::npos) << r.value().first_skip_reason;
}

TEST(TelemetryReader, TruncatedLastLineLoadsTheRest) {
    const std::string text = testing::dying_run(8, 3);
    const std::string cut = text.substr(0, text.size() - 100);
    auto r = telemetry::parse_telemetry(cut);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(r.value().truncated);
    EXPECT_EQ(r.value().steps.size(), 7u);
    EXPECT_EQ(r.value().skipped_lines, 0);
    // A last record that is complete but has no newline is not "truncated".
    auto no_newline = telemetry::parse_telemetry(text.substr(0, text.size() - 1));
    ASSERT_TRUE(no_newline.ok());
    EXPECT_FALSE(no_newline.value().truncated);
    EXPECT_EQ(no_newline.value().steps.size(), 8u);
}

TEST(TelemetryReader, OtherInputIsRefusedWithAReason) {
    const auto refused = [](const std::string& bytes) {
        auto r = telemetry::parse_telemetry(bytes);
        return r.ok() ? std::string("accepted") : r.error();
    };
    EXPECT_NE(refused("").find("empty file"), std::string::npos);
    EXPECT_NE(refused("\n\n  \n").find("empty file"), std::string::npos);
    EXPECT_NE(refused("{\"type\":\"step\",\"step\":1}\n").find("not a DeadZone telemetry header"), std::string::npos);
    EXPECT_NE(refused("{\"name\":\"other\",\"loss\":1}\n{\"name\":\"x\"}\n").find("not DeadZone telemetry"), std::string::npos);
    EXPECT_NE(refused(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)).find("binary"), std::string::npos);
    EXPECT_NE(refused("[1,2,3]\n").find("not DeadZone telemetry"), std::string::npos);
    // A huge line without a break before any header is refused without buffering it all.
    TelemetryReader small(1024);
    small.feed(std::string(4096, 'x'));
    EXPECT_TRUE(small.refused());
    EXPECT_NE(small.error().find("without a line break"), std::string::npos);
}

TEST(TelemetryReader, OverlongLinesAfterTheHeaderAreSkipped) {
    const std::string text = testing::small_run();
    const std::size_t first_line = text.find('\n') + 1;
    TelemetryReader reader(4096);
    reader.feed(text.substr(0, first_line));
    reader.feed(std::string(3000, ' '));
    reader.feed(std::string(3000, 'x') + "\n");
    reader.feed(text.substr(first_line));
    reader.finish();
    ASSERT_FALSE(reader.refused()) << reader.error();
    EXPECT_EQ(reader.run().skipped_lines, 1);
    EXPECT_EQ(reader.run().first_skipped_line, 2);
    EXPECT_EQ(reader.run().steps.size(), 1u);
}

TEST(TelemetryReader, GzipFilesParseLikeText) {
    const std::string text = testing::dying_run(20, 4);
    auto r = telemetry::parse_telemetry(gzip(text));
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().steps.size(), 20u);
    // Two members (a run gzipped, then more gzipped and appended) read as one file.
    const std::size_t half = text.find("\n", text.size() / 2) + 1;
    auto two = telemetry::parse_telemetry(gzip(text.substr(0, half)) + gzip(text.substr(half)));
    ASSERT_TRUE(two.ok()) << two.error();
    EXPECT_EQ(two.value().steps.size(), 20u);
    std::string corrupt = gzip(text);
    corrupt[corrupt.size() / 2] ^= 0x55;
    EXPECT_FALSE(telemetry::parse_telemetry(corrupt).ok());
    EXPECT_FALSE(telemetry::parse_telemetry(gzip(text).substr(0, 40)).ok());
    EXPECT_FALSE(gunzip(gzip(text), 100).ok()); // over the size limit
}

// Fuzz-style: random truncation, byte flips, huge numbers, deep nesting. The parser must return
// (accept or refuse) for every input; a crash or hang fails the suite.
TEST(TelemetryReaderFuzz, RandomDamageNeverCrashes) {
    const std::string text = testing::dying_run(12, 4, 9, 6);
    std::mt19937 rng(1234);
    int accepted = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::string damaged = text;
        std::uniform_int_distribution<std::size_t> pos(0, damaged.size() - 1);
        switch (trial % 4) {
        case 0: damaged.resize(pos(rng)); break;
        case 1:
            for (int k = 0; k < 8; ++k) damaged[pos(rng)] = static_cast<char>(rng());
            break;
        case 2: damaged.insert(pos(rng), "1e999999"); break;
        case 3: damaged.erase(pos(rng), 50); break;
        }
        auto r = telemetry::parse_telemetry(damaged);
        if (r.ok()) {
            ++accepted;
            for (const auto& s : r.value().steps) EXPECT_LE(s.wh_channels.size(), 4u);
        } else {
            EXPECT_FALSE(r.error().empty());
        }
    }
    EXPECT_GT(accepted, 100); // damage after the header loses lines, not the file
}

TEST(TelemetryReaderFuzz, HugeNumbersAndDeepNesting) {
    std::string text = testing::small_run();
    std::string huge = text;
    huge.replace(huge.find("\"lr\":0.01"), 9, "\"lr\":1e308");
    auto h = telemetry::parse_telemetry(huge);
    ASSERT_TRUE(h.ok()) << h.error();
    ASSERT_EQ(h.value().steps.size(), 1u);
    EXPECT_EQ(h.value().steps[0].lr, 1e308);
    std::string overflow = text;
    overflow.replace(overflow.find("\"step\":5"), 8, "\"step\":99999999999999999999999");
    auto o = telemetry::parse_telemetry(overflow);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o.value().skipped_lines, 1); // an integer field that is not an int64
    // 100k levels of nesting after the header: skipped, no stack overflow.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    auto d = telemetry::parse_telemetry(text.substr(0, text.find('\n') + 1) + deep + "\n" + text.substr(text.find('\n') + 1));
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d.value().skipped_lines, 1);
    EXPECT_EQ(d.value().steps.size(), 1u);
    // ...and as the first line, refused.
    EXPECT_FALSE(telemetry::parse_telemetry(deep + "\n" + text).ok());
}

// The end record's status is an enum with one name table: names round-trip through a written
// line, and a status this reader does not know reads as Unknown instead of failing the file.
TEST(TelemetryReader, EndStatusNamesRoundTrip) {
    using telemetry::RunStatus;
    for (RunStatus s : {RunStatus::Completed, RunStatus::Paused, RunStatus::Stopped}) {
        telemetry::EndRecord e;
        e.step = 7;
        e.status = s;
        const std::string line = telemetry::to_json_line(e);
        EXPECT_NE(line.find(std::string("\"status\":\"") + telemetry::run_status_name(s) + "\""), std::string::npos) << line;
        EXPECT_EQ(telemetry::run_status_of(telemetry::run_status_name(s)), s);
    }
    EXPECT_EQ(telemetry::run_status_of("exploded"), RunStatus::Unknown);
    EXPECT_EQ(telemetry::run_status_of(""), RunStatus::Unknown);
    EXPECT_STREQ(telemetry::run_status_name(RunStatus::Unknown), "unknown");
}

} // namespace
} // namespace deadzone
