// The test hook: the whole app state as JSON, read by the browser end-to-end tests and the bench
// through window.deadzone.state(), plus a few setters that do what the matching widgets do (so tests
// can drive sliders and combos without pixel-hunting). Tests assert on what the C++ side believes.
#include "app.h"

#include "detect_view.h"
#include "flow_panels.h"
#include "flow_view.h"
#include "ground_truth.h"
#include "ort_session.h"
#include "pipeline.h"
#include "replay_view.h"
#include "scan_pipeline.h"
#include "telemetry_loader.h"
#include "textures.h"
#include "js_bindings.h"
#include "js_exports.h"
#include "deadzone/diagnostics.h"
#include "deadzone/gradient_flow.h"
#include "deadzone/prediction_dump.h" // wh_channel_name
#include "deadzone/scan_report.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace {

using namespace deadzone;
using namespace deadzone::explorer;

nlohmann::json to_json(const BackendReport& b) {
    return {{"probed", b.probed},
            {"webgpu_api", b.webgpu_api},
            {"webgpu_adapter", b.webgpu_adapter},
            {"webgpu_adapter_info", b.webgpu_adapter_info},
            {"webgpu_software", b.webgpu_software},
            {"webgpu_error", b.webgpu_error},
            {"cross_origin_isolated", b.cross_origin_isolated},
            {"wasm_threads", b.wasm_threads},
            {"wasm_simd", b.wasm_simd},
            {"hardware_concurrency", b.hardware_concurrency}};
}

nlohmann::json to_json(const deadzone::ChannelStats& s) {
    return {{"count", s.count},
            {"min", s.min},
            {"max", s.max},
            {"mean", s.mean},
            {"std", s.std},
            {"fraction_zero", s.fraction_zero},
            {"fraction_positive", s.fraction_positive},
            {"nan", s.nan_count},
            {"inf", s.inf_count}};
}

nlohmann::json to_json(const deadzone::EvalBox& b) {
    return {{"x1", b.x1}, {"y1", b.y1}, {"x2", b.x2}, {"y2", b.y2}, {"class_id", b.class_id}};
}

// The current image's ground truth: where it came from, its boxes (source pixels), the rows dropped.
nlohmann::json ground_truth_json(const DetectState& detect) {
    nlohmann::json j = {
        {"available", has_ground_truth(detect)}, {"show", detect.show_ground_truth}, {"label_files", detect.label_files.size()}};
    if (!has_ground_truth(detect)) return j;
    const deadzone::YoloLabels& l = detect.ground_truth.labels;
    j["file"] = detect.ground_truth.file;
    j["boxes"] = nlohmann::json::array();
    for (const deadzone::EvalBox& b : l.boxes) j["boxes"].push_back(to_json(b));
    j["dropped"] = nlohmann::json::array();
    for (const deadzone::DroppedLabelRow& r : l.dropped) j["dropped"].push_back({{"line", r.line}, {"reason", r.reason}});
    j["polygon_rows"] = l.polygon_rows;
    j["confidence_rows"] = l.confidence_rows;
    return j;
}

std::vector<std::string> sample_urls(const DetectState& detect) {
    std::vector<std::string> urls;
    for (const SampleImage& sample : detect.samples) urls.push_back(sample.url);
    return urls;
}

nlohmann::json samples_json(const DetectState& detect) {
    nlohmann::json j = nlohmann::json::array();
    for (const SampleImage& sample : detect.samples)
        j.push_back({{"name", sample.name},
                     {"url", sample.url},
                     {"purpose", sample.purpose},
                     {"labels", sample.labels_url},
                     {"pair", sample.pair}});
    return j;
}

