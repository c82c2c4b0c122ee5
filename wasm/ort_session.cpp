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
#include "deadzone/result.h"

#include <nlohmann/json.hpp>

#include <emscripten/emscripten.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

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

// One output as JS hands it over: values (float32, or float16 bit patterns when half) and 4 dims.
struct RawMap {
    const void* data;
    int count, half;
    int dims[4];
};

// The four Detect outputs into `out`; "" or why they do not fit (the shapes seen). The box map has
// 4 channels (TTFNet), or 2 with a 2-channel offset (CenterNet): accept_run_result turns either into
// ltrb in input pixels. wh_pre and the offset are optional (count 0: not sent).
std::string read_maps(const RawMap& hm, const RawMap& wh, const RawMap& pre, const RawMap& off,
                      deadzone::explorer::ModelOutputs& out) {
    const auto get = [](const RawMap& m, std::vector<float>& dst, int& c, int& h, int& w) {
        return take(m.data, m.count, m.half, m.dims[0], m.dims[1], m.dims[2], m.dims[3], dst, c, h, w);
    };
    int wy = 0, wx = 0, pc = 0, py = 0, px = 0, oc = 0, oy = 0, ox = 0;
    const bool maps_ok = get(hm, out.heatmap, out.classes, out.height, out.width) && get(wh, out.wh, out.box_channels, wy, wx) &&
                         wy == out.height && wx == out.width;
    const bool offset_ok = off.count == 0 ? out.box_channels == 4
                                          : get(off, out.offset, oc, oy, ox) && out.box_channels == 2 && oc == 2 &&
                                                oy == out.height && ox == out.width;
    const bool shapes_ok =
        maps_ok && offset_ok &&
        (pre.count == 0 || (get(pre, out.wh_pre, pc, py, px) && pc == 4 && py == out.height && px == out.width));
    if (shapes_ok) return "";
    const auto dims = [](const char* name, const RawMap& m) {
        return std::string(name) + " [" + std::to_string(m.dims[0]) + "," + std::to_string(m.dims[1]) + "," +
               std::to_string(m.dims[2]) + "," + std::to_string(m.dims[3]) + "]";
    };
    return "the model's outputs have the wrong shapes: " + dims("heatmap", hm) + ", " + dims("wh", wh) +
           (pre.count > 0 ? ", " + dims("wh_pre", pre) : "") + (off.count > 0 ? ", " + dims("offset", off) : "");
}

// A JSON number, or NaN for the null JSON.stringify writes for NaN and +-Infinity (the GPU's float32
// spread overflows beyond about 1e19, see shaders/README.md).
double number_or_nan(const nlohmann::json& v) { return v.is_null() ? std::nan("") : v.get<double>(); }

// One per-channel record of web/gpu_postprocess.js's read() (shaders/channel_stats.wgsl), its
// fields read by name once; the Detect view takes ChannelStats from it, the Scan view ChannelScan.
struct GpuChannelRecord {
    std::int64_t values = 0, finite = 0, zeros = 0, positives = 0, nans = 0, infs = 0, inactive = 0, dead_units = 0;
    float min = 0, max = 0;            // over finite values
    double mean = 0, std = 0, sum = 0; // kept in float32 on the GPU: NaN where its spread overflowed

    static GpuChannelRecord of(const nlohmann::json& r) {
        GpuChannelRecord g;
        g.values = r.at("values").get<std::int64_t>();
        g.finite = r.at("finite").get<std::int64_t>();
        g.zeros = r.at("zeros").get<std::int64_t>();
        g.positives = r.at("positives").get<std::int64_t>();
        g.nans = r.at("nans").get<std::int64_t>();
        g.infs = r.at("infs").get<std::int64_t>();
        g.inactive = r.at("inactive").get<std::int64_t>();
        g.dead_units = r.at("deadUnits").get<std::int64_t>();
        g.min = r.at("min").get<float>();
        g.max = r.at("max").get<float>();
        g.mean = number_or_nan(r.at("mean"));
        g.std = number_or_nan(r.at("std"));
        g.sum = number_or_nan(r.at("sum"));
        return g;
    }

