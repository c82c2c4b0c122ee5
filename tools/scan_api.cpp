// The scan as wasm for tools/deadzone-scan.mjs: the functions of scan_api.h.
#include "scan_api.h"

#include "deadzone/detector_interface.h"
#include "deadzone/float16.h"
#include "deadzone/image_input.h"
#include "deadzone/model_scan.h"
#include "deadzone/scan_report.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Everything one scan keeps between calls (scan_api.h).
struct ScanSession {
    std::optional<deadzone::ModelScan> scan;
    std::string error;
    std::string text;                      // the last string handed out
    deadzone::ModelInput input;            // the last prepared image
    std::vector<std::uint16_t> input_half; // the same as float16 bit patterns, for half models
    std::vector<float> converted;          // a float16 output converted to float32
};

namespace {

const char* hand_out(ScanSession* s, std::string text) {
    s->text = std::move(text);
    return s->text.c_str();
}

// How pixels become the input, from the JS side's scaling index (0 ImageNet, 1 0-1, 2 0-255:
// detector_interface.h InputScaling) and BGR flag: what dz_scan_prepare_image feeds and
// dz_scan_report records.
deadzone::Normalization feed_normalization(int scaling, int bgr) {
    deadzone::Normalization norm = deadzone::normalization_for(scaling == 1   ? deadzone::InputScaling::ZeroToOne
                                                               : scaling == 2 ? deadzone::InputScaling::ZeroTo255
                                                                              : deadzone::InputScaling::ImageNet);
    norm.order = bgr != 0 ? deadzone::ChannelOrder::Bgr : deadzone::ChannelOrder::Rgb;
    return norm;
}

} // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE ScanSession* dz_scan_open(const std::uint8_t* bytes, int size, double gamma_eps, double running_eps,
                                               double weight_eps) {
    auto* s = new ScanSession;
    deadzone::StaticThresholds t;
    t.bn.gamma_eps = gamma_eps;
    t.bn.running_eps = running_eps;
    t.weight_eps = weight_eps;
    deadzone::Result<deadzone::ModelScan> scan = deadzone::ModelScan::open(bytes, static_cast<std::size_t>(size), t);
    if (scan) s->scan = std::move(scan).value();
    else s->error = scan.error();
    return s;
}

EMSCRIPTEN_KEEPALIVE void dz_scan_close(ScanSession* s) { delete s; }

EMSCRIPTEN_KEEPALIVE const char* dz_scan_error(ScanSession* s) { return s->error.c_str(); }

EMSCRIPTEN_KEEPALIVE const char* dz_scan_info_json(ScanSession* s) {
    if (!s->scan) return nullptr;
    nlohmann::json inputs = nlohmann::json::array(), layers = nlohmann::json::array();
    for (const deadzone::TensorInfo& t : s->scan->graph().info.inputs)
        inputs.push_back({{"name", t.name}, {"dims", t.dims}, {"elem_type", t.elem_type}});
    for (const deadzone::ActivationLayer& l : s->scan->layers())
        layers.push_back({{"tensor", l.tensor},
                          {"node", l.node},
                          {"op", deadzone::activation_op_name(l.op)},
                          {"can_die", deadzone::activation_can_die(l.op)}});
    const nlohmann::json info = {{"inputs", inputs},
                                 {"external_data", s->scan->graph().info.external_data},
                                 {"layers", layers},
                                 {"static_findings", s->scan->static_findings().size()}};
    // Names from the model may be any bytes: invalid UTF-8 is replaced, never thrown on.
    return hand_out(s, info.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

EMSCRIPTEN_KEEPALIVE const char* dz_scan_input_json(ScanSession* s, int symbolic_width, int symbolic_height) {
    if (!s->scan) return nullptr;
    deadzone::Result<deadzone::ScanInput> in = deadzone::scan_input(s->scan->graph().info, symbolic_width, symbolic_height);
    if (!in) {
        s->error = in.error();
        return nullptr;
    }
    const nlohmann::json j = {{"name", in.value().name},
                              {"width", in.value().width},
                              {"height", in.value().height},
                              {"symbolic", in.value().symbolic},
                              {"half", in.value().half}};
    return hand_out(s, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

EMSCRIPTEN_KEEPALIVE const std::uint8_t* dz_scan_exposed_model(ScanSession* s, int* size) {
    if (!s->scan) return nullptr;
    *size = static_cast<int>(s->scan->exposed_model().size());
    return s->scan->exposed_model().data();
}

EMSCRIPTEN_KEEPALIVE void dz_scan_release_exposed_model(ScanSession* s) {
    if (s->scan) s->scan->release_exposed_model();
}

EMSCRIPTEN_KEEPALIVE const char* dz_scan_fetch_groups_json(ScanSession* s, double budget_bytes) {
    if (!s->scan) return nullptr;
    return hand_out(s, nlohmann::json(s->scan->fetch_groups(static_cast<std::int64_t>(budget_bytes))).dump());
}

EMSCRIPTEN_KEEPALIVE const void* dz_scan_prepare_image(ScanSession* s, const std::uint8_t* bytes, int size, int width, int height,
                                                       int scaling, int bgr, int as_half) {
    deadzone::Result<deadzone::RgbImage> image = deadzone::decode_image(bytes, static_cast<std::size_t>(size));
    if (!image) {
        s->error = image.error();
        return nullptr;
    }
    deadzone::fill_model_input(image.value(), width, height, feed_normalization(scaling, bgr), s->input);
    if (!as_half) return s->input.nchw.data();
    s->input_half.resize(s->input.nchw.size());
    deadzone::floats_to_halves(s->input.nchw.data(), s->input.nchw.size(), s->input_half.data());
    return s->input_half.data();
}

EMSCRIPTEN_KEEPALIVE int dz_scan_add_output(ScanSession* s, int layer, const void* values, int is_half, const double* dims,
                                            int rank) {
    if (!s->scan) return 0;
    std::vector<std::int64_t> shape(dims, dims + rank);
    const float* data = static_cast<const float*>(values);
    if (is_half) {
        std::int64_t n = 1;
        for (std::int64_t d : shape) n *= d < 0 ? 0 : d;
        s->converted.resize(static_cast<std::size_t>(n));
        deadzone::halves_to_floats(static_cast<const std::uint16_t*>(values), s->converted.size(), s->converted.data());
        data = s->converted.data();
    }
    deadzone::Result<bool> added = s->scan->add_output(layer, data, shape);
    if (!added) s->error = added.error();
    return added ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE void dz_scan_end_image(ScanSession* s, const char* name) {
    if (s->scan) s->scan->end_image(name);
}

EMSCRIPTEN_KEEPALIVE void dz_scan_skip_image(ScanSession* s, const char* name, const char* reason) {
    if (s->scan) s->scan->skip_image(name, reason);
}

EMSCRIPTEN_KEEPALIVE const char* dz_scan_report(ScanSession* s, const char* model_name, const double* input_dims, int rank,
                                                int scaling, int bgr, int format) {
    if (!s->scan) return nullptr;
    const std::vector<std::int64_t> shape(input_dims, input_dims + rank);
    std::string preprocessing;
    if (scaling >= 0 && rank == 4)
        preprocessing = deadzone::describe_model_input(feed_normalization(scaling, bgr), static_cast<int>(shape[3]),
                                                       static_cast<int>(shape[2]));
    const deadzone::ScanReport r = s->scan->report(model_name, shape, preprocessing);
    return hand_out(s, format == 1 ? deadzone::scan_report_markdown(r) : deadzone::scan_report_json(r));
}

} // extern "C"