nlohmann::json to_json(const AppState& state, const Panel& p) {
    nlohmann::json j = {{"model", p.model_index >= 0 ? state.detect.models[p.model_index].name : ""},
                        {"busy", p.needs_run || p.request_id != 0},
                        {"error", p.error},
                        {"image_rect", {p.image_rect[0], p.image_rect[1], p.image_rect[2]}},
                        {"overlay_rect", {p.overlay_rect[0], p.overlay_rect[1], p.overlay_rect[2], p.overlay_rect[3]}}};
    const Prediction& pred = p.pred;
    j["has_result"] = pred.valid && pred.model_index == p.model_index;
    j["legend"] = p.legend;
    j["label_rects"] = p.label_rects;
    j["labels_hidden"] = p.labels_hidden;
    if (has_ground_truth(state.detect) && state.detect.show_ground_truth && j["has_result"].get<bool>()) {
        const deadzone::ImageMatch m = match_panel(state.detect, p);
        j["match"] = {{"true_positives", m.true_positives},
                      {"precision", m.precision},
                      {"recall", m.recall},
                      {"mean_iou", m.mean_iou},
                      {"gt_of_prediction", m.gt_of_prediction},
                      {"iou_of_prediction", m.iou_of_prediction}};
    }
    if (!pred.valid) return j;
    j["result_model"] = state.detect.models[pred.model_index].name;
    j["image_generation"] = pred.image_generation;
    j["backend"] = backend_name(pred.backend);
    j["run_ms"] = pred.run_ms;
    j["latency_ms"] = pred.latency_ms;
    j["stages_ms"] = {{"file_read", pred.file_read_ms},
                      {"decode_image", pred.decode_image_ms},
                      {"queue", pred.queue_ms},
                      {"preprocess", pred.preprocess_ms},
                      {"run", pred.run_ms},
                      {"handoff", pred.handoff_ms},
                      {"post", pred.post_ms}};
    j["output_size"] = {pred.out.classes, pred.out.height, pred.out.width};
    j["decoded_on_gpu"] = pred.decoded_on_gpu;
    j["maps_on_gpu"] = pred.kept_maps_handle != 0;
    j["maps_error"] = pred.maps_error;
    nlohmann::json dets = nlohmann::json::array();
    for (const deadzone::Detection& d : pred.decoded.detections)
        dets.push_back({{"x1", d.x1},
                        {"y1", d.y1},
                        {"x2", d.x2},
                        {"y2", d.y2},
                        {"score", d.score},
                        {"class_id", d.class_id},
                        {"cx", d.center_x},
                        {"cy", d.center_y},
                        {"cell", {d.cell_x, d.cell_y}}});
    j["detections"] = dets;
    nlohmann::json channels = nlohmann::json::array();
    const deadzone::BoxEncoding encoding = state.detect.models[static_cast<std::size_t>(pred.model_index)].spec.box_encoding;
    for (size_t c = 0; c < pred.post_stats.size(); ++c)
        channels.push_back({{"name", deadzone::box_channel_name(encoding, static_cast<int>(c))},
                            {"pre", c < pred.pre_stats.size() ? to_json(pred.pre_stats[c]) : nlohmann::json(nullptr)},
                            {"post", to_json(pred.post_stats[c])},
                            {"dead", deadzone::channel_is_dead(pred.post_stats[c])}});
    j["channels"] = channels;
    j["dump_text"] = prediction_dump_text(state.detect, pred);
    j["overlay_kind"] = pred.overlay_kind;
    j["overlay_class"] = pred.overlay_shown_class;
    j["colour_bar"] =
        p.colour_bar.empty()
            ? nlohmann::json(nullptr)
            : nlohmann::json{
                  {"title", p.colour_bar}, {"min", 0.0}, {"max", pred.overlay_range_max}, {"units", p.colour_bar_units}};
    return j;
}

// The recorded frame times, oldest first.
std::vector<float> recent_frame_ms(const Counters& c) {
    std::vector<float> out;
    const long long n = std::min<long long>(c.frame_times, Counters::kFrameTimes);
    for (long long i = c.frame_times - n; i < c.frame_times; ++i) out.push_back(c.frame_ms[i % Counters::kFrameTimes]);
    return out;
}

// Bytes in use on the wasm heap (what a loaded run costs: bench/replay_bench.mjs).
double heap_used_bytes() {
    const struct mallinfo m = mallinfo();
    return static_cast<double>(m.uordblks) + static_cast<double>(m.hblkhd);
}