    deadzone::ChannelStats channel_stats() const {
        deadzone::ChannelStats s;
        s.count = values;
        s.finite_count = finite;
        s.nan_count = nans;
        s.inf_count = infs;
        s.min = min;
        s.max = max;
        s.mean = mean;
        s.std = std;
        s.fraction_zero = values > 0 ? static_cast<double>(zeros) / static_cast<double>(values) : 0.0;
        s.fraction_positive = values > 0 ? static_cast<double>(positives) / static_cast<double>(values) : 0.0;
        return s;
    }

    deadzone::ChannelScan channel_scan() const {
        deadzone::ChannelScan s;
        s.values = values;
        s.inactive = inactive;
        s.nan = nans;
        s.inf = infs;
        s.min = min;
        s.max = max;
        s.sum = sum;
        s.dead_units = dead_units;
        return s;
    }
};

deadzone::Result<deadzone::explorer::GpuDecodedRun> parse_gpu_decoded_run(std::string_view text) {
    using deadzone::Detection;
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        deadzone::explorer::GpuDecodedRun run;
        const nlohmann::json& dims = j.at("dims");
        run.classes = dims.at(0).get<int>();
        run.height = dims.at(1).get<int>();
        run.width = dims.at(2).get<int>();
        const nlohmann::json& d = j.at("decoded");
        for (const nlohmann::json& b : d.at("detections")) {
            Detection det;
            det.x1 = b.at("x1").get<float>(), det.y1 = b.at("y1").get<float>();
            det.x2 = b.at("x2").get<float>(), det.y2 = b.at("y2").get<float>();
            det.score = b.at("score").get<float>();
            det.class_id = b.at("classId").get<int>();
            det.center_x = b.at("centerX").get<float>(), det.center_y = b.at("centerY").get<float>();
            det.cell_x = b.at("cellX").get<int>(), det.cell_y = b.at("cellY").get<int>();
            run.decoded.detections.push_back(det);
        }
        run.decoded.nonfinite_heatmap = d.at("nonfiniteHeatmap").get<std::int64_t>();
        run.decoded.nonfinite_wh = d.at("nonfiniteWh").get<std::int64_t>();
        run.decoded.dropped_peaks = d.at("droppedPeaks").get<std::int64_t>();
        for (const nlohmann::json& r : j.at("stats").at("wh")) run.post_stats.push_back(GpuChannelRecord::of(r).channel_stats());
        if (!j.at("stats").at("wh_pre").is_null())
            for (const nlohmann::json& r : j.at("stats").at("wh_pre"))
                run.pre_stats.push_back(GpuChannelRecord::of(r).channel_stats());
        run.ms = j.at("ms").get<double>();
        run.round_trip_ms = j.at("round_trip_ms").get<double>();
        return run;
    } catch (const nlohmann::json::exception& e) {
        return deadzone::Error{e.what()};
    }
}

// One layer of web/ort_runner.js's readTotals().
struct LayerTotals {
    int layer = 0;
    std::vector<std::int64_t> shape;
    int images = 0;
    std::vector<deadzone::ChannelScan> channels;
};

deadzone::Result<LayerTotals> parse_layer_totals(std::string_view text) {
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        LayerTotals t;
        t.layer = j.at("layer").get<int>();
        t.shape = j.at("dims").get<std::vector<std::int64_t>>();
        t.images = j.at("images").get<int>();
        for (const nlohmann::json& r : j.at("channels")) t.channels.push_back(GpuChannelRecord::of(r).channel_scan());
        return t;
    } catch (const nlohmann::json::exception& e) {
        return deadzone::Error{e.what()};
    }
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

EMSCRIPTEN_KEEPALIVE void dz_on_layer_totals(const char* json, int size, int request_id) {
    using namespace deadzone::explorer;
    deadzone::Result<LayerTotals> totals =
        parse_layer_totals(std::string_view(json, static_cast<std::size_t>(std::max(0, size))));
    // A malformed answer is reported as the scan's error when the read ends (on_scan_run_done).
    if (!totals) {
        if (request_id == app_state().scan.request_id)
            app_state().scan.error = "the GPU's counts are malformed: " + totals.error();
        return;
    }
    on_scan_layer_totals(app_state(), request_id, totals.value().layer, totals.value().shape, totals.value().images,
                         std::move(totals.value().channels));
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
    const std::string error =
        read_maps({hm, hm_n, hm_half, {hm0, hm1, hm2, hm3}}, {wh, wh_n, wh_half, {wh0, wh1, wh2, wh3}},
                  {pre, pre_n, pre_half, {pre0, pre1, pre2, pre3}}, {off, off_n, off_half, {off0, off1, off2, off3}}, out);
    on_run_finished(app_state(), request_id, error.empty() ? &out : nullptr, error, ms, round_trip_ms);
}

