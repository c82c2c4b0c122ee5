// libFuzzer harness: a dropped .onnx as the explorer reads it (core's protobuf readers): the model
// interface, the full graph with its weights, the dead-zone scan's static rules and graph rewrite,
// and the Conv-attribute fix-up. Seeds in tests/fuzz/corpus/onnx.
#include "deadzone/detector_interface.h"
#include "deadzone/model_scan.h"
#include "deadzone/onnx_graph.h"
#include "deadzone/onnx_info.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (deadzone::Result<deadzone::OnnxInfo> info = deadzone::read_onnx_info(data, size)) {
        deadzone::Result<deadzone::DetectorInterface> d = deadzone::find_detector_interface(info.value());
        if (d) deadzone::pick_input_size(d.value(), 4000, 3000);
    }
    deadzone::read_onnx_graph(data, size);
    deadzone::ModelScan::open(data, size);
    std::vector<std::uint8_t> copy(data, data + size);
    deadzone::add_default_conv_attributes(copy);
    return 0;
}