nlohmann::json to_json(const ReplayRun& r, std::int64_t step) {
    const deadzone::telemetry::Run& run = r.run();
    nlohmann::json deaths = nlohmann::json::array();
    for (std::size_t i = 0; i < r.deaths.size(); ++i)
        deaths.push_back({{"channel", r.deaths[i].channel},
                          {"died_at", r.deaths[i].died_at},
                          {"revived_at", r.deaths[i].revived_at},
                          {"caption", r.death_captions[i]}});
    nlohmann::json j = {{"id", r.id},
                        {"name", r.name},
                        {"url", r.url},
                        {"origin", run_origin_name(r.origin)},
                        {"loading", r.loading},
                        {"following", r.following},
                        {"records", run.steps.size()},
                        {"events", run.events.size()},
                        {"truncated", run.truncated},
                        {"skipped_lines", run.skipped_lines},
                        {"first_skipped_line", run.first_skipped_line},
                        {"warnings", run.warnings},
                        {"variant", run.header.variant.name},
                        {"input_size", run.header.input_width},
                        {"bytes", r.reader.bytes_fed()},
                        {"last_append_ms", r.last_append_ms},
                        {"shown_ms", r.shown_ms},
                        {"deaths", deaths}};
    if (!run.steps.empty()) {
        j["first_step"] = run.steps.front().step;
        j["last_step"] = run.steps.back().step;
        // The record the views show at the timeline's step: its wh channels as the file has them.
        const deadzone::telemetry::StepRecord& rec = *r.record_at(step);
        nlohmann::json channels = nlohmann::json::array();
        for (const auto& w : rec.wh_channels)
            channels.push_back({{"channel", w.channel},
                                {"pre_min", w.pre_min},
                                {"pre_max", w.pre_max},
                                {"pre_mean", w.pre_mean},
                                {"frac_pos", w.pre_frac_pos},
                                {"post_max", w.post_max},
                                {"bias", w.bias},
                                {"grad_norm", w.grad_norm},
                                {"dead", channel_dead_at(r.deaths, w.channel, step)}});
        j["at_step"] = {{"record_step", rec.step}, {"loss_total", rec.losses.total}, {"wh_channels", channels}};
    }
    return j;
}

nlohmann::json to_json(const ReplayState& replay) {
    nlohmann::json runs = nlohmann::json::array();
    for (const ReplayRun& r : replay.runs) runs.push_back(to_json(r, replay.timeline.step));
    nlohmann::json live = nlohmann::json::array();
    for (const LiveRunEntry& e : replay.live_runs) live.push_back({{"name", e.name}, {"url", e.url}, {"bytes", e.bytes}});
    nlohmann::json shipped = nlohmann::json::array();
    for (const auto& [name, url] : replay.shipped) shipped.push_back({{"name", name}, {"url", url}});
    return {{"runs", runs},
            {"primary", replay.primary},
            {"channel", replay.channel},
            {"step", replay.timeline.step},
            {"playing", replay.timeline.playing},
            {"x_range", {replay.x_min, replay.x_max}},
            {"load_error", replay.load_error},
            {"live_listed", replay.live_listed},
            {"live_runs", live},
            {"shipped", shipped}};
}

nlohmann::json to_json(const GradientPass& p) {
    return {{"share", p.share},
            {"mean_abs_derivative", p.mean_abs_derivative},
            {"mean_output", p.mean_output},
            {"samples", p.samples}};
}

