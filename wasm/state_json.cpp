// The test hook: the whole app state as JSON, read by the browser end-to-end tests and the bench
// through window.deadzone.state(), plus a few setters that do what the matching widgets do (so tests
// can drive sliders and combos without pixel-hunting). Tests assert on what the C++ side believes.
#include "app.h"
#include "deadzone/diagnostics.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <string>

EM_JS(void, dz_js_announce_result, (int panel), {
    window.dispatchEvent(new CustomEvent("deadzone-result", { detail: { panel } }));
});

namespace {

using namespace deadzone::explorer;

nlohmann::json to_json(const BackendReport& b) {
    return {{"probed", b.probed},
            {"webgpu_api", b.webgpu_api},
            {"webgpu_adapter", b.webgpu_adapter},
            {"webgpu_adapter_info", b.webgpu_adapter_info},
            {"webgpu_error", b.webgpu_error},
            {"cross_origin_isolated", b.cross_origin_isolated},
            {"wasm_threads", b.wasm_threads},
            {"wasm_simd", b.wasm_simd},
            {"hardware_concurrency", b.hardware_concurrency}};
}

nlohmann::json to_json(const deadzone::ChannelStats& s) {
    return {{"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"fraction_zero", s.fraction_zero},
            {"nan", s.nan_count}, {"inf", s.inf_count}};
}

nlohmann::json to_json(const AppState& state, const Panel& p) {
    nlohmann::json j = {{"model", p.model_index >= 0 ? state.models[p.model_index].name : ""},
                        {"busy", p.needs_run || p.request_id != 0},
                        {"error", p.error},
                        {"image_rect", {p.image_rect[0], p.image_rect[1], p.image_rect[2]}}};
    const Prediction& pred = p.pred;
    j["has_result"] = pred.valid && pred.model_index == p.model_index;
    if (!pred.valid) return j;
    j["result_model"] = state.models[pred.model_index].name;
    j["image_generation"] = pred.image_generation;
    j["backend"] = backend_name(pred.backend);
    j["run_ms"] = pred.run_ms;
    j["latency_ms"] = pred.latency_ms;
    j["stages_ms"] = {{"file_read", pred.file_read_ms}, {"decode_image", pred.decode_image_ms}, {"queue", pred.queue_ms},
                      {"preprocess", pred.preprocess_ms}, {"run", pred.run_ms}, {"handoff", pred.handoff_ms},
                      {"post", pred.post_ms}};
    j["output_size"] = {pred.out.classes, pred.out.height, pred.out.width};
    nlohmann::json dets = nlohmann::json::array();
    for (const deadzone::Detection& d : pred.decoded.detections)
        dets.push_back({{"x1", d.x1}, {"y1", d.y1}, {"x2", d.x2}, {"y2", d.y2}, {"score", d.score},
                        {"class_id", d.class_id}, {"cx", d.center_x}, {"cy", d.center_y},
                        {"cell", {d.cell_x, d.cell_y}}});
    j["detections"] = dets;
    nlohmann::json channels = nlohmann::json::array();
    for (size_t c = 0; c < pred.post_stats.size(); ++c)
        channels.push_back({{"name", deadzone::wh_channel_name(static_cast<int>(c))},
                            {"pre", to_json(pred.pre_stats[c])},
                            {"post", to_json(pred.post_stats[c])},
                            {"dead", deadzone::channel_is_dead(pred.post_stats[c])}});
    j["channels"] = channels;
    j["dump_text"] = prediction_dump_text(pred);
    j["overlay_kind"] = pred.overlay_kind;
    return j;
}

int find_model(const AppState& state, const std::string& name) {
    for (size_t i = 0; i < state.models.size(); ++i)
        if (state.models[i].name == name) return static_cast<int>(i);
    return -1;
}

} // namespace

extern "C" {

// Returns a pointer into a buffer that stays valid until the next call (ccall copies it at once).
EMSCRIPTEN_KEEPALIVE const char* dz_state_json() {
    static std::string buffer;
    const AppState& s = app_state();
    nlohmann::json models = nlohmann::json::array();
    for (const Model& m : s.models)
        models.push_back({{"name", m.name}, {"origin", m.origin}, {"variant", m.spec.variant},
                          {"activation", m.spec.activation}, {"input_size", m.spec.input_size},
                          {"classes", m.spec.num_classes}, {"session", m.session_id != 0 && !m.session_pending}, {"warmed", m.warmed},
                          {"session_error", m.session_error}});
    nlohmann::json messages = nlohmann::json::array();
    for (const Message& m : s.messages) messages.push_back({{"text", m.text}, {"error", m.error}});
    const nlohmann::json j = {
        {"frame", s.frame},
        {"framebuffer", {s.framebuffer_width, s.framebuffer_height}},
        {"backends", to_json(s.backends)},
        {"backend", s.backend_chosen ? backend_name(s.backend) : ""},
        {"busy", s.ort_busy || any_run_pending(s)},
        {"runs_started", s.runs_started},
        {"inputs_made", s.inputs_made},
        {"models", models},
        {"model_list_source", s.model_list_source},
        {"sample_images", s.sample_images},
        {"image", {{"name", s.image.name}, {"width", s.image.rgb.width}, {"height", s.image.rgb.height},
                   {"generation", s.image.generation}}},
        {"params", {{"score_threshold", s.params.score_threshold}, {"top_k", s.params.top_k}}},
        {"overlay", s.overlay},
        {"hover", {{"panel", s.hover_panel}, {"x", s.hover_x}, {"y", s.hover_y}}},
        {"panels", {to_json(s, s.panels[0]), to_json(s, s.panels[1])}},
        {"messages", messages},
        {"widgets", s.widget_rects},
        {"ort_worker", ort_in_worker()},
    };
    buffer = j.dump();
    return buffer.c_str();
}

// The last model input (letterboxed, normalised, NCHW): the bench runs bare ORT on the same tensor.
EMSCRIPTEN_KEEPALIVE const float* dz_model_input_data() { return app_state().model_input.nchw.data(); }
EMSCRIPTEN_KEEPALIVE int dz_model_input_size() { return static_cast<int>(app_state().model_input.nchw.size()); }

// Same effect as moving the sliders.
EMSCRIPTEN_KEEPALIVE void dz_set_decode_params(float score_threshold, int top_k) {
    AppState& s = app_state();
    request_redraw(s);
    s.params.score_threshold = score_threshold;
    s.params.top_k = top_k;
    redecode(s);
}

// Same effect as picking a model in a panel's combo; returns 0 when there is no such model.
EMSCRIPTEN_KEEPALIVE int dz_select_model(int panel, const char* name) {
    const int index = find_model(app_state(), name);
    if (index < 0) return 0;
    request_redraw(app_state());
    select_model(app_state(), panel, index);
    return 1;
}

// Same effect as the back-end radio buttons ("wasm" or "webgpu").
EMSCRIPTEN_KEEPALIVE void dz_set_backend(const char* name) {
    request_redraw(app_state());
    set_backend(app_state(), std::string(name) == "webgpu" ? Backend::WebGpu : Backend::Wasm);
}

// Same effect as the "map" combo.
EMSCRIPTEN_KEEPALIVE void dz_set_overlay(int overlay) {
    AppState& s = app_state();
    request_redraw(s);
    s.overlay = overlay < 0 || overlay > kOverlayWh0 + 3 ? kOverlayNone : overlay;
    for (Panel& p : s.panels) update_overlay_texture(p.pred, s.overlay);
}

} // extern "C"

namespace deadzone::explorer {

void announce_result(int panel_index) { dz_js_announce_result(panel_index); }

} // namespace deadzone::explorer
