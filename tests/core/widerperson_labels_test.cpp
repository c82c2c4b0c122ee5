#include "deadzone/widerperson_labels.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using deadzone::parse_widerperson_labels;
using deadzone::WiderPersonLabels;

WiderPersonLabels parse_ok(std::string_view text) {
    auto r = parse_widerperson_labels(text);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? r.value() : WiderPersonLabels{};
}

TEST(WiderPersonLabels, PersonLabelsAreObjectsAndIgnoreAndCrowdAreCrowdRegions) {
    const WiderPersonLabels l = parse_ok("4\n1 10 20 30 60\n4 0 0 5 5\n3 40 40 50 80\n5 100 100 200 150\n");
    ASSERT_EQ(l.boxes.size(), 2u);
    ASSERT_EQ(l.crowd.size(), 2u);
    EXPECT_FLOAT_EQ(l.boxes[0].x1, 10);
    EXPECT_FLOAT_EQ(l.boxes[0].y2, 60);
    EXPECT_EQ(l.boxes[1].class_id, 0);
    EXPECT_FALSE(l.boxes[1].crowd);
    EXPECT_TRUE(l.crowd[0].crowd);
    EXPECT_FLOAT_EQ(l.crowd[1].x2, 200);
    EXPECT_FALSE(l.count_mismatch());
    EXPECT_TRUE(l.dropped.empty());
}

TEST(WiderPersonLabels, FilesAsPeopleWriteThemParseLikePlainOnes) {
    const WiderPersonLabels plain = parse_ok("2\n1 10 20 30 60\n2 5 6 7 8\n");
    const WiderPersonLabels edited = parse_ok("\xEF\xBB\xBF"
                                              "2.0\r\n\r\n1\t1e1 20.0 30   60 \r\n2 5 6 7 8");
    ASSERT_EQ(edited.boxes.size(), plain.boxes.size());
    for (std::size_t i = 0; i < plain.boxes.size(); ++i) {
        EXPECT_EQ(edited.boxes[i].x1, plain.boxes[i].x1);
        EXPECT_EQ(edited.boxes[i].y2, plain.boxes[i].y2);
    }
    EXPECT_FALSE(edited.count_mismatch());
}

TEST(WiderPersonLabels, BadRowsAreDroppedWithTheirLineAndTheRestKept) {
    const WiderPersonLabels l =
        parse_ok("7\n1 10 20 30 60\n7 1 1 2 2\n2 nan 1 2 3\n1 5 5 5 9\n1 1 2 3\n3 x 1 2 3\n1 0 0 1e39 5\n");
    ASSERT_EQ(l.boxes.size(), 1u);
    ASSERT_EQ(l.dropped.size(), 6u);
    EXPECT_EQ(l.dropped[5].line, 8);
    EXPECT_NE(l.dropped[5].reason.find("out of range"), std::string::npos) << l.dropped[5].reason; // would overflow a float
    EXPECT_EQ(l.dropped[0].line, 3);
    EXPECT_NE(l.dropped[0].reason.find("label '7'"), std::string::npos) << l.dropped[0].reason;
    EXPECT_EQ(l.dropped[1].line, 4);
    EXPECT_NE(l.dropped[1].reason.find("non-finite"), std::string::npos) << l.dropped[1].reason;
    EXPECT_EQ(l.dropped[2].line, 5);
    EXPECT_NE(l.dropped[2].reason.find("size"), std::string::npos) << l.dropped[2].reason;
    EXPECT_NE(l.dropped[3].reason.find("expected 5"), std::string::npos) << l.dropped[3].reason;
    EXPECT_NE(l.dropped[4].reason.find("'x' is not a number"), std::string::npos) << l.dropped[4].reason;
    EXPECT_EQ(l.object_rows, 7);
    EXPECT_FALSE(l.count_mismatch());
}

TEST(WiderPersonLabels, ACountThatDisagreesWithTheRowsIsReportedAndTheRowsAreUsed) {
    const WiderPersonLabels more = parse_ok("1\n1 10 20 30 60\n1 40 40 50 80\n");
    EXPECT_EQ(more.boxes.size(), 2u);
    EXPECT_TRUE(more.count_mismatch());
    EXPECT_EQ(more.declared_count, 1);
    EXPECT_EQ(more.object_rows, 2);
    const WiderPersonLabels fewer = parse_ok("3\n1 10 20 30 60\n");
    EXPECT_EQ(fewer.boxes.size(), 1u);
    EXPECT_TRUE(fewer.count_mismatch());
    EXPECT_TRUE(parse_ok("0\n").boxes.empty());
}

TEST(WiderPersonLabels, NotAnAnnotationIsAnError) {
    EXPECT_FALSE(parse_widerperson_labels("").ok());
    EXPECT_FALSE(parse_widerperson_labels("\n \n").ok());
    const auto no_count = parse_widerperson_labels("1 10 20 30 60\n");
    ASSERT_FALSE(no_count.ok());
    EXPECT_NE(no_count.error().find("object count"), std::string::npos) << no_count.error();
    EXPECT_FALSE(parse_widerperson_labels("-1\n").ok());
    EXPECT_FALSE(parse_widerperson_labels("2.5\n").ok());
    EXPECT_FALSE(parse_widerperson_labels(std::string_view("1\n1 2\0 3", 9)).ok());
}

} // namespace