// The Gradient flow view's numbers, computed as its panels compute them (core's gradient_flow.h).
nlohmann::json to_json(const AppState& s, const FlowState& flow) {
    nlohmann::json j = {{"activation", activation_info(flow.activation).name},
                        {"param", flow.params[static_cast<int>(flow.activation)]},
                        {"animating", flow.animating},
                        {"phase", flow.phase},
                        {"channel", s.replay.channel},
                        {"step", s.replay.timeline.step}};
    const ReplayRun* primary = s.replay.primary_run();
    const telemetry::StepRecord* rec = primary != nullptr ? primary->record_at(s.replay.timeline.step) : nullptr;
    if (const telemetry::WhChannelRecord* ch = rec != nullptr ? telemetry::find_wh_channel(*rec, s.replay.channel) : nullptr) {
        const std::vector<double> samples = histogram_samples(ch->pre_hist, kGradientSamples);
        j["run"] = primary->name;
        j["record_step"] = rec->step;
        j["recorded_frac_pos"] = ch->pre_frac_pos;
        j["hist"] = {{"lo", ch->pre_hist.lo}, {"hi", ch->pre_hist.hi}, {"counts", ch->pre_hist.counts}};
        j["pass"] = to_json(gradient_pass(flow.selected(), samples));
        const std::array<GradientPass, kActivationCount> passes = variant_passes(flow, samples);
        nlohmann::json variants = nlohmann::json::array();
        for (const ActivationInfo& a : kActivations) {
            nlohmann::json v = to_json(passes[static_cast<std::size_t>(a.kind)]);
            v["name"] = a.name;
            v["param"] = flow.params[static_cast<std::size_t>(a.kind)];
            variants.push_back(v);
        }
        j["variants"] = variants;
    }
    // Every loaded run under its own activation, as the view's comparison line shows them.
    nlohmann::json runs = nlohmann::json::array();
    for (const ReplayRun& r : s.replay.runs) {
        const std::optional<RunPass> p = run_own_pass(r, s.replay.timeline.step, s.replay.channel);
        if (!p) continue;
        nlohmann::json v = to_json(p->pass);
        v["name"] = r.name;
        v["activation"] = activation_info(p->activation.kind).name;
        v["grad_norm"] = p->grad_norm;
        v["record_step"] = p->record_step;
        runs.push_back(v);
    }
    j["runs"] = runs;
    const WhatIf& w = flow.what_if;
    const ChannelSimConfig& c = w.config;
    nlohmann::json what_if = {{"activation", activation_info(c.activation.kind).name},
                              {"param", c.activation.param},
                              {"init_std", c.init_std},
                              {"bias_init", c.bias_init},
                              {"lr", c.lr},
                              {"feature_scale", c.feature_scale},
                              {"feature_drift", c.feature_drift},
                              {"features_from_run", w.features_from_run},
                              {"seed", c.seed},
                              {"steps", c.steps},
                              {"runs", w.runs},
                              {"step", w.step},
                              {"playing", w.playing},
                              {"dead_since", w.result.dead_since},
                              {"final_distance", w.result.final_distance}};
    if (!w.result.steps.empty()) what_if["final_share"] = w.result.steps.back().share;
    j["what_if"] = what_if;
    return j;
}

const char* view_name(View v) {
    switch (v) {
    case View::Detect: return "detect";
    case View::Replay: return "replay";
    case View::Flow: return "flow";
    case View::Scan: return "scan";
    }
    return "detect";
}

const char* scan_phase_name(ScanPhase p) {
    switch (p) {
    case ScanPhase::Empty: return "empty";
    case ScanPhase::WaitingForData: return "waiting for data";
    case ScanPhase::Ready: return "ready";
    case ScanPhase::Opening: return "opening";
    case ScanPhase::Running: return "running";
    case ScanPhase::Done: return "done";
    case ScanPhase::Failed: return "failed";
    }
    return "?";
}

