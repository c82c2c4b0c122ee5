#include "deadzone/file_names.h"

#include <gtest/gtest.h>

namespace {

using namespace deadzone;

TEST(FileNames, EndsWithIsExact) {
    EXPECT_TRUE(ends_with("runs/a.data", ".data"));
    EXPECT_TRUE(ends_with("x", ""));
    EXPECT_FALSE(ends_with("runs/a.DATA", ".data"));
    EXPECT_FALSE(ends_with("a", "ba"));
}

TEST(FileNames, ExtensionsIgnoreCase) {
    EXPECT_TRUE(has_extension("IMG_0001.JPG", ".jpg"));
    EXPECT_TRUE(has_extension("broken.Onnx", ".ONNX"));
    EXPECT_TRUE(has_extension("runs/broken.jsonl.gz", ".jsonl.gz"));
    EXPECT_FALSE(has_extension("broken.onnx.txt", ".onnx"));
    EXPECT_FALSE(has_extension("nx", ".onnx"));
}

TEST(FileNames, BaseName) {
    EXPECT_EQ(base_name("assets/models/broken.onnx"), "broken.onnx");
    EXPECT_EQ(base_name("broken.onnx"), "broken.onnx");
    EXPECT_EQ(base_name("runs/"), "");
}

TEST(FileNames, ModelStem) {
    EXPECT_EQ(model_stem("broken.onnx"), "broken");
    EXPECT_EQ(model_stem("broken.ONNX"), "broken");
    EXPECT_EQ(model_stem("my.model.v2.onnx"), "my.model.v2");
    EXPECT_EQ(model_stem(".onnx"), ".onnx"); // nothing would be left
    EXPECT_EQ(model_stem("broken"), "broken");
    EXPECT_EQ(model_stem("broken.onnx.data"), "broken.onnx.data");
}

} // namespace
