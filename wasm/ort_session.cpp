// The bridge to ONNX Runtime Web (web/ort_bridge.js). Calls start a JS promise and return at once so
// the frame loop never blocks; results come back through the EMSCRIPTEN_KEEPALIVE callbacks below,
// which hand them to pipeline.cpp. Tensors are copied across the wasm heap (a few ms at most).
#include "ort_session.h"

#include "app.h"
#include "pipeline.h"
#include "js_bindings.h"
#include "js_exports.h"
#include "scan_pipeline.h"

#include "deadzone/float16.h"

#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace {

// Copies one output out of the JS-owned buffer (float32, or float16 bit patterns when `half`, then
// converted); false when its dims are not [1,C,H,W] with C*H*W values.
bool take(const void* p, int n, int half, int d0, int d1, int d2, int d3, std::vector<float>& dst, int& c, int& h, int& w) {
    if (d0 != 1 || d1 <= 0 || d2 <= 0 || d3 <= 0 || static_cast<long long>(d1) * d2 * d3 != n) return false;
    if (half != 0) {
        dst.resize(static_cast<std::size_t>(n));
        deadzone::halves_to_floats(static_cast<const std::uint16_t*>(p), dst.size(), dst.data());
    } else {
        const float* f = static_cast<const float*>(p);
        dst.assign(f, f + n);
    }
    c = d1, h = d2, w = d3;
    return true;
}

} // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void dz_on_session_created(int id, int ok, const char* message) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    if (owns_scan_session(app_state(), id)) on_scan_session_created(app_state(), id, ok != 0, message);
    else on_session_created(app_state(), id, ok != 0, message);
}

// One output of an ort_run_outputs run: float32 values (or float16 bit patterns when half), dims[rank].
EMSCRIPTEN_KEEPALIVE void dz_on_output(int request_id, int index, const void* data, int half, const double* dims, int rank) {
    using namespace deadzone::explorer;
    on_scan_output(app_state(), request_id, index, data, half != 0, std::vector<std::int64_t>(dims, dims + rank));
}

EMSCRIPTEN_KEEPALIVE void dz_on_layer_totals(int request_id, int layer, const double* records, int channels, const double* dims,
                                             int rank, int images) {
    using namespace deadzone::explorer;
    std::vector<deadzone::ChannelScan> counts(static_cast<std::size_t>(std::max(0, channels)));
    for (std::size_t c = 0; c < counts.size(); ++c) {
        const double* r = records + c * 8;
        deadzone::ChannelScan& s = counts[c];
        s.values = static_cast<std::int64_t>(r[0]);
        s.inactive = static_cast<std::int64_t>(r[1]);
        s.nan = static_cast<std::int64_t>(r[2]);
        s.inf = static_cast<std::int64_t>(r[3]);
        s.min = static_cast<float>(r[4]);
        s.max = static_cast<float>(r[5]);
        s.sum = r[6];
        s.dead_units = static_cast<std::int64_t>(r[7]);
    }
    std::vector<std::int64_t> shape(static_cast<std::size_t>(std::max(0, rank)));
    for (std::size_t i = 0; i < shape.size(); ++i) shape[i] = static_cast<std::int64_t>(dims[i]);
    on_scan_layer_totals(app_state(), request_id, layer, shape, images, std::move(counts));
}

// An ort_run_outputs run ended: error "" when every output was handed over.
EMSCRIPTEN_KEEPALIVE void dz_on_outputs_done(int request_id, const char* error) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    on_scan_run_done(app_state(), request_id, error);
}

EMSCRIPTEN_KEEPALIVE void dz_on_run_failed(int request_id, const char* message) {
    deadzone::explorer::request_redraw(deadzone::explorer::app_state());
    deadzone::explorer::on_run_finished(deadzone::explorer::app_state(), request_id, nullptr, message, 0.0, 0.0);
}