// The Scan view: what it holds and, once done, the report's headline numbers (the whole report is
// dz_scan_report_text's).
nlohmann::json to_json(const ScanState& scan) {
    nlohmann::json images = nlohmann::json::array();
    for (const ScanImage& i : scan.images) images.push_back(i.name);
    nlohmann::json j = {{"phase", scan_phase_name(scan.phase)},
                        {"model", scan.model_name},
                        {"images", images},
                        {"error", scan.error},
                        {"missing_data", scan.missing_data},
                        {"layers", scan.scan ? static_cast<int>(scan.scan->layers().size()) : 0},
                        {"input", {scan.input.width, scan.input.height}},
                        {"symbolic_input", scan.input.symbolic},
                        {"progress", {{"image", scan.image_index}, {"group", scan.group_index}, {"groups", scan.groups.size()}}},
                        {"selected_layer", scan.selected_layer},
                        {"hover_channel", scan.hover_channel},
                        {"maps",
                         {{"layer", scan.maps.layer},
                          {"image", scan.maps.image},
                          {"pending", scan.maps.pending},
                          {"shape", scan.maps.shape},
                          {"error", scan.maps.error}}}};
    if (scan.report) {
        j["summary"] = scan_summary(*scan.report);
        j["dead_channels"] = scan.report->dead_channels();
    }
    j["pass"] = scan.pass;
    j["reduce_on_gpu"] = scan.reduce_on_gpu;
    j["gpu_totals"] = scan.gpu_totals;
    j["seconds"] = scan.finished_ms > scan.started_ms ? (scan.finished_ms - scan.started_ms) / 1000.0 : 0.0;
    j["gpu_total_layers"] = scan.gpu_total_layers;
    j["reading_totals"] = scan.reading_totals;
    j["comparison_error"] = scan.comparison_error;
    if (scan.comparison)
        j["comparison"] = {{"with", backend_name(scan.compared_with)},
                           {"comparable", scan.comparison->comparable},
                           {"why", scan.comparison->why},
                           {"layer", scan.comparison->layer},
                           {"channel", scan.comparison->channel},
                           {"quantity", scan.comparison->quantity},
                           {"a", scan.comparison->a},
                           {"b", scan.comparison->b},
                           {"max_difference", scan.comparison->max_difference}};
    return j;
}

} // namespace

