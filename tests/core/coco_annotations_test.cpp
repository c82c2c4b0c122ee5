#include "deadzone/coco_annotations.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace deadzone {
namespace {

// Category ids with a gap and out of order (as COCO's are), one crowd region, and every kind of bad
// annotation next to good ones.
const char* kFile = R"({
  "info": {"description": "test"},
  "images": [{"id": 42, "file_name": "street/0001.jpg", "width": 640, "height": 480},
             {"id": 7, "file_name": "0002.png"}],
  "categories": [{"id": 3, "name": "car"}, {"id": 1, "name": "person"}],
  "annotations": [
    {"id": 1, "image_id": 42, "category_id": 1, "bbox": [10, 20, 30, 40], "iscrowd": 0},
    {"id": 2, "image_id": 42, "category_id": 3, "bbox": [600, 400, 100, 100]},
    {"id": 3, "image_id": 42, "category_id": 1, "bbox": [100, 100, 200, 150], "iscrowd": 1},
    {"id": 4, "image_id": 42, "category_id": 2, "bbox": [0, 0, 5, 5]},
    {"id": 5, "image_id": 99, "category_id": 1, "bbox": [0, 0, 5, 5]},
    {"id": 6, "image_id": 7, "category_id": 1, "bbox": [0, 0, 0, 5]},
    {"id": 7, "image_id": 7, "category_id": 1, "bbox": [0, 0, 5]},
    {"id": 8, "image_id": 7, "category_id": 3, "bbox": [1, 2, 3, 4]}
  ]})";

TEST(CocoAnnotations, ReadsImagesBoxesClassesAndCrowdsAndDropsBadAnnotationsByName) {
    Result<CocoAnnotations> r = parse_coco_annotations(kFile);
    ASSERT_TRUE(r.ok()) << r.error();
    const CocoAnnotations& c = r.value();
    EXPECT_EQ(c.class_names, (std::vector<std::string>{"person", "car"})); // sorted by category id
    EXPECT_EQ(c.category_ids, (std::vector<std::int64_t>{1, 3}));
    ASSERT_EQ(c.images.size(), 2u);
    EXPECT_EQ(c.images[0].id, 42);
    EXPECT_EQ(c.images[0].file_name, "street/0001.jpg");
    ASSERT_EQ(c.images[0].boxes.size(), 3u);
    const EvalBox& person = c.images[0].boxes[0];
    EXPECT_EQ((std::vector<float>{person.x1, person.y1, person.x2, person.y2}), (std::vector<float>{10, 20, 40, 60}));
    EXPECT_EQ(person.class_id, 0);
    EXPECT_FALSE(person.crowd);
    const EvalBox& car = c.images[0].boxes[1]; // clipped to the 640x480 image
    EXPECT_EQ((std::vector<float>{car.x1, car.y1, car.x2, car.y2}), (std::vector<float>{600, 400, 640, 480}));
    EXPECT_EQ(car.class_id, 1);
    EXPECT_TRUE(c.images[0].boxes[2].crowd);
    ASSERT_EQ(c.images[1].boxes.size(), 1u); // no size given: not clipped
    EXPECT_EQ(c.images[1].boxes[0].x2, 4.0f);
    ASSERT_EQ(c.dropped.size(), 4u);
    EXPECT_EQ(c.dropped[0].index, 3u);
    EXPECT_EQ(c.dropped[0].reason, "unknown category_id 2");
    EXPECT_EQ(c.dropped[1].reason, "unknown image_id 99");
    EXPECT_EQ(c.dropped[2].reason, "bbox has zero or negative size");
    EXPECT_EQ(c.dropped[3].reason, "bbox is not [x, y, w, h]");
}

TEST(CocoAnnotations, WhatIsNotACocoFileIsRefusedWholeWithTheReason) {
    auto error_of = [](const char* text) {
        Result<CocoAnnotations> r = parse_coco_annotations(text);
        return r.ok() ? std::string("accepted") : r.error();
    };
    EXPECT_NE(error_of("{\"images\": [").find("not a JSON file"), std::string::npos);
    EXPECT_NE(error_of("[1, 2]").find("not a JSON object"), std::string::npos);
    EXPECT_NE(error_of(R"({"categories": [{"id": 1}]})").find("no `images`"), std::string::npos);
    EXPECT_NE(error_of(R"({"images": [], "categories": []})").find("empty"), std::string::npos);
    EXPECT_NE(error_of(R"({"images": [{"id": 1}], "categories": [{"id": 1}]})").find("file_name"), std::string::npos);
    EXPECT_NE(error_of(R"({"images": [{"id": 1, "file_name": "a"}, {"id": 1, "file_name": "b"}], "categories": [{"id": 1}]})")
                  .find("image id 1 is given twice"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"images": [], "categories": [{"id": 1}, {"id": 1}]})").find("twice"), std::string::npos);
    EXPECT_NE(error_of(R"({"images": [{"id": 1, "file_name": "../../etc/passwd"}], "categories": [{"id": 1}]})")
                  .find("leaves the images folder"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"images": [{"id": 1, "file_name": "/abs.jpg"}], "categories": [{"id": 1}]})").find("leaves"),
              std::string::npos);
    // No annotations at all is a valid (empty) data set.
    EXPECT_TRUE(
        parse_coco_annotations(R"({"images": [{"id": 1, "file_name": "a.jpg"}], "categories": [{"id": 5, "name": "x"}]})").ok());
}

TEST(CocoAnnotations, WhatOtherWritersEmitIsReadOrDroppedNeverACrash) {
    // Ids as integral floats, iscrowd as a boolean, an annotation without a bbox, a huge bbox.
    Result<CocoAnnotations> r = parse_coco_annotations(R"({"images": [{"id": 1.0, "file_name": "a.jpg"}],
        "categories": [{"id": 2.0, "name": "x"}],
        "annotations": [{"image_id": 1.0, "category_id": 2, "bbox": [1, 2, 3, 4], "iscrowd": true},
                        {"image_id": 1, "category_id": 2},
                        {"image_id": 1, "category_id": 2, "bbox": [0, 0, 1e300, 1e300]},
                        {"image_id": 1.5, "category_id": 2, "bbox": [0, 0, 1, 1]}]})");
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_EQ(r.value().images[0].boxes.size(), 1u);
    EXPECT_TRUE(r.value().images[0].boxes[0].crowd);
    ASSERT_EQ(r.value().dropped.size(), 3u);
    EXPECT_EQ(r.value().dropped[0].reason, "no bbox");
    EXPECT_EQ(r.value().dropped[1].reason, "bbox is too large to be in an image");
    EXPECT_EQ(r.value().dropped[2].reason, "no integer image_id and category_id");
}

TEST(CocoAnnotations, ResultsAreWrittenWithCategoryIdsAndXywh) {
    EvalBox d;
    d.x1 = 10, d.y1 = 20, d.x2 = 40, d.y2 = 60, d.class_id = 1, d.score = 0.75f;
    EvalBox unknown = d;
    unknown.class_id = 5;
    const nlohmann::json j = nlohmann::json::parse(coco_results_json({{42, {d, unknown}}}, {1, 3}));
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["image_id"], 42);
    EXPECT_EQ(j[0]["category_id"], 3);
    EXPECT_EQ(j[0]["bbox"], nlohmann::json({10.0, 20.0, 30.0, 40.0}));
    EXPECT_FLOAT_EQ(j[0]["score"].get<float>(), 0.75f);
}

} // namespace
} // namespace deadzone
