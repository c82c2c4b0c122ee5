#include "deadzone/text_list.h"

#include <gtest/gtest.h>

namespace deadzone {
namespace {

TEST(TextList, SplitKeepsEveryItemAsWritten) {
    EXPECT_TRUE(split_comma_list("").empty());
    EXPECT_EQ(split_comma_list("person"), (std::vector<std::string>{"person"}));
    EXPECT_EQ(split_comma_list("a, b"), (std::vector<std::string>{"a", " b"}));
    // Empty items stay, so callers see them and can refuse them.
    EXPECT_EQ(split_comma_list("a,b,"), (std::vector<std::string>{"a", "b", ""}));
    EXPECT_EQ(split_comma_list("a,,b"), (std::vector<std::string>{"a", "", "b"}));
    EXPECT_EQ(split_comma_list(","), (std::vector<std::string>{"", ""}));
}

TEST(TextList, NumbersParseOrNameTheBadItem) {
    auto ok = parse_number_list("0.75,0.92, 1e-3");
    ASSERT_TRUE(ok.ok()) << ok.error();
    EXPECT_EQ(ok.value(), (std::vector<double>{0.75, 0.92, 1e-3}));
    EXPECT_TRUE(parse_number_list("").value().empty());
    for (const char* bad : {"0.5,x", "0.5,", "0.5,,1", "1 2", "0.5,nan", "inf", "1e999", "0.5x"}) {
        auto r = parse_number_list(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
        }
    }
    EXPECT_NE(parse_number_list("0.5,x").error().find("item 2"), std::string::npos);
}

} // namespace
} // namespace deadzone