extern "C" {

// Returns a pointer into a buffer that stays valid until the next call (ccall copies it at once).
EMSCRIPTEN_KEEPALIVE const char* dz_state_json() {
    static std::string buffer;
    const AppState& s = app_state();
    // In the picker's order, each with what the picker shows about it.
    nlohmann::json models = nlohmann::json::array();
    for (int i : models_in_list_order(s.detect)) {
        const Model& m = s.detect.models[static_cast<std::size_t>(i)];
        nlohmann::json j = {{"name", m.name},
                            {"origin", model_origin_name(m.origin)},
                            {"variant", m.spec.variant},
                            {"activation", m.spec.activation},
                            {"input_size", {m.spec.input_width, m.spec.input_height}},
                            {"interface",
                             {{"input", m.spec.input_name},
                              {"heatmap", m.spec.heatmap_name},
                              {"wh", m.spec.wh_name},
                              {"wh_pre", m.spec.wh_pre_name},
                              {"offset", m.spec.offset_name},
                              {"stride", m.spec.stride},
                              {"heatmap_probabilities", m.spec.heatmap_encoding == deadzone::HeatmapEncoding::Probabilities},
                              {"found_by", m.spec.found_by},
                              {"mapping", nlohmann::json::parse(deadzone::mapping_to_json(deadzone::mapping_of(m.spec)))}}},
                            {"classes", m.spec.num_classes},
                            {"session", m.session_id != 0 && !m.session_pending},
                            {"warmed", m.warmed},
                            {"session_error", m.session_error}};
        if (const ModelCard* card = m.origin == ModelOrigin::Dropped ? nullptr : find_card(s.detect, m.name)) {
            nlohmann::json dead = nlohmann::json::array();
            for (const auto& [channel, since] : card->dead_channels)
                dead.push_back({{"channel", channel}, {"since_step", since}});
            j["card"] = {{"description", card->description}, {"evaluated", card->evaluated}, {"map50", card->map50},
                         {"mean_iou", card->mean_iou},       {"dead_channels", dead},        {"training", card->training}};
        }
        models.push_back(std::move(j));
    }
    nlohmann::json messages = nlohmann::json::array();
    for (const Message& m : s.messages) messages.push_back({{"text", m.text}, {"error", m.error}});
    const nlohmann::json j = {
        {"frame", s.frame},
        {"framebuffer", {s.framebuffer_width, s.framebuffer_height}},
        {"backends", to_json(s.backends)},
        {"backend", s.backend_chosen ? backend_name(s.backend) : ""},
        {"busy", s.ort_busy || any_run_pending(s)},
        {"runs_started", s.counters.runs_started},
        {"inputs_made", s.counters.inputs_made},
        {"frame_ms", recent_frame_ms(s.counters)},
        {"draw_vertices", s.counters.draw_vertices},
        {"draw_commands", s.counters.draw_commands},
        {"redraw",
         {{"partial", s.partial_redraw},
          {"full", s.counters.redraw.full},
          {"tiles", s.counters.redraw.tiles},
          {"dirty_tiles", s.counters.redraw.dirty_tiles},
          {"rects", s.counters.redraw.rects},
          {"triangles", s.counters.redraw.triangles},
          {"triangles_drawn", s.counters.redraw.triangles_drawn},
          {"frames_full", s.counters.frames_full},
          {"frames_partial", s.counters.frames_partial},
          {"frames_unchanged", s.counters.frames_unchanged}}},
        {"heap_used_bytes", heap_used_bytes()},
        {"models", models},
        {"model_list_source", s.detect.model_list_source},
        {"sample_images", sample_urls(s.detect)},
        {"samples", samples_json(s.detect)},
        {"default_pair", {s.detect.default_pair[0], s.detect.default_pair[1]}},
        {"ground_truth", ground_truth_json(s.detect)},
        {"image",
         {{"name", s.detect.image.name},
          {"width", s.detect.image.rgb.width},
          {"height", s.detect.image.rgb.height},
          {"generation", s.detect.image.generation},
          {"exif_orientation", s.detect.image.rgb.exif_orientation}}},
        {"params", {{"score_threshold", s.detect.params.score_threshold}, {"top_k", s.detect.params.top_k}}},
        {"overlay", s.detect.overlay},
        {"decode_on_gpu", s.detect.decode_on_gpu},
        {"hover", {{"panel", s.detect.hover_panel}, {"x", s.detect.hover_x}, {"y", s.detect.hover_y}}},
        {"panels", {to_json(s, s.detect.panels[0]), to_json(s, s.detect.panels[1])}},
        {"messages", messages},
        {"widgets", s.widget_rects},
        {"ort_worker", ort_in_worker()},
        {"view", view_name(s.view)},
        {"replay", to_json(s.replay)},
        {"flow", to_json(s, s.flow)},
        {"scan", to_json(s.scan)},
    };
    buffer = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); // names from files may be any bytes
    return buffer.c_str();
}

// The last model input (letterboxed, normalised, NCHW): the bench runs bare ORT on the same tensor.
EMSCRIPTEN_KEEPALIVE const float* dz_model_input_data() { return app_state().detect.model_input.nchw.data(); }
EMSCRIPTEN_KEEPALIVE int dz_model_input_size() { return static_cast<int>(app_state().detect.model_input.nchw.size()); }

// Same effect as moving the sliders.
EMSCRIPTEN_KEEPALIVE void dz_set_decode_params(float score_threshold, int top_k) {
    AppState& s = app_state();
    request_redraw(s);
    s.detect.params.score_threshold = score_threshold;
    s.detect.params.top_k = top_k;
    redecode(s);
}

// Same effect as picking a model in a panel's combo; returns 0 when there is no such model.
EMSCRIPTEN_KEEPALIVE int dz_select_model(int panel, const char* name) {
    const int index = find_model(app_state().detect, name);
    if (index < 0) return 0;
    request_redraw(app_state());
    app_state().detect.models_picked = true;
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
    s.detect.overlay = overlay < 0 || overlay > kOverlayWh0 + 3 ? kOverlayNone : overlay;
    update_overlay_textures(s.detect);
}