// Each output as (pointer, value count, float16 or not, dims).
EMSCRIPTEN_KEEPALIVE void dz_on_run_done(int request_id, const void* hm, int hm_n, int hm_half, int hm0, int hm1, int hm2,
                                         int hm3, const void* wh, int wh_n, int wh_half, int wh0, int wh1, int wh2, int wh3,
                                         const void* pre, int pre_n, int pre_half, int pre0, int pre1, int pre2, int pre3,
                                         const void* off, int off_n, int off_half, int off0, int off1, int off2, int off3,
                                         double ms, double round_trip_ms) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    ModelOutputs out;
    int wy = 0, wx = 0, pc = 0, py = 0, px = 0, oc = 0, oy = 0, ox = 0;
    // The box map has 4 channels (TTFNet), or 2 with a 2-channel offset (CenterNet): accept_run_result
    // turns either into ltrb in input pixels. wh_pre and the offset are optional (n 0: not sent).
    const bool maps_ok = take(hm, hm_n, hm_half, hm0, hm1, hm2, hm3, out.heatmap, out.classes, out.height, out.width) &&
                         take(wh, wh_n, wh_half, wh0, wh1, wh2, wh3, out.wh, out.box_channels, wy, wx) && wy == out.height &&
                         wx == out.width;
    const bool offset_ok = off_n == 0 ? out.box_channels == 4
                                      : take(off, off_n, off_half, off0, off1, off2, off3, out.offset, oc, oy, ox) &&
                                            out.box_channels == 2 && oc == 2 && oy == out.height && ox == out.width;
    const bool shapes_ok = maps_ok && offset_ok &&
                           (pre_n == 0 || (take(pre, pre_n, pre_half, pre0, pre1, pre2, pre3, out.wh_pre, pc, py, px) &&
                                           pc == 4 && py == out.height && px == out.width));
    if (!shapes_ok) {
        auto dims = [](const char* name, int d0, int d1, int d2, int d3) {
            return std::string(name) + " [" + std::to_string(d0) + "," + std::to_string(d1) + "," + std::to_string(d2) + "," +
                   std::to_string(d3) + "]";
        };
        const std::string shapes = dims("heatmap", hm0, hm1, hm2, hm3) + ", " + dims("wh", wh0, wh1, wh2, wh3) +
                                   (pre_n > 0 ? ", " + dims("wh_pre", pre0, pre1, pre2, pre3) : "") +
                                   (off_n > 0 ? ", " + dims("offset", off0, off1, off2, off3) : "");
        on_run_finished(app_state(), request_id, nullptr, "the model's outputs have the wrong shapes: " + shapes, ms,
                        round_trip_ms);
        return;
    }
    on_run_finished(app_state(), request_id, &out, "", ms, round_trip_ms);
}

} // extern "C"

namespace deadzone::explorer {

const char* backend_name(Backend b) { return b == Backend::WebGpu ? "webgpu" : "wasm"; }

Backend other_backend(Backend b) { return b == Backend::WebGpu ? Backend::Wasm : Backend::WebGpu; }

void ort_create_session(int session_id, const std::vector<std::uint8_t>& bytes, const std::vector<ExternalFile>& external,
                        Backend backend, bool outputs_on_gpu) {
    for (const ExternalFile& f : external)
        dz_js_ort_add_external(session_id, f.name.c_str(), f.bytes.data(), static_cast<int>(f.bytes.size()));
    dz_js_ort_create(session_id, bytes.data(), static_cast<int>(bytes.size()), backend_name(backend), outputs_on_gpu ? 1 : 0);
}

void ort_release_session(int session_id) { dz_js_ort_release(session_id); }

bool ort_in_worker() { return dz_js_ort_in_worker() != 0; }

void ort_run(int session_id, int request_id, const std::vector<float>& input, int width, int height,
             const DetectorInterface& model) {
    // A float16 model gets the bit patterns (JS copies them before this returns).
    std::vector<std::uint16_t> halves;
    if (model.half_input) {
        halves.resize(input.size());
        floats_to_halves(input.data(), input.size(), halves.data());
    }
    const void* data = model.half_input ? static_cast<const void*>(halves.data()) : input.data();
    dz_js_ort_run(session_id, request_id, data, static_cast<int>(input.size()), model.half_input ? 1 : 0, width, height,
                  model.input_name.c_str(), model.heatmap_name.c_str(), model.wh_name.c_str(), model.wh_pre_name.c_str(),
                  model.offset_name.c_str());
}

void ort_run_outputs(int session_id, int request_id, const void* input, int count, bool half, int width, int height,
                     const std::string& input_name, const std::vector<std::string>& outputs, const std::string& accumulate) {
    std::string names; // newline-separated: tensor names never contain one
    for (const std::string& n : outputs) names += (names.empty() ? "" : "\n") + n;
    dz_js_ort_run_outputs(session_id, request_id, input, count, half ? 1 : 0, width, height, input_name.c_str(), names.c_str(),
                          accumulate.c_str());
}

void ort_read_totals(int session_id, int request_id) { dz_js_ort_read_totals(session_id, request_id); }

} // namespace deadzone::explorer