// The maps of a GPU-decoded run, read back (dz_js_ort_read_kept): as dz_on_run_done's.
EMSCRIPTEN_KEEPALIVE void dz_on_maps_read(int request_id, const void* hm, int hm_n, int hm_half, int hm0, int hm1, int hm2,
                                          int hm3, const void* wh, int wh_n, int wh_half, int wh0, int wh1, int wh2, int wh3,
                                          const void* pre, int pre_n, int pre_half, int pre0, int pre1, int pre2, int pre3,
                                          const void* off, int off_n, int off_half, int off0, int off1, int off2, int off3,
                                          double /*ms*/, double /*round_trip_ms*/) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    ModelOutputs out;
    const std::string error =
        read_maps({hm, hm_n, hm_half, {hm0, hm1, hm2, hm3}}, {wh, wh_n, wh_half, {wh0, wh1, wh2, wh3}},
                  {pre, pre_n, pre_half, {pre0, pre1, pre2, pre3}}, {off, off_n, off_half, {off0, off1, off2, off3}}, out);
    on_maps_read(app_state(), request_id, error.empty() ? &out : nullptr, error);
}

EMSCRIPTEN_KEEPALIVE void dz_on_maps_failed(int request_id, const char* message) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    on_maps_read(app_state(), request_id, nullptr, message);
}

// A run decoded on the GPU: the JSON dz_js_ort_run writes, fields read by name (web/ort_runner.js's
// decodeOnGpu and gpu_postprocess.js's decode() and read() define them). A malformed answer fails
// the run with what was wrong.
EMSCRIPTEN_KEEPALIVE void dz_on_run_decoded(const char* json, int size, int request_id) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    deadzone::Result<GpuDecodedRun> run =
        parse_gpu_decoded_run(std::string_view(json, static_cast<std::size_t>(std::max(0, size))));
    if (!run) {
        ort_drop_kept_maps(request_id);
        on_run_finished(app_state(), request_id, nullptr, "the GPU decode's answer is malformed: " + run.error(), 0.0, 0.0);
        return;
    }
    on_run_decoded(app_state(), request_id, run.value());
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
             const DetectorInterface& model, const std::string& gpu_decode) {
    // A float16 model gets the bit patterns (JS copies them before this returns).
    std::vector<std::uint16_t> halves;
    if (model.half_input) {
        halves.resize(input.size());
        floats_to_halves(input.data(), input.size(), halves.data());
    }
    const void* data = model.half_input ? static_cast<const void*>(halves.data()) : input.data();
    dz_js_ort_run(session_id, request_id, data, static_cast<int>(input.size()), model.half_input ? 1 : 0, width, height,
                  model.input_name.c_str(), model.heatmap_name.c_str(), model.wh_name.c_str(), model.wh_pre_name.c_str(),
                  model.offset_name.c_str(), gpu_decode.c_str());
}

void ort_read_kept_maps(int request_id, int handle, const DetectorInterface& model) {
    dz_js_ort_read_kept(request_id, handle, model.heatmap_name.c_str(), model.wh_name.c_str(), model.wh_pre_name.c_str());
}

void ort_drop_kept_maps(int handle) { dz_js_ort_drop_kept(handle); }

void ort_run_outputs(int session_id, int request_id, const void* input, int count, bool half, int width, int height,
                     const std::string& input_name, const std::vector<std::string>& outputs, const std::string& accumulate) {
    std::string names; // newline-separated: tensor names never contain one
    for (const std::string& n : outputs) names += (names.empty() ? "" : "\n") + n;
    dz_js_ort_run_outputs(session_id, request_id, input, count, half ? 1 : 0, width, height, input_name.c_str(), names.c_str(),
                          accumulate.c_str());
}

void ort_read_totals(int session_id, int request_id) { dz_js_ort_read_totals(session_id, request_id); }

} // namespace deadzone::explorer