// Same effect as the heatmap's class combo: -1 for the best class per cell.
EMSCRIPTEN_KEEPALIVE void dz_set_heatmap_class(int class_id) {
    AppState& s = app_state();
    request_redraw(s);
    s.detect.heatmap_class = class_id < 0 ? -1 : class_id;
    update_overlay_textures(s.detect);
}

// Same effect as the interface step's Apply for the model called `name`; mapping_json as
// core's mapping_to_json writes it. 1 when applied; 0 with the reason in the messages.
EMSCRIPTEN_KEEPALIVE int dz_set_interface(const char* name, const char* mapping_json) {
    AppState& s = app_state();
    request_redraw(s);
    const int index = find_model(s.detect, name);
    Result<deadzone::InterfaceMapping> mapping = deadzone::mapping_from_json(mapping_json);
    const std::string error = index < 0  ? std::string("no model called '") + name + "'"
                              : !mapping ? mapping.error()
                                         : apply_model_mapping(s, index, mapping.value());
    if (!error.empty()) post_message(s, "interface not set: " + error, true);
    return error.empty() ? 1 : 0;
}

// Same effect as the "ground truth (G)" checkbox.
EMSCRIPTEN_KEEPALIVE void dz_set_ground_truth(int show) {
    AppState& s = app_state();
    request_redraw(s);
    s.detect.show_ground_truth = show != 0;
}

// Same effect as the "opacity" slider (0.1 .. 1).
EMSCRIPTEN_KEEPALIVE void dz_set_overlay_opacity(float alpha) {
    AppState& s = app_state();
    request_redraw(s);
    s.detect.overlay_alpha = std::clamp(alpha, 0.1f, 1.0f);
}

// Same effect as clicking a view's tab ("detect", "replay", "flow" or "scan").
EMSCRIPTEN_KEEPALIVE void dz_set_view(const char* name) {
    request_redraw(app_state());
    const std::string n = name;
    app_state().view = n == "replay" ? View::Replay : n == "flow" ? View::Flow : n == "scan" ? View::Scan : View::Detect;
}

// The Scan view's last report, as its JSON or Markdown download would be ("" when there is none).
EMSCRIPTEN_KEEPALIVE const char* dz_scan_report_text(int markdown) {
    static std::string buffer;
    buffer = scan_report_text(app_state().scan, markdown != 0);
    return buffer.c_str();
}

// What the Scan view's scaling combo and BGR box do: 0 ImageNet, 1 0-1, 2 0-255, -1 the model's own
// mean/std; bgr 1 feeds the planes as B,G,R.
EMSCRIPTEN_KEEPALIVE void dz_scan_set_scaling(int scaling, int bgr) {
    request_redraw(app_state());
    ScanState& scan = app_state().scan;
    scan.channel_order = bgr != 0 ? deadzone::ChannelOrder::Bgr : deadzone::ChannelOrder::Rgb;
    scan.use_model_norm = scaling < 0;
    if (scaling >= 0)
        scan.scaling = scaling == 1 ? InputScaling::ZeroToOne : scaling == 2 ? InputScaling::ZeroTo255 : InputScaling::ImageNet;
}

// The Detect view's "GPU decode" box: on WebGPU, decode on the GPU (1) or in wasm (0).
EMSCRIPTEN_KEEPALIVE void dz_detect_set_gpu_decode(int on) {
    request_redraw(app_state());
    set_decode_on_gpu(app_state(), on != 0);
}

// The Scan view's "GPU counts" box: on WebGPU, count activations on the GPU (1) or in wasm (0).
EMSCRIPTEN_KEEPALIVE void dz_scan_set_gpu_counts(int on) {
    request_redraw(app_state());
    app_state().scan.reduce_on_gpu = on != 0;
}

// Switches partial redraw (partial_redraw.h) on or off; off draws every frame in full. The browser
// test compares the two, and the bench measures both.
EMSCRIPTEN_KEEPALIVE void dz_set_partial_redraw(int on) {
    request_redraw(app_state());
    app_state().partial_redraw = on != 0;
}

