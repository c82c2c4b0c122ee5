#include "deadzone/yolo_labels.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace {

using deadzone::EvalBox;
using deadzone::parse_yolo_labels;
using deadzone::YoloLabels;

std::string read_label_file(const std::string& name) {
    std::ifstream in(std::string(DEADZONE_TEST_DATA_DIR) + "/labels/" + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

YoloLabels parse_ok(std::string_view text, int w = 320, int h = 240, int classes = 0) {
    auto r = parse_yolo_labels(text, w, h, classes);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? r.value() : YoloLabels{};
}

// (cx, cy, w, h) normalised, as the cases' README writes the expected boxes.
void expect_normalised(const EvalBox& b, float cx, float cy, float w, float h, int iw, int ih) {
    EXPECT_NEAR((b.x1 + b.x2) / 2 / iw, cx, 1e-4);
    EXPECT_NEAR((b.y1 + b.y2) / 2 / ih, cy, 1e-4);
    EXPECT_NEAR((b.x2 - b.x1) / iw, w, 1e-4);
    EXPECT_NEAR((b.y2 - b.y1) / ih, h, 1e-4);
}

TEST(YoloLabels, BoxRowsBecomePixelBoxes) {
    const YoloLabels l = parse_ok("0 0.5 0.5 0.5 0.25\n1 0.25 0.75 0.1 0.2\n", 100, 80);
    ASSERT_EQ(l.boxes.size(), 2u);
    EXPECT_FLOAT_EQ(l.boxes[0].x1, 25);
    EXPECT_FLOAT_EQ(l.boxes[0].y1, 30);
    EXPECT_FLOAT_EQ(l.boxes[0].x2, 75);
    EXPECT_FLOAT_EQ(l.boxes[0].y2, 50);
    EXPECT_EQ(l.boxes[1].class_id, 1);
    EXPECT_TRUE(l.dropped.empty());
}

TEST(YoloLabels, PolygonRowsBecomeTheirVerticesBoundingBox) {
    const YoloLabels l = parse_ok(read_label_file("c05_polygon_mixed.txt"), 640, 480);
    ASSERT_EQ(l.boxes.size(), 3u);
    EXPECT_EQ(l.polygon_rows, 2);
    expect_normalised(l.boxes[0], 0.25f, 0.5f, 0.125f, 0.333333f, 640, 480);
    expect_normalised(l.boxes[1], 0.625f, 0.416667f, 0.1875f, 0.416667f, 640, 480);  // the diamond
    expect_normalised(l.boxes[2], 0.875f, 0.791667f, 0.09375f, 0.166667f, 640, 480); // the triangle
}

TEST(YoloLabels, ASixthValueIsASavedConfidenceAndIsCounted) {
    const YoloLabels l = parse_ok(read_label_file("c05_six_columns.txt"), 640, 480);
    ASSERT_EQ(l.boxes.size(), 3u);
    EXPECT_EQ(l.confidence_rows, 3);
    EXPECT_EQ(l.polygon_rows, 0);
    expect_normalised(l.boxes[1], 0.625f, 0.416667f, 0.1875f, 0.416667f, 640, 480);
}

TEST(YoloLabels, BomCrlfTabsAndTrailingBlanksParseLikeThePlainFile) {
    const std::string plain = "0 0.250000 0.500000 0.125000 0.333333\n0 0.625000 0.416667 0.187500 0.416667\n"
                              "0 0.875000 0.791667 0.093750 0.166667\n";
    const YoloLabels want = parse_ok(plain);
    for (const char* name : {"c06_bom_crlf.txt", "c06_tabs.txt"}) {
        const YoloLabels got = parse_ok(read_label_file(name));
        ASSERT_EQ(got.boxes.size(), want.boxes.size()) << name;
        EXPECT_TRUE(got.dropped.empty()) << name << ": " << got.dropped[0].reason;
        for (size_t i = 0; i < want.boxes.size(); ++i) {
            EXPECT_FLOAT_EQ(got.boxes[i].x1, want.boxes[i].x1) << name;
            EXPECT_FLOAT_EQ(got.boxes[i].y2, want.boxes[i].y2) << name;
        }
    }
}

TEST(YoloLabels, ClassWrittenAsAFloatAndExponentsAreAccepted) {
    const YoloLabels l = parse_ok("1.0 5e-1 0.5 2.5E-1 0.25\n", 100, 100);
    ASSERT_EQ(l.boxes.size(), 1u);
    EXPECT_EQ(l.boxes[0].class_id, 1);
    EXPECT_FLOAT_EQ(l.boxes[0].x1, 37.5f);
}

TEST(YoloLabels, BadRowsAreDroppedWithTheirLineAndReasonAndTheRestKept) {
    const YoloLabels l = parse_ok("0 0.5 0.5 0.2 0.2\n"
                                  "0 nan 0.5 0.2 0.2\n"
                                  "0 0.5 0.5 -0.2 0.2\n"
                                  "0 1.5 0.5 0.2 0.2\n"
                                  "7 0.5 0.5 0.2 0.2\n"
                                  "0.5 0.5 0.5 0.2 0.2\n"
                                  "0 0.5 0.5 0.2\n"
                                  "0 0.1 0.1 0.2 0.2 0.3 0.3 0.4\n"
                                  "\n"
                                  "car 0.5 0.5 0.2 0.2\n"
                                  "1 0.3 0.3 0.1 0.1\n",
                                  100, 100, 2);
    ASSERT_EQ(l.boxes.size(), 2u);
    EXPECT_EQ(l.boxes[1].class_id, 1);
    ASSERT_EQ(l.dropped.size(), 8u);
    const int lines[] = {2, 3, 4, 5, 6, 7, 8, 10};
    for (size_t i = 0; i < 8; ++i) EXPECT_EQ(l.dropped[i].line, lines[i]) << l.dropped[i].reason;
    EXPECT_NE(l.dropped[0].reason.find("non-finite"), std::string::npos);
    EXPECT_NE(l.dropped[1].reason.find("outside [0, 1]"), std::string::npos);
    EXPECT_NE(l.dropped[3].reason.find("class 7 out of range (2 classes)"), std::string::npos);
    EXPECT_NE(l.dropped[5].reason.find("3 values after the class"), std::string::npos);
    EXPECT_NE(l.dropped[7].reason.find("'car' is not a number"), std::string::npos);
}

TEST(YoloLabels, ZeroAreaBoxesAreDroppedAndTinyOnesKept) {
    const YoloLabels l = parse_ok(read_label_file("c09_degenerate.txt"), 640, 480);
    // Zero width, zero height: dropped; sub-pixel, 1x1 and 3x3 px boxes are real (if tiny) objects.
    ASSERT_EQ(l.dropped.size(), 2u);
    EXPECT_EQ(l.dropped[0].line, 2);
    EXPECT_EQ(l.dropped[1].line, 3);
    EXPECT_EQ(l.dropped[0].reason, "zero area");
    ASSERT_EQ(l.boxes.size(), 4u);
    for (const EvalBox& b : l.boxes) EXPECT_TRUE(b.x2 > b.x1 && b.y2 > b.y1);
}

TEST(YoloLabels, BoxesPastTheEdgeAreClippedAndHugeClassesDropped) {
    const YoloLabels l = parse_ok("0 0.02 0.5 0.1 0.2\n1e10 0.5 0.5 0.1 0.1\n", 100, 100);
    ASSERT_EQ(l.boxes.size(), 1u);
    EXPECT_FLOAT_EQ(l.boxes[0].x1, 0.0f); // cx - w/2 = -0.03
    EXPECT_FLOAT_EQ(l.boxes[0].x2, 7.0f);
    ASSERT_EQ(l.dropped.size(), 1u);
    EXPECT_EQ(l.dropped[0].reason, "class '1e10' is too large");
}

TEST(YoloLabels, BinaryDataAndAnEmptyImageAreRefused) {
    EXPECT_FALSE(parse_yolo_labels(std::string_view("0 0.5\0 0.5 0.1 0.1", 19), 10, 10, 0).ok());
    EXPECT_FALSE(parse_yolo_labels("0 0.5 0.5 0.1 0.1", 0, 10, 0).ok());
    EXPECT_TRUE(parse_ok("").boxes.empty());
}

} // namespace
