// GraphBuilder (native_trainer/include/ttfnet/onnx/graph_builder.h): node names, attributes of every
// kind, float and int64 initializers, non-float graph inputs, and the checker's verdict.
#include "ttfnet/onnx/graph_builder.h"

#include <gtest/gtest.h>

#include <cstring>

using ttfnet::onnx_export::Attribute;
using ttfnet::onnx_export::FloatTensor;
using ttfnet::onnx_export::GraphBuilder;
using ttfnet::onnx_export::Int64Tensor;

namespace {

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& n, const std::string& name) {
    for (const onnx::AttributeProto& a : n.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}

} // namespace

TEST(GraphBuilder, NodesAreNamedAfterTheirHintTheirOutputOrANumber) {
    GraphBuilder g("names", "a test");
    g.add_input("x", {1, 2, 4, 4});
    EXPECT_EQ(g.relu("x", "r"), "r");
    const std::string unnamed = g.relu("r");
    g.node("Relu", {unnamed}, "", "head.act");
    const onnx::GraphProto& graph = g.model().graph();
    ASSERT_EQ(graph.node_size(), 3);
    EXPECT_EQ(graph.node(0).name(), "Relu_r");
    EXPECT_EQ(graph.node(1).name(), "Relu_0");
    EXPECT_EQ(unnamed, "Relu_0_out");
    EXPECT_EQ(graph.node(2).name(), "head.act_1");
    EXPECT_EQ(g.model().producer_name(), "a test");
    EXPECT_EQ(g.model().opset_import(0).version(), 17);
}

TEST(GraphBuilder, AttributesKeepTheirType) {
    GraphBuilder g("attributes");
    g.add_input("x", {1, 3, 8, 8});
    g.node("AveragePool", {"x"}, "y", "",
           {Attribute::of_ints("kernel_shape", {2, 2}), Attribute::of_int("ceil_mode", 1), Attribute::of_float("alpha", 0.25f),
            Attribute::of_string("auto_pad", "VALID")});
    const onnx::NodeProto& n = g.model().graph().node(0);
    ASSERT_EQ(n.attribute_size(), 4);
    const onnx::AttributeProto* k = find_attribute(n, "kernel_shape");
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->type(), onnx::AttributeProto_AttributeType_INTS);
    EXPECT_EQ(std::vector<std::int64_t>(k->ints().begin(), k->ints().end()), (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(find_attribute(n, "ceil_mode")->type(), onnx::AttributeProto_AttributeType_INT);
    EXPECT_EQ(find_attribute(n, "ceil_mode")->i(), 1);
    EXPECT_EQ(find_attribute(n, "alpha")->type(), onnx::AttributeProto_AttributeType_FLOAT);
    EXPECT_FLOAT_EQ(find_attribute(n, "alpha")->f(), 0.25f);
    EXPECT_EQ(find_attribute(n, "auto_pad")->s(), "VALID");
}

TEST(GraphBuilder, InitializersHoldLittleEndianRawData) {
    GraphBuilder g("initializers");
    const std::string f = g.initializer("w", FloatTensor{{2}, {1.5f, -2.0f}});
    const std::string i = g.initializer("order", Int64Tensor{{3}, {2, 1, 0}});
    const std::string scalar = g.initializer("s", FloatTensor{{}, {3.0f}});
    EXPECT_EQ(f, "w_0");
    EXPECT_EQ(i, "order_1");
    const onnx::GraphProto& graph = g.model().graph();
    ASSERT_EQ(graph.initializer_size(), 3);
    EXPECT_EQ(graph.initializer(0).data_type(), onnx::TensorProto_DataType_FLOAT);
    float floats[2];
    ASSERT_EQ(graph.initializer(0).raw_data().size(), sizeof floats);
    std::memcpy(floats, graph.initializer(0).raw_data().data(), sizeof floats);
    EXPECT_EQ(floats[0], 1.5f);
    EXPECT_EQ(floats[1], -2.0f);
    EXPECT_EQ(graph.initializer(1).data_type(), onnx::TensorProto_DataType_INT64);
    std::int64_t ints[3];
    ASSERT_EQ(graph.initializer(1).raw_data().size(), sizeof ints);
    std::memcpy(ints, graph.initializer(1).raw_data().data(), sizeof ints);
    EXPECT_EQ(ints[0], 2);
    EXPECT_EQ(ints[2], 0);
    EXPECT_EQ(graph.initializer(2).dims_size(), 0); // a scalar
    EXPECT_EQ(scalar, "s_2");
}

TEST(GraphBuilder, TheCheckerPassesAValidGraphAndNamesWhatIsWrongOtherwise) {
    GraphBuilder ok("valid");
    ok.add_input("x_fp16", {1, 3, 8, 8}, onnx::TensorProto_DataType_FLOAT16);
    const std::string x = ok.node("Cast", {"x_fp16"}, "x", "", {Attribute::of_int("to", onnx::TensorProto_DataType_FLOAT)});
    const std::string order = ok.initializer("bgr_to_rgb", Int64Tensor{{3}, {2, 1, 0}});
    const std::string rgb = ok.node("Gather", {x, order}, "rgb", "", {Attribute::of_int("axis", 1)});
    ok.add_output(ok.mul_scalar(ok.relu(rgb), 2.0f, "y"), {1, 3, 8, 8});
    EXPECT_EQ(ok.check(), "");
    EXPECT_EQ(ok.model().graph().input(0).type().tensor_type().elem_type(), onnx::TensorProto_DataType_FLOAT16);

    GraphBuilder bad("invalid");
    bad.add_input("x", {1, 3, 8, 8});
    bad.add_output(bad.relu("nowhere", "y"), {1, 3, 8, 8}); // reads a tensor nobody produces
    EXPECT_NE(bad.check().find("nowhere"), std::string::npos) << bad.check();
}