// Same effect as the channel radio buttons (0 left .. 3 bottom).
EMSCRIPTEN_KEEPALIVE void dz_replay_set_channel(int channel) {
    request_redraw(app_state());
    app_state().replay.channel = std::clamp(channel, 0, telemetry::kWhChannels - 1);
}

// Same effect as clicking a row of the Gradient flow view's activation table and moving its
// parameter slider (NaN keeps the parameter). Returns 0 for an unknown activation name.
EMSCRIPTEN_KEEPALIVE int dz_flow_set_activation(const char* name, double param) {
    const std::optional<ActivationKind> kind = activation_from_name(name);
    if (!kind) return 0;
    request_redraw(app_state());
    set_flow_activation(app_state(), *kind, param);
    return 1;
}

// Moves the particles to `phase` (0..1 through one forward and backward pass), as the animation
// would; the browser test pauses the animation and sets phases to capture frames.
EMSCRIPTEN_KEEPALIVE void dz_flow_set_phase(double phase) {
    request_redraw(app_state());
    app_state().flow.phase = std::isfinite(phase) ? phase - std::floor(phase) : 0.0;
}

// Same effect as moving the what-if's sliders: a JSON object with any of activation, param, init_std,
// bias_init, lr, feature_scale, feature_drift, seed, steps. Reruns the simulation at once; returns
// the number of simulations run so far, or -1 for JSON that is not an object or an unknown activation.
EMSCRIPTEN_KEEPALIVE int dz_what_if_set(const char* json) {
    const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object()) return -1;
    AppState& s = app_state();
    ChannelSimConfig& c = s.flow.what_if.config;
    if (j.contains("activation")) {
        if (!j["activation"].is_string()) return -1;
        const std::optional<ActivationKind> kind = activation_from_name(j["activation"].get<std::string>());
        if (!kind) return -1;
        c.activation = Activation::with_default(*kind);
    }
    const auto number = [&](const char* key, auto& field) {
        if (j.contains(key) && j[key].is_number()) field = j[key].get<std::decay_t<decltype(field)>>();
    };
    number("param", c.activation.param);
    number("init_std", c.init_std);
    number("bias_init", c.bias_init);
    number("lr", c.lr);
    number("feature_scale", c.feature_scale);
    number("feature_drift", c.feature_drift);
    number("seed", c.seed);
    number("steps", c.steps);
    const ActivationInfo& info = activation_info(c.activation.kind);
    if (info.param_name != nullptr) c.activation.param = std::clamp(c.activation.param, info.param_min, info.param_max);
    if (j.contains("feature_scale")) s.flow.what_if.features_from_run = false; // the user's value from now on
    s.flow.what_if.feature_scale_chosen |= j.contains("feature_scale");
    request_redraw(s);
    s.flow.what_if.dirty = true;
    update_what_if(s);
    return s.flow.what_if.runs;
}

// Same effect as scrubbing the timeline to `step`.
EMSCRIPTEN_KEEPALIVE void dz_replay_set_step(double step) {
    request_redraw(app_state());
    set_replay_step(app_state(), static_cast<std::int64_t>(step));
}

// Same effect as the Replay view's shipped-run buttons (live = 0) or its live-runs list (live = 1).
EMSCRIPTEN_KEEPALIVE void dz_replay_load_url(const char* name, const char* url, int live) {
    request_redraw(app_state());
    app_state().view = View::Replay;
    load_telemetry_url(app_state(), name, url, live ? RunOrigin::Live : RunOrigin::Shipped);
}

// Same effect as a run's close button.
EMSCRIPTEN_KEEPALIVE void dz_replay_remove(int index) {
    request_redraw(app_state());
    remove_replay_run(app_state(), index);
}

// Same effect as the Detect view's "Replay training" button.
EMSCRIPTEN_KEEPALIVE void dz_open_shipped_replay() {
    request_redraw(app_state());
    open_shipped_replay(app_state());
}

} // extern "C"

namespace deadzone::explorer {

void announce_result(int panel_index) { dz_js_announce_result(panel_index); }

} // namespace deadzone::explorer
