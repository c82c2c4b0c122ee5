#include "scan_pipeline.h"

#include "file_drop.h"
#include "ort_session.h"
#include "pipeline.h"

#include "deadzone/file_names.h"
#include "deadzone/float16.h"
#include "deadzone/image_input.h"
#include "deadzone/onnx_info.h"
#include "deadzone/scan_report.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

namespace deadzone::explorer {

namespace {

// Images are capped like the Detect view's; a scan keeps their encoded bytes only.
constexpr std::int64_t kMaxScanImagePixels = 50'000'000;
constexpr std::size_t kMaxScanImages = 64;
constexpr int kMaxSampleRank = 1 << 16; // ranks from here on are images that are not samples

void fail(AppState& state, const std::string& why) {
    ScanState& scan = state.scan;
    if (scan.session_id != 0) ort_release_session(scan.session_id);
    scan.session_id = 0;
    scan.abandoned_request = scan.request_id; // (0 when called between runs, as it always is)
    scan.request_id = 0;
    if (scan.pass == 1) { // the comparison failed; the scan itself stands
        scan.comparison_error = why;
        scan.second.reset();
        scan.phase = ScanPhase::Done;
        post_message(state, "scan: the comparison on " + std::string(backend_name(scan.pass_backend)) + " failed: " + why, true);
        announce_result(-1);
        return;
    }
    scan.phase = ScanPhase::Failed;
    scan.error = why;
    post_message(state, "scan: " + why, true);
}

// The model the current pass's session is created from.
const std::vector<std::uint8_t>& exposed_model(const ScanState& scan) {
    return scan.pass == 0 ? scan.scan->exposed_model() : scan.second->exposed_model();
}

// Ready when the model and its data files are all there.
void update_phase(ScanState& scan) {
    if (scan_running(scan)) return;
    if (!scan.scan) scan.phase = ScanPhase::Empty;
    else if (!scan.missing_data.empty()) scan.phase = ScanPhase::WaitingForData;
    else if (scan.phase != ScanPhase::Done && scan.phase != ScanPhase::Failed) scan.phase = ScanPhase::Ready;
}

// The input (checked by core's scan_input: one [N,3,H,W] input, a square for symbolic H/W) and the scaling:
// the model's own mean/std when it is a detector DeadZone knows (trainer metadata), else ImageNet's.
void choose_input(ScanState& scan, ScanInput input) {
    const OnnxInfo& info = scan.scan->graph().info;
    scan.input = std::move(input);
    Result<DetectorInterface> detector = find_detector_interface(info);
    scan.model_norm_known = detector.ok() && info.metadata.count("mean") > 0;
    if (scan.model_norm_known) scan.model_norm = detector.value().norm;
}

// How pixels become the scan's input: the model's own mean/std when known and chosen, else the
// scaling combo's; the BGR box's plane order either way.
Normalization feed_normalization(const ScanState& scan) {
    Normalization norm = scan.use_model_norm && scan.model_norm_known ? scan.model_norm : normalization_for(scan.scaling);
    norm.order = scan.channel_order;
    return norm;
}

// The input the scan feeds: [1,3,H,W] as float32, or converted to float16 bit patterns.
Result<bool> prepare_input(const ScanState& scan, const ScanImage& image, ModelInput& input, std::vector<std::uint16_t>& halves) {
    Result<RgbImage> rgb = decode_image(image.bytes.data(), image.bytes.size(), ImageLimits{kMaxScanImagePixels});
    if (!rgb) return Error{image.name + ": " + rgb.error()};
    const Normalization norm = feed_normalization(scan);
    fill_model_input(rgb.value(), scan.input.width, scan.input.height, norm, input);
    if (scan.input.half) {
        halves.resize(input.nchw.size());
        floats_to_halves(input.nchw.data(), input.nchw.size(), halves.data());
    } else {
        halves.clear();
    }
    return true;
}

// The layers a GPU pass reduces there: ort_runner.js's feed.accumulate, each with the zero-gradient
// region core's scan uses for it (a bound JSON cannot hold, infinity, is null).
std::string accumulate_json(const ModelScan& scan, const std::vector<int>& layers) {
    const auto bound = [](float v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    nlohmann::json list = nlohmann::json::array();
    for (int l : layers) {
        const ActivationLayer& layer = scan.layers()[static_cast<std::size_t>(l)];
        const InactiveRegion region = layer.inactive_region();
        list.push_back({{"layer", l},
                        {"name", layer.tensor},
                        {"zero", region.zero},
                        {"lower", bound(region.lower)},
                        {"upper", bound(region.upper)}});
    }
    return list.dump();
}

// Runs `layers` of the exposed model on image `image_index`.
void start_run(AppState& state, int image_index, const std::vector<int>& layers, bool for_maps) {
    ScanState& scan = state.scan;
    ModelInput input;
    std::vector<std::uint16_t> halves;
    Result<bool> prepared = prepare_input(scan, scan.images[static_cast<std::size_t>(image_index)], input, halves);
    if (!prepared) {
        if (for_maps) {
            scan.maps.pending = false;
            scan.maps.error = prepared.error();
        } else {
            fail(state, prepared.error());
        }
        return;
    }
    scan.request_names.clear();
    scan.request_layers = layers;
    for (int l : layers) scan.request_names.push_back(scan.scan->layers()[static_cast<std::size_t>(l)].tensor);
    scan.request_for_maps = for_maps;
    scan.request_id = state.next_id++;
    state.ort_busy = true;
    const bool half = !halves.empty();
    ort_run_outputs(scan.session_id, scan.request_id, half ? static_cast<const void*>(halves.data()) : input.nchw.data(),
                    static_cast<int>(input.nchw.size()), half, scan.input.width, scan.input.height, scan.input.name,
                    scan.request_names, scan.gpu_totals && !for_maps ? accumulate_json(*scan.scan, layers) : "");
}

// The counters the current pass adds to.
ModelScan& active(ScanState& scan) { return scan.pass == 0 ? *scan.scan : *scan.second; }

std::vector<int> all_layers(const ModelScan& scan) {
    std::vector<int> layers(scan.layers().size());
    for (std::size_t i = 0; i < layers.size(); ++i) layers[i] = static_cast<int>(i);
    return layers;
}

// After the last image of a GPU pass: its counts, read back once (then on_scan_run_done finishes).
void read_gpu_totals(AppState& state) {
    ScanState& scan = state.scan;
    scan.reading_totals = true;
    scan.request_id = state.next_id++;
    state.ort_busy = true;
    ort_read_totals(scan.session_id, scan.request_id);
}

// Pass 1: the same scan again on the other back-end, into fresh counters.
void start_second_pass(AppState& state) {
    ScanState& scan = state.scan;
    Result<ModelScan> opened = ModelScan::open(scan.model_bytes.data(), scan.model_bytes.size(), scan.thresholds);
    if (!opened) { // cannot happen: the same bytes opened for pass 0
        scan.comparison_error = opened.error();
        return;
    }
    scan.second = std::move(opened).value();
    if (scan.session_id != 0) ort_release_session(scan.session_id);
    scan.session_id = 0;
    scan.pass = 1;
    scan.reading_totals = false;
    scan.gpu_total_layers = 0;
    scan.pass_backend = other_backend(scan.pass_backend);
    scan.compared_with = scan.pass_backend;
    scan.image_index = scan.group_index = 0;
    scan.groups.clear();
    scan.phase = ScanPhase::Opening;
}

void finish_comparison(AppState& state) {
    ScanState& scan = state.scan;
    const ScanReport second = scan.second->report(scan.model_name, {1, 3, scan.input.height, scan.input.width});
    scan.comparison = compare_scans(*scan.report, second);
    scan.second.reset();
    scan.phase = ScanPhase::Done;
    scan.finished_ms = emscripten_get_now();
    announce_result(-1);
}

void finish(AppState& state) {
    ScanState& scan = state.scan;
    if (scan.pass == 1) {
        finish_comparison(state);
        return;
    }
    scan.finished_ms = emscripten_get_now();
    scan.report = scan.scan->report(scan.model_name, {1, 3, scan.input.height, scan.input.width},
                                    describe_model_input(feed_normalization(scan), scan.input.width, scan.input.height));
    scan.phase = ScanPhase::Done;
    // "Scan again" keeps the layer the user was looking at; a new model starts at the first with dead channels.
    if (scan.selected_layer >= static_cast<int>(scan.report->layers.size())) scan.selected_layer = -1;
    for (std::size_t i = 0; i < scan.report->layers.size() && scan.selected_layer < 0; ++i)
        if (scan.report->layers[i].dead_channels() > 0) scan.selected_layer = static_cast<int>(i);
    if (scan.selected_layer < 0 && !scan.report->layers.empty()) scan.selected_layer = 0;
    scan.maps = LayerMaps{};
    post_message(state, "scan of " + scan.model_name + ": " + scan_summary(*scan.report), false);
    if (scan.compare_backends && backend_available(state, other_backend(scan.pass_backend))) {
        start_second_pass(state);
        return;
    }
    announce_result(-1);
}

} // namespace

bool backend_available(const AppState& state, Backend backend) {
    return backend == Backend::Wasm || state.backends.webgpu_adapter;
}

bool scan_running(const ScanState& scan) { return scan.phase == ScanPhase::Opening || scan.phase == ScanPhase::Running; }

void accept_scan_model(AppState& state, const std::string& name, std::vector<std::uint8_t> bytes) {
    ScanState& scan = state.scan;
    if (scan_running(scan)) cancel_scan(state);
    Result<ModelScan> opened = ModelScan::open(bytes.data(), bytes.size(), scan.thresholds);
    if (!opened) {
        // The last report stays; only the error says what happened to the new file.
        scan.error = name + ": " + opened.error();
        post_message(state, "scan: " + scan.error, true);
        return;
    }
    Result<ScanInput> in = scan_input(opened.value().graph().info, scan.symbolic_side, scan.symbolic_side);
    if (!in) {
        scan.error = name + ": " + in.error();
        post_message(state, "scan: " + scan.error, true);
        return;
    }
    if (scan.session_id != 0) ort_release_session(scan.session_id);
    scan.session_id = 0;
    scan.model_name = name;
    scan.model_bytes = std::move(bytes);
    scan.scan = std::move(opened).value();
    scan.external_files.clear();
    scan.missing_data = scan.scan->graph().info.external_data;
    scan.error.clear();
    scan.report.reset();
    scan.phase = ScanPhase::Empty;
    scan.selected_layer = -1;
    choose_input(scan, std::move(in).value());
    // Data files that came first (the same drop lists them in any order) are claimed now.
    std::vector<ExternalFile> early = std::move(scan.early_data);
    scan.early_data.clear();
    for (ExternalFile& f : early)
        if (!accept_scan_data(state, f.name, f.bytes)) scan.early_data.push_back(std::move(f));
    update_phase(scan);
    const std::size_t layers = scan.scan->layers().size();
    post_message(state,
                 "scan: " + name + " has " + std::to_string(layers) + (layers == 1 ? " activation layer" : " activation layers") +
                     (scan.missing_data.empty() ? "" : "; drop its data file " + scan.missing_data.front()),
                 false);
}

void scan_detect_model(AppState& state, int model_index) {
    if (model_index < 0 || model_index >= static_cast<int>(state.detect.models.size())) return;
    const Model& m = state.detect.models[static_cast<std::size_t>(model_index)];
    accept_scan_model(state, m.name + ".onnx", m.bytes);
    for (const ExternalFile& f : m.external_files) {
        std::vector<std::uint8_t> copy = f.bytes;
        accept_scan_data(state, f.name, copy);
    }
}

bool accept_scan_data(AppState& state, const std::string& name, std::vector<std::uint8_t>& bytes) {
    ScanState& scan = state.scan;
    auto it = std::find_if(scan.missing_data.begin(), scan.missing_data.end(),
                           [&](const std::string& wanted) { return wanted == name || ends_with(wanted, "/" + name); });
    if (it == scan.missing_data.end()) {
        if (!has_extension(name, ".data")) return false;
        // A data file before its model (or for a model still to come): kept until one names it.
        if (scan.early_data.size() >= kMaxDataFiles) scan.early_data.erase(scan.early_data.begin());
        scan.early_data.push_back({name, std::move(bytes)});
        return true;
    }
    scan.external_files.push_back({*it, std::move(bytes)});
    scan.missing_data.erase(it);
    update_phase(scan);
    return true;
}

void accept_scan_image(AppState& state, const std::string& name, std::vector<std::uint8_t> bytes) {
    ScanState& scan = state.scan;
    if (scan_running(scan)) { // the running scan walks the list by index: it must not change under it
        post_message(state, "scan: '" + name + "' arrived during a scan and was not added; add it again when it ends", true);
        return;
    }
    if (scan.images.size() >= kMaxScanImages) {
        post_message(state, "scan: at most " + std::to_string(kMaxScanImages) + " images; '" + name + "' was not added", true);
        return;
    }
    // Refused now rather than mid-scan: the header says whether it decodes and fits the budget.
    Result<RgbImage> probe = decode_image(bytes.data(), bytes.size(), ImageLimits{kMaxScanImagePixels});
    if (!probe) {
        post_message(state, "scan: '" + name + "' is not an image the scan can use: " + probe.error(), true);
        return;
    }
    for (ScanImage& image : scan.images)
        if (image.name == name) {
            image.bytes = std::move(bytes);
            return;
        }
    // Samples keep the toolbar's order whatever order their fetches end in; other images follow
    // in the order they came.
    int rank = kMaxSampleRank + static_cast<int>(scan.images.size());
    for (std::size_t i = 0; i < state.detect.samples.size(); ++i)
        if (ends_with(state.detect.samples[i].url, "/" + name) || state.detect.samples[i].url == name) rank = static_cast<int>(i);
    scan.images.push_back({name, std::move(bytes), rank});
    std::stable_sort(scan.images.begin(), scan.images.end(),
                     [](const ScanImage& a, const ScanImage& b) { return a.rank < b.rank; });
}

void fetch_scan_samples(AppState& state) {
    state.scan.samples_requested = true;
    for (const SampleImage& sample : state.detect.samples) fetch_file(sample.url, FetchKind::ScanImage);
}

void clear_scan_images(AppState& state) {
    if (scan_running(state.scan)) return;
    state.scan.images.clear();
    state.scan.maps = LayerMaps{};
}

void start_scan(AppState& state) {
    ScanState& scan = state.scan;
    if (scan_running(scan)) {
        post_message(state, "scan: one is running already", true);
        return;
    }
    if (!scan.scan) {
        post_message(state, "scan: open a model first", true);
        return;
    }
    if (!scan.missing_data.empty()) {
        post_message(state, "scan: drop the data file " + scan.missing_data.front() + " first", true);
        return;
    }
    if (scan.images.empty()) {
        post_message(state, "scan: add images first (drop them here, or press 'samples')", true);
        return;
    }
    // A fresh ModelScan: counters start at zero and the static rules use the current thresholds.
    Result<ModelScan> opened = ModelScan::open(scan.model_bytes.data(), scan.model_bytes.size(), scan.thresholds);
    if (!opened) {
        fail(state, opened.error());
        return;
    }
    scan.scan = std::move(opened).value();
    if (scan.session_id != 0) ort_release_session(scan.session_id);
    scan.session_id = 0;
    scan.image_index = scan.group_index = 0;
    scan.groups.clear();
    scan.error.clear();
    scan.maps = LayerMaps{};
    scan.pass = 0;
    scan.reading_totals = false;
    scan.gpu_total_layers = 0;
    scan.pass_backend = state.backend;
    scan.second.reset();
    scan.comparison.reset();
    scan.comparison_error.clear();
    scan.started_ms = emscripten_get_now();
    scan.phase = ScanPhase::Opening;
}

void cancel_scan(AppState& state) {
    ScanState& scan = state.scan;
    if (!scan_running(scan)) return;
    // A run in flight keeps ONNX Runtime busy until it answers (one ORT call at a time); its answer
    // then only frees it.
    scan.abandoned_request = scan.request_id;
    scan.request_id = 0;
    scan.reading_totals = false;
    if (scan.session_id != 0) ort_release_session(scan.session_id);
    scan.session_id = 0;
    if (scan.pass == 1) { // the scan stands; only its comparison is cancelled
        scan.second.reset();
        scan.comparison_error = "cancelled";
        scan.phase = ScanPhase::Done;
        return;
    }
    scan.phase = ScanPhase::Failed;
    scan.error = "cancelled";
}

void pump_scan(AppState& state) {
    ScanState& scan = state.scan;
    if (state.ort_busy || !state.backend_chosen) return;
    if (scan.phase == ScanPhase::Opening && scan.session_id == 0) {
        scan.session_id = state.next_id++;
        state.ort_busy = true;
        // On WebGPU a float32 model's activations are reduced where they are, on the GPU.
        scan.gpu_totals = scan.reduce_on_gpu && scan.pass_backend == Backend::WebGpu && !scan.input.half;
        ort_create_session(scan.session_id, exposed_model(scan), scan.external_files, scan.pass_backend, scan.gpu_totals);
        active(scan).release_exposed_model(); // JS copied it before ort_create_session returned
        return;
    }
    if (scan.phase == ScanPhase::Running && scan.request_id == 0) {
        // The fetch budget bounds what is read back onto the wasm heap at once. Counted on the GPU,
        // nothing is: every layer comes from one run per image.
        if (scan.groups.empty())
            scan.groups = scan.gpu_totals ? std::vector<std::vector<int>>{all_layers(active(scan))}
                                          : active(scan).fetch_groups(static_cast<std::int64_t>(scan.budget_mb * 1048576.0));
        start_run(state, scan.image_index, scan.groups[static_cast<std::size_t>(scan.group_index)], false);
        return;
    }
    if (scan.phase == ScanPhase::Done && scan.maps.pending && scan.request_id == 0 && scan.session_id != 0)
        start_run(state, scan.maps.image, {scan.maps.layer}, true);
}

void request_layer_maps(AppState& state, int layer, int image) {
    ScanState& scan = state.scan;
    if (scan.phase != ScanPhase::Done || scan.session_id == 0 || layer < 0 || image < 0 ||
        image >= static_cast<int>(scan.images.size()))
        return;
    if (scan.maps.layer == layer && scan.maps.image == image && (scan.maps.pending || !scan.maps.values.empty())) return;
    scan.maps = LayerMaps{};
    scan.maps.layer = layer;
    scan.maps.image = image;
    scan.maps.pending = true;
}

std::string scan_report_text(const ScanState& scan, bool markdown) {
    if (!scan.report) return "";
    return markdown ? scan_report_markdown(*scan.report) : scan_report_json(*scan.report);
}

bool owns_scan_session(const AppState& state, int session_id) { return session_id != 0 && session_id == state.scan.session_id; }

void on_scan_session_created(AppState& state, int session_id, bool ok, const std::string& message) {
    ScanState& scan = state.scan;
    state.ort_busy = false;
    if (session_id != scan.session_id || scan.phase != ScanPhase::Opening) return;
    if (!ok) {
        scan.session_id = 0; // ORT has no session to release
        fail(state, "ONNX Runtime could not load " + scan.model_name + " on " + backend_name(scan.pass_backend) + ": " + message);
        return;
    }
    scan.phase = ScanPhase::Running;
}

void on_scan_output(AppState& state, int request_id, int index, const void* data, bool half,
                    const std::vector<std::int64_t>& dims) {
    ScanState& scan = state.scan;
    if (request_id != scan.request_id || index < 0 || index >= static_cast<int>(scan.request_layers.size())) return;
    std::int64_t n = 1;
    for (std::int64_t d : dims) n *= d < 0 ? 0 : d;
    std::vector<float> converted;
    const float* values = static_cast<const float*>(data);
    if (half) {
        converted.resize(static_cast<std::size_t>(n));
        halves_to_floats(static_cast<const std::uint16_t*>(data), converted.size(), converted.data());
        values = converted.data();
    }
    if (scan.request_for_maps) {
        scan.maps.shape = dims;
        scan.maps.values.assign(values, values + n);
        scan.maps.generation = ++scan.maps_generation;
        return;
    }
    Result<bool> added = active(scan).add_output(scan.request_layers[static_cast<std::size_t>(index)], values, dims);
    if (!added) scan.error = added.error(); // reported when the run ends
}

void on_scan_run_done(AppState& state, int request_id, const std::string& error) {
    ScanState& scan = state.scan;
    if (request_id != 0 && request_id == scan.abandoned_request) { // a cancelled scan's run: ORT is free again
        scan.abandoned_request = 0;
        state.ort_busy = false;
        return;
    }
    if (request_id != scan.request_id) return;
    state.ort_busy = false;
    scan.request_id = 0;
    if (scan.request_for_maps) {
        scan.maps.pending = false;
        scan.maps.error = error;
        return;
    }
    if (scan.reading_totals) {
        scan.reading_totals = false;
        if (!error.empty() || !scan.error.empty()) {
            fail(state, "reading the GPU's counts: " + (error.empty() ? scan.error : error));
            return;
        }
        finish(state);
        return;
    }
    if (!error.empty() || !scan.error.empty()) {
        fail(state, scan.images[static_cast<std::size_t>(scan.image_index)].name + ": " + (error.empty() ? scan.error : error));
        return;
    }
    if (++scan.group_index < static_cast<int>(scan.groups.size())) return;
    active(scan).end_image(scan.images[static_cast<std::size_t>(scan.image_index)].name);
    scan.group_index = 0;
    scan.groups.clear(); // re-planned from the sizes the first image showed
    if (++scan.image_index < static_cast<int>(scan.images.size())) return;
    if (scan.gpu_totals) read_gpu_totals(state);
    else finish(state);
}

void on_scan_layer_totals(AppState& state, int request_id, int layer, const std::vector<std::int64_t>& shape, int images,
                          std::vector<ChannelScan> channels) {
    ScanState& scan = state.scan;
    if (request_id != scan.request_id || !scan.reading_totals) return;
    Result<bool> set = active(scan).set_layer_totals(layer, shape, images, std::move(channels));
    if (!set) scan.error = set.error(); // reported when the read ends
    else ++scan.gpu_total_layers;
}

} // namespace deadzone::explorer
