// The path from bytes to boxes: image bytes -> core decode_image (pixel budget) -> core
// make_model_input (letterbox + normalisation) -> ORT Web session.run (ort_session.cpp) -> checks
// -> core per_channel_stats + decode_ttfnet. Bad input at any step becomes a visible message and
// leaves the previous image, models and predictions as they were.
#include "pipeline.h"

#include "ground_truth.h"
#include "js_bindings.h"

#include "file_drop.h"
#include "ort_session.h"
#include "telemetry_loader.h"
#include "textures.h"

#include "deadzone/file_names.h"
#include "deadzone/box_encoding.h"
#include "deadzone/image_orientation.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

namespace deadzone::explorer {

namespace {

// The browser's pixel budget: a decoded image costs 3 bytes a pixel here, plus its texture and the
// model input; 40 MP keeps that well under the wasm heap's 2 GB.
constexpr std::int64_t kMaxImagePixels = 40'000'000;
constexpr int kMaxTextureSide = 4096; // larger images are shown downscaled (the model sees them whole)
// How long a new image's first frame may wait for its detections (see should_draw in main.cpp):
// about the longest delay people still read as instant.
constexpr double kFirstFrameHoldMs = 100.0;

bool model_ready(const Model& m) { return m.session_id != 0 && !m.session_pending && m.session_error.empty(); }

void mark_panels_for_run(AppState& state) {
    for (Panel& p : state.detect.panels) {
        p.needs_run = state.detect.image.generation > 0 && p.model_index >= 0;
        p.request_id = 0; // a result still in flight is for an old image/model/back-end: ignore it
    }
}

// Lets go of the maps the panel's prediction keeps on the GPU: it is being replaced, or what they
// were read with (the session, the model's interface) is gone. Views that need maps then say so.
void release_gpu_maps(Panel& panel) {
    if (panel.pred.kept_maps_handle != 0) {
        ort_drop_kept_maps(panel.pred.kept_maps_handle);
        if (!panel.pred.has_maps())
            panel.pred.maps_error = "the maps were let go (back-end or interface changed); rerun to see them";
    }
    panel.pred.kept_maps_handle = 0;
    panel.maps_request_id = 0; // a read in flight is for the old prediction: ignored when it comes
}

// A run of a fresh session on a blank input whose result nobody waits for (its request id belongs
// to no panel, so on_run_finished drops it). The first runs of a session are several times slower
// than later ones (ORT's set-up, the browser compiling hot wasm code: 253 ms, then 180, then 56 ms
// for the shipped broken model here); this moves that cost from the user's first image to idle time.
void start_warm_up_run(AppState& state, Model& model) {
    model.warmed = true;
    // A model with symbolic H and W is warmed at the size a 640x480 photo would get.
    const InputSize size = pick_input_size(model.spec, 640, 480);
    const std::vector<float> blank(static_cast<std::size_t>(size.width) * size.height * 3, 0.0f);
    state.ort_busy = true;
    ort_run(model.session_id, state.next_id++, blank, size.width, size.height, model.spec);
}

// Whether state.detect.model_input already is this image letterboxed for a model of this input size and
// normalisation (both panels usually are: the second run then skips the letterbox).
bool holds_input_for(const AppState& state, InputSize size, const Normalization& norm) {
    const auto& of = state.detect.model_input_of;
    return of.image_generation == state.detect.image.generation && of.size.width == size.width && of.size.height == size.height &&
           of.norm == norm;
}

// web/ort_runner.js's feed.decode for one run: decode with `params` (the model's stride) through
// `letterbox`, keeping the maps on the GPU under `handle`.
std::string gpu_decode_request(DecodeParams params, const DetectorInterface& spec, const Letterbox& letterbox, int handle) {
    const nlohmann::json j = {
        {"heatmap", spec.heatmap_name},
        {"wh", spec.wh_name},
        {"wh_pre", spec.wh_pre_name},
        {"params", {{"stride", spec.stride}, {"topK", params.top_k}, {"scoreThreshold", params.score_threshold}}},
        {"letterbox",
         {{"padLeft", letterbox.pad_left},
          {"padTop", letterbox.pad_top},
          {"scale", letterbox.scale},
          {"sourceWidth", letterbox.source_width},
          {"sourceHeight", letterbox.source_height}}},
        {"keep", handle},
    };
    return j.dump();
}

void start_run(AppState& state, int panel_index) {
    Panel& panel = state.detect.panels[panel_index];
    Model& model = state.detect.models[panel.model_index];
    const InputSize size = pick_input_size(model.spec, state.detect.image.rgb.width, state.detect.image.rgb.height);
    model.warmed = true; // this run is its warm-up
    panel.run_started_ms = emscripten_get_now();
    ModelInput& input = state.detect.model_input;
    if (!holds_input_for(state, size, model.spec.norm)) {
        fill_model_input(state.detect.image.rgb, size.width, size.height, model.spec.norm, input);
        state.detect.model_input_of = {state.detect.image.generation, size, model.spec.norm};
        ++state.counters.inputs_made;
    }
    panel.preprocess_ms = emscripten_get_now() - panel.run_started_ms;
    panel.request_id = state.next_id++;
    panel.needs_run = false;
    panel.pending_letterbox = input.letterbox; // the current prediction stays on screen meanwhile
    state.ort_busy = true;
    ++state.counters.runs_started;
    ort_run(model.session_id, panel.request_id, input.nchw, size.width, size.height, model.spec,
            decodes_on_gpu(state, model) ? gpu_decode_request(state.detect.params, model.spec, input.letterbox, panel.request_id)
                                         : "");
}

} // namespace

int find_model(const DetectState& detect, const std::string& name) {
    for (size_t i = 0; i < detect.models.size(); ++i)
        if (detect.models[i].name == name) return static_cast<int>(i);
    return -1;
}

void post_message(AppState& state, std::string text, bool error) {
    if (error) emscripten_log(EM_LOG_WARN, "[deadzone] %s", text.c_str());
    state.messages.push_back({std::move(text), error, emscripten_get_now()});
    if (state.messages.size() > 50) state.messages.erase(state.messages.begin());
}

namespace {

// j[key] when it is a string, else `fallback`: json::value() throws on a type mismatch (a manifest
// with "description": 1), and the wasm build cannot catch exceptions.
std::string string_or(const nlohmann::json& j, const char* key, const std::string& fallback) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

// One manifest entry's card; nullopt without a name. Malformed figures are left out, not guessed.
// `training`: the manifest's line, for an entry without one of its own.
std::optional<ModelCard> read_model_card(const nlohmann::json& m, int rank, const std::string& training) {
    if (!m.contains("name") || !m["name"].is_string()) return std::nullopt;
    ModelCard card;
    card.name = m["name"].get<std::string>();
    card.rank = rank;
    card.description = string_or(m, "description", "");
    card.training = string_or(m, "training", training);
    if (!m.contains("evaluation") || !m["evaluation"].is_object()) return card;
    const nlohmann::json& e = m["evaluation"];
    const auto unit = [&](const char* key) {
        return e.contains(key) && e[key].is_number() && e[key].get<double>() >= 0 && e[key].get<double>() <= 1
                   ? e[key].get<double>()
                   : -1.0;
    };
    card.map50 = unit("map50");
    card.mean_iou = unit("mean_iou");
    if (e.contains("dead_channels") && e["dead_channels"].is_array())
        for (const auto& d : e["dead_channels"])
            if (d.is_object() && d.contains("channel") && d["channel"].is_number_integer() && d.contains("since_step") &&
                d["since_step"].is_number_integer())
                card.dead_channels.emplace_back(d["channel"].get<int>(), d["since_step"].get<long long>());
    card.measured = string_or(e, "measured", "");
    card.evaluated_on = string_or(e, "on", "");
    card.evaluated = card.map50 >= 0;
    return card;
}

} // namespace

const ModelCard* find_card(const DetectState& detect, const std::string& name) {
    for (const ModelCard& c : detect.cards)
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<int> models_in_list_order(const DetectState& detect) {
    std::vector<int> order(detect.models.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return detect.models[a].rank < detect.models[b].rank; });
    return order;
}

const char* model_origin_name(ModelOrigin origin) {
    switch (origin) {
    case ModelOrigin::Shipped: return "shipped";
    case ModelOrigin::TestModel: return "test model";
    case ModelOrigin::Dropped: return "dropped";
    }
    return "?";
}

namespace {

// Shows the pair the image on screen was opened for, unless the user picked a panel's model.
// Called when a sample's image arrives and when the manifest arrives (either can come first);
// models that are still loading are put in their panel by add_model, which follows default_pair.
void show_wanted_pair(AppState& state) {
    DetectState& detect = state.detect;
    if (detect.models_picked || detect.wanted_pair.empty()) return;
    const auto pair =
        std::find_if(detect.pairs.begin(), detect.pairs.end(), [&](const ModelPair& p) { return p.name == detect.wanted_pair; });
    if (pair == detect.pairs.end()) return;
    for (int p = 0; p < 2; ++p) {
        detect.default_pair[p] = pair->models[p];
        const int index = find_model(detect, pair->models[p]);
        if (index >= 0) select_model(state, p, index);
    }
}

// The manifest's `pairs` ({"street": ["street-broken", "street-leaky"], ...}) whose two models are
// among its cards; malformed entries and pairs naming a model the manifest does not list are skipped.
std::vector<ModelPair> read_model_pairs(const nlohmann::json& manifest, const DetectState& detect) {
    std::vector<ModelPair> pairs;
    if (!manifest.contains("pairs") || !manifest["pairs"].is_object()) return pairs;
    for (const auto& [name, models] : manifest["pairs"].items()) {
        if (!models.is_array() || models.size() != 2 || !models[0].is_string() || !models[1].is_string()) continue;
        ModelPair pair{name, {models[0].get<std::string>(), models[1].get<std::string>()}};
        if (find_card(detect, pair.models[0]) != nullptr && find_card(detect, pair.models[1]) != nullptr)
            pairs.push_back(std::move(pair));
    }
    return pairs;
}

} // namespace

void open_sample(AppState& state, const SampleImage& sample) {
    // Labels first: they are kept until the image of their stem arrives, whichever comes first.
    if (!sample.labels_url.empty()) fetch_file(sample.labels_url, FetchKind::Labels);
    fetch_file(sample.url, FetchKind::Image);
    // Its pair is shown with the image (accept_image_bytes), not before: the old image would run on it.
    state.detect.pending_sample = {base_name(sample.url), sample.pair};
}

void start_explorer(AppState& state) {
    install_file_drop();
    state.detect.model_list_source = "loading the model list...";
    fetch_file("assets/models/manifest.json", FetchKind::Manifest);
    fetch_file("assets/images/samples.json", FetchKind::Samples);
    fetch_file("runs/index.json", FetchKind::RunsIndex); // answered only by `scripts/explore.sh --runs DIR`
}

void on_manifest_fetched(AppState& state, FetchKind kind, const std::string& url, const std::vector<std::uint8_t>& bytes,
                         const std::string& error) {
    nlohmann::json j;
    if (error.empty()) j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
    const std::string base = url.substr(0, url.find_last_of('/') + 1);
    if (kind == FetchKind::Samples) {
        if (j.is_object() && j.contains("images") && j["images"].is_array())
            for (const auto& img : j["images"]) {
                if (!img.is_object() || !img.contains("file") || !img["file"].is_string()) continue;
                SampleImage sample;
                sample.url = base + img["file"].get<std::string>();
                sample.name = string_or(img, "name", file_stem(sample.url));
                sample.purpose = string_or(img, "purpose", "");
                if (img.contains("labels") && img["labels"].is_string())
                    sample.labels_url = base + img["labels"].get<std::string>();
                sample.pair = string_or(img, "pair", "");
                state.detect.samples.push_back(std::move(sample));
            }
        // The first sample is shown at once (a newcomer sees broken vs fixed without doing anything),
        // unless the page was opened with ?first-sample=none (tests and the bench start empty): then
        // it is only decoded unseen, to warm up the image path.
        if (!state.detect.samples.empty()) {
            if (state.detect.show_first_sample) open_sample(state, state.detect.samples.front());
            else fetch_file(state.detect.samples.front().url, FetchKind::WarmUpImage);
        }
        return;
    }
    const bool usable = j.is_object() && j.contains("models") && j["models"].is_array() && !j["models"].empty();
    if (!usable) {
        if (kind == FetchKind::Manifest) { // nothing shipped yet: the generated test models, if the build made them
            fetch_file("test-models/manifest.json", FetchKind::TestManifest);
        } else {
            state.detect.model_list_source = "no models shipped yet; drag in an .onnx";
            post_message(state, state.detect.model_list_source, false);
        }
        return;
    }
    state.detect.model_list_source =
        kind == FetchKind::Manifest ? "shipped models (assets/models)" : "test models (not trained; from make_test_models)";
    if (j.contains("default_pair") && j["default_pair"].is_array() && j["default_pair"].size() == 2)
        for (int i = 0; i < 2; ++i)
            if (j["default_pair"][i].is_string()) state.detect.default_pair[i] = j["default_pair"][i].get<std::string>();
    if (j.contains("training") && j["training"].is_string()) state.detect.training = j["training"].get<std::string>();
    for (const auto& m : j["models"]) {
        if (!m.is_object() || !m.contains("file") || !m["file"].is_string()) continue;
        if (std::optional<ModelCard> card =
                read_model_card(m, static_cast<int>(state.detect.cards.size()), state.detect.training))
            state.detect.cards.push_back(std::move(*card));
        fetch_file(base + m["file"].get<std::string>(), kind == FetchKind::Manifest ? FetchKind::Model : FetchKind::TestModel);
        // Its training run, for the Replay view (fetched when the user asks for it).
        if (m.contains("telemetry") && m["telemetry"].is_string() && m.contains("name") && m["name"].is_string())
            state.replay.shipped.emplace_back(m["name"].get<std::string>(), base + m["telemetry"].get<std::string>());
    }
    state.detect.pairs = read_model_pairs(j, state.detect);
    show_wanted_pair(state);
}

namespace {

// The data files `spec` names that are not among `files` (by name), as "'a.data', 'b.data'".
std::string missing_data_files(const DetectorInterface& spec, const std::vector<ExternalFile>& files) {
    std::string missing;
    for (const std::string& need : spec.external_data)
        if (std::none_of(files.begin(), files.end(), [&](const ExternalFile& f) { return f.name == need; }))
            missing += (missing.empty() ? "'" : ", '") + need + "'";
    return missing;
}

// Takes the external data files `spec` names out of detect.data_files.
std::vector<ExternalFile> claim_data_files(DetectState& detect, const DetectorInterface& spec) {
    std::vector<ExternalFile> claimed;
    for (const std::string& need : spec.external_data) {
        const auto it = std::find_if(detect.data_files.begin(), detect.data_files.end(),
                                     [&](const ExternalFile& f) { return f.name == need; });
        if (it == detect.data_files.end()) continue;
        claimed.push_back(std::move(*it));
        detect.data_files.erase(it);
    }
    return claimed;
}

// Where the browser keeps a model's interface mapping: by file name and size, so another file of the
// same name is not given this one's mapping.
std::string mapping_setting_key(const Model& m) { return "deadzone.interface." + m.name + "." + std::to_string(m.bytes.size()); }

// A mapping the user set for this model on an earlier visit, if any and still valid.
void apply_remembered_mapping(AppState& state, Model& m) {
    if (m.origin != ModelOrigin::Dropped) return; // shipped and test models keep their own interface
    char buffer[2048];
    if (dz_js_load_setting(mapping_setting_key(m).c_str(), buffer, sizeof buffer) < 0) return;
    Result<InterfaceMapping> mapping = mapping_from_json(buffer);
    Result<DetectorInterface> spec =
        mapping ? apply_mapping(m.spec, m.onnx, mapping.value()) : Result<DetectorInterface>(Error{mapping.error()});
    if (!spec) {
        post_message(state,
                     "model '" + m.name + "': the remembered interface no longer fits (" + spec.error() + "); using the guess",
                     true);
        return;
    }
    m.spec = std::move(spec).value();
    post_message(state, "model '" + m.name + "': using the interface you set on an earlier visit", false);
}

// A checked model joins the list and, if it is the user's, a panel.
void add_model(AppState& state, std::string name, ModelOrigin origin, std::vector<std::uint8_t> bytes, DetectorInterface spec,
               OnnxInfo onnx, std::vector<ExternalFile> external) {
    const std::string stem = name;
    for (int n = 2; find_model(state.detect, name) >= 0; ++n) name = stem + " (" + std::to_string(n) + ")";
    Model m;
    m.name = name;
    m.origin = origin;
    // The manifest's position for a shipped model; anything else after all of them, by arrival.
    const ModelCard* card = origin == ModelOrigin::Dropped ? nullptr : find_card(state.detect, name);
    m.rank = card != nullptr ? card->rank : kMaxManifestModels + static_cast<int>(state.detect.models.size());
    m.bytes = std::move(bytes);
    m.spec = std::move(spec);
    m.external_files = std::move(external);
    m.onnx = std::move(onnx);
    apply_remembered_mapping(state, m);
    state.detect.models.push_back(std::move(m));
    const int index = static_cast<int>(state.detect.models.size()) - 1;
    // Shipped/test models fill their default panel; a dropped model goes where the user will look:
    // an empty panel, else the right-hand (fix) panel.
    // Once the user has picked a model (or dropped one), a default fills only an empty panel.
    for (int p = 0; p < 2; ++p)
        if (origin != ModelOrigin::Dropped && state.detect.default_pair[p] == name &&
            (!state.detect.models_picked || state.detect.panels[p].model_index < 0))
            select_model(state, p, index);
    if (origin == ModelOrigin::Dropped) {
        state.detect.models_picked = true;
        select_model(state, state.detect.panels[0].model_index < 0 ? 0 : 1, index);
        post_message(state, "added model '" + name + "'", false);
    } else {
        for (int p = 0; p < 2; ++p)
            if (state.detect.panels[p].model_index < 0 && state.detect.default_pair[p].empty() &&
                (p == 0 || state.detect.panels[0].model_index != index)) {
                select_model(state, p, index);
                break;
            }
    }
}

// Reads and checks a model file: its interface (and what was read into `onnx`), or null with the
// reason posted.
std::optional<DetectorInterface> check_model(AppState& state, const std::string& file_name,
                                             const std::vector<std::uint8_t>& bytes, OnnxInfo& onnx) {
    Result<OnnxInfo> info = read_onnx_info(bytes.data(), bytes.size());
    if (!info) {
        post_message(state, "model '" + file_name + "' refused: " + info.error(), true);
        return std::nullopt;
    }
    onnx = info.value();
    Result<DetectorInterface> spec = find_detector_interface(info.value());
    if (!spec) {
        post_message(state, "model '" + file_name + "' refused: " + spec.error(), true);
        return std::nullopt;
    }
    return std::move(spec).value();
}

} // namespace

void accept_model_bytes(AppState& state, const std::string& file_name, ModelOrigin origin, std::vector<std::uint8_t> bytes) {
    OnnxInfo onnx;
    std::optional<DetectorInterface> spec = check_model(state, file_name, bytes, onnx);
    if (!spec) return;
    // Convs written without their default attributes run on WebGPU too (the same model for ORT).
    add_default_conv_attributes(bytes); // cannot fail: check_model parsed it
    // Weights in external files: the model waits for all of them (dropped with it or later).
    if (const std::string missing = missing_data_files(*spec, state.detect.data_files); !missing.empty()) {
        state.detect.waiting_models.push_back({file_name, origin, std::move(bytes)});
        post_message(state, "model '" + file_name + "' keeps its weights in " + missing + ": drop that file too", true);
        return;
    }
    std::vector<ExternalFile> external = claim_data_files(state.detect, *spec);
    add_model(state, model_stem(file_name), origin, std::move(bytes), std::move(*spec), std::move(onnx), std::move(external));
}

void accept_model_data_bytes(AppState& state, const std::string& file_name, std::vector<std::uint8_t> bytes) {
    DetectState& detect = state.detect;
    detect.data_files.erase(std::remove_if(detect.data_files.begin(), detect.data_files.end(),
                                           [&](const ExternalFile& f) { return f.name == file_name; }),
                            detect.data_files.end());
    if (detect.data_files.size() >= kMaxDataFiles) detect.data_files.erase(detect.data_files.begin());
    detect.data_files.push_back({file_name, std::move(bytes)});
    // The first waiting model that now has all its files becomes a model.
    for (auto it = detect.waiting_models.begin(); it != detect.waiting_models.end(); ++it) {
        OnnxInfo onnx;
        std::optional<DetectorInterface> spec = check_model(state, it->file_name, it->bytes, onnx);
        if (!spec || !missing_data_files(*spec, detect.data_files).empty()) continue;
        WaitingModel waiting = std::move(*it);
        detect.waiting_models.erase(it);
        std::vector<ExternalFile> external = claim_data_files(detect, *spec);
        add_model(state, model_stem(waiting.file_name), waiting.origin, std::move(waiting.bytes), std::move(*spec),
                  std::move(onnx), std::move(external));
        return;
    }
    post_message(state, "data file '" + file_name + "' kept: it is used when a model that names it is dropped", false);
}

std::string apply_model_mapping(AppState& state, int model_index, const InterfaceMapping& mapping) {
    Model& m = state.detect.models[static_cast<std::size_t>(model_index)];
    Result<DetectorInterface> spec = apply_mapping(m.spec, m.onnx, mapping);
    if (!spec) return spec.error();
    m.spec = std::move(spec).value();
    dz_js_store_setting(mapping_setting_key(m).c_str(), mapping_to_json(mapping).c_str());
    for (Panel& p : state.detect.panels) {
        if (p.pred.model_index == model_index) release_gpu_maps(p); // kept under the old interface's names
        if (p.model_index == model_index) p.needs_run = state.detect.image.generation > 0, p.request_id = 0;
    }
    post_message(state, "model '" + m.name + "': interface set (remembered in this browser)", false);
    return {};
}

bool is_model_data_name(const DetectState& detect, const std::string& file_name) {
    if (file_name.size() > 5 && has_extension(file_name, ".data")) return true;
    for (const WaitingModel& m : detect.waiting_models) {
        Result<OnnxInfo> info = read_onnx_info(m.bytes.data(), m.bytes.size());
        if (info && std::find(info.value().external_data.begin(), info.value().external_data.end(), file_name) !=
                        info.value().external_data.end())
            return true;
    }
    return false;
}

void select_model(AppState& state, int panel_index, int model_index) {
    if (panel_index < 0 || panel_index > 1 || model_index < 0 || model_index >= static_cast<int>(state.detect.models.size()))
        return;
    Panel& p = state.detect.panels[panel_index];
    if (p.model_index == model_index) return;
    p.model_index = model_index;
    p.request_id = 0;
    p.error.clear();
    p.needs_run = state.detect.image.generation > 0;
}

void set_backend(AppState& state, Backend backend) {
    if (backend == Backend::WebGpu && !state.backends.webgpu_adapter) {
        post_message(state, "WebGPU is not available in this browser: " + state.backends.webgpu_error, true);
        return;
    }
    state.backend_chosen = true;
    if (state.backend == backend) return;
    state.backend = backend;
    for (Model& m : state.detect.models) {
        if (m.session_id != 0) ort_release_session(m.session_id);
        m.session_id = 0;
        m.session_pending = false;
        m.session_error.clear();
        m.warmed = false;
    }
    for (Panel& p : state.detect.panels) release_gpu_maps(p); // went with their sessions
    mark_panels_for_run(state);
}

void accept_image_bytes(AppState& state, const std::string& name, const std::vector<std::uint8_t>& bytes, double received_ms) {
    const double arrived_ms = emscripten_get_now();
    Result<RgbImage> image = decode_image(bytes.data(), bytes.size(), ImageLimits{kMaxImagePixels});
    if (!image) {
        post_message(state, "image '" + name + "' not loaded: " + image.error() + " (keeping the previous image)", true);
        return;
    }
    if (const int o = image.value().exif_orientation; o != 1)
        post_message(state,
                     "image '" + name + "': EXIF orientation " + std::to_string(o) + " applied (" + exif_orientation_name(o) +
                         "), so it shows as the camera meant it and labels written for the upright picture match",
                     false);
    // A sample's image brings the model pair made for it; any other image keeps the panels as they are.
    DetectState& detect = state.detect;
    detect.wanted_pair = name == detect.pending_sample.file ? detect.pending_sample.pair : "";
    detect.pending_sample = {};
    show_wanted_pair(state);
    LoadedImage& li = detect.image;
    li.name = name;
    li.rgb = std::move(image).value();
    li.generation += 1;
    li.received_ms = received_ms;
    li.arrived_ms = arrived_ms;
    li.decoded_ms = emscripten_get_now();
    mark_panels_for_run(state);
    if (any_run_pending(state)) state.hold_frames_until_ms = emscripten_get_now() + kFirstFrameHoldMs;
    // The first run starts now, not at the next animation frame (up to 16 ms later), and before the
    // texture upload below: the model needs the pixels, the screen only at the next frame drawn.
    pump_pipeline(state);
    // A very large image is shown downscaled.
    const int longest = li.rgb.width > li.rgb.height ? li.rgb.width : li.rgb.height;
    if (longest > kMaxTextureSide) {
        const float s = static_cast<float>(kMaxTextureSide) / longest;
        const RgbImage small = resize_bilinear(li.rgb, static_cast<int>(li.rgb.width * s), static_cast<int>(li.rgb.height * s));
        li.texture = upload_rgb_texture(li.texture, small);
    } else {
        li.texture = upload_rgb_texture(li.texture, li.rgb);
    }
    li.texture_width = li.rgb.width;
    li.texture_height = li.rgb.height;
    attach_ground_truth(state);
}

void on_session_created(AppState& state, int session_id, bool ok, const std::string& message) {
    state.ort_busy = false;
    for (Model& m : state.detect.models) {
        if (m.session_id != session_id) continue;
        m.session_pending = false;
        if (!ok) {
            m.session_error = message;
            post_message(state,
                         "ONNX Runtime could not load model '" + m.name + "' on " + backend_name(state.backend) + ": " + message +
                             (state.backend == Backend::WebGpu ? " (try the wasm back-end, top right)" : ""),
                         true);
        }
        pump_pipeline(state);
        return;
    }
    if (ok) ort_release_session(session_id); // its model's session was dropped meanwhile (back-end switch)
}

namespace {

// Whether outputs of height x width cells are the run's input at the model's stride. A model whose
// stride was not known (symbolic input, no metadata) takes the one its first outputs show, and the
// user is told.
bool check_output_size(AppState& state, Panel& panel, int height, int width) {
    Model& model = state.detect.models[panel.model_index];
    const Letterbox& lb = panel.pending_letterbox;
    const int stride = model.spec.stride;
    if (height * stride == lb.input_height && width * stride == lb.input_width) return true;
    const bool even = height > 0 && width > 0 && lb.input_height % height == 0 && lb.input_width % width == 0 &&
                      lb.input_height / height == lb.input_width / width;
    if (!model.spec.fixed_input() && even) {
        model.spec.stride = lb.input_height / height;
        post_message(state, "model '" + model.name + "': stride " + std::to_string(model.spec.stride) + " (from its outputs)",
                     false);
        return true;
    }
    panel.error = "outputs are " + std::to_string(height) + "x" + std::to_string(width) + " for an input of " +
                  std::to_string(lb.input_height) + "x" + std::to_string(lb.input_width) + ", expected input / stride " +
                  std::to_string(stride);
    post_message(state, "model '" + model.name + "': " + panel.error, true);
    return false;
}

// The maps as the views and decode take them: heatmap logits, and ltrb distances in input pixels.
// TTFNet's map is that (cells multiplied out) and is shown as such; CenterNet's size and offset are
// shown as the model wrote them, [w, h, dx, dy], so a dead size channel is seen, and converted for
// decode alone (into `ltrb`). Returns "" or why the box map cannot be converted.
std::string to_decode_form(const DetectorInterface& spec, ModelOutputs& outputs) {
    if (spec.heatmap_encoding == HeatmapEncoding::Probabilities)
        for (float& v : outputs.heatmap) v = logit(v); // decode, hover and maps all take logits
    const ChwView box{outputs.wh.data(), outputs.box_channels, outputs.height, outputs.width};
    const ChwView offset{outputs.offset.data(), outputs.offset.empty() ? 0 : 2, outputs.height, outputs.width};
    Result<std::vector<float>> ltrb = box_map_in_input_pixels(box, offset, spec.box_encoding, spec.box_units, spec.stride);
    if (!ltrb) return ltrb.error();
    if (spec.box_encoding == BoxEncoding::CenterNetSizeOffset) {
        outputs.wh.insert(outputs.wh.end(), outputs.offset.begin(), outputs.offset.end());
        outputs.ltrb = std::move(ltrb).value();
    } else {
        outputs.wh = std::move(ltrb).value();
    }
    outputs.box_channels = 4;
    outputs.offset.clear();
    return "";
}

// Refuses a result with NaN/Inf outputs (true: refused, the panel says why). The heatmap's
// statistics are not shown; decode already counted its NaN/Inf cells.
bool refuse_nonfinite(AppState& state, Panel& panel, const Prediction& next) {
    std::int64_t nonfinite = next.decoded.nonfinite_heatmap;
    for (const std::vector<ChannelStats>* list : {&next.pre_stats, &next.post_stats})
        for (const ChannelStats& s : *list) nonfinite += s.nan_count + s.inf_count;
    if (nonfinite == 0) return false;
    const Model& model = state.detect.models[panel.model_index];
    panel.error = std::to_string(nonfinite) + " NaN/Inf values in the outputs: result refused";
    post_message(state,
                 "model '" + model.name + "' emitted " + std::to_string(nonfinite) +
                     " NaN/Inf values: result refused, nothing else changed",
                 true);
    return true;
}

// A new prediction for the panel, from the run just finished (wasm or GPU decode): takes the
// timings and the panel's GL texture, and replaces the old prediction.
void install_prediction(AppState& state, int panel_index, Prediction next, double ms, double round_trip_ms) {
    Panel& panel = state.detect.panels[panel_index];
    next.valid = true;
    next.model_index = panel.model_index;
    next.image_generation = state.detect.image.generation;
    next.backend = state.backend;
    next.letterbox = panel.pending_letterbox; // set by start_run for this request
    next.run_ms = ms;
    next.handoff_ms = round_trip_ms > ms ? round_trip_ms - ms : 0.0;
    next.latency_ms = emscripten_get_now() - state.detect.image.received_ms;
    next.file_read_ms = state.detect.image.arrived_ms - state.detect.image.received_ms;
    next.decode_image_ms = state.detect.image.decoded_ms - state.detect.image.arrived_ms;
    next.queue_ms = panel.run_started_ms - state.detect.image.decoded_ms;
    next.preprocess_ms = panel.preprocess_ms;
    next.post_ms = next.latency_ms - next.file_read_ms - next.decode_image_ms - next.queue_ms - next.preprocess_ms - next.run_ms -
                   next.handoff_ms;
    next.overlay_texture = panel.pred.overlay_texture; // reuse the GL texture, refilled below
    release_gpu_maps(panel);
    panel.pred = std::move(next);
    panel.error.clear();
    update_overlay_texture(panel.pred, state.detect.overlay, state.detect.heatmap_class);
    if (panel.pred.redecode_when_read) read_maps_from_gpu(state, panel_index);
}

// A failed run: the panel says why (the previous prediction stays).
void refuse_run(AppState& state, Panel& panel, const std::string& error) {
    const Model& model = state.detect.models[panel.model_index];
    panel.error = error;
    // ORT Web's WebGPU kernels refuse some valid graphs (e.g. a Conv without explicit attributes);
    // the wasm back-end runs every op, so say where the switch is.
    const std::string hint =
        state.backend == Backend::WebGpu ? " (it may run on the wasm back-end: Back-end: wasm, top right)" : "";
    panel.error += hint;
    post_message(state, "model '" + model.name + "' failed on " + backend_name(state.backend) + ": " + error + hint, true);
}

// A finished run's outputs become the panel's prediction, or its error; checks first.
void accept_run_result(AppState& state, int panel_index, ModelOutputs* outputs, const std::string& error, double ms,
                       double round_trip_ms) {
    Panel& panel = state.detect.panels[panel_index];
    Model& model = state.detect.models[panel.model_index];
    if (outputs == nullptr) {
        refuse_run(state, panel, error);
        return;
    }
    if (!check_output_size(state, panel, outputs->height, outputs->width)) return;
    if (const std::string why = to_decode_form(model.spec, *outputs); !why.empty()) {
        panel.error = why;
        post_message(state, "model '" + model.name + "': " + why + " (check its interface)", true);
        return;
    }
    Prediction next;
    next.out = std::move(*outputs);
    if (next.out.has_wh_pre()) next.pre_stats = per_channel_stats(next.out.wh_pre_view());
    next.post_stats = per_channel_stats(next.out.wh_view());
    DecodeParams params = state.detect.params;
    params.stride = model.spec.stride;
    Result<DecodeResult> decoded = decode_ttfnet(next.out.heatmap_view(), next.out.ltrb_view(), params, panel.pending_letterbox);
    if (!decoded) {
        panel.error = decoded.error();
        post_message(state, "model '" + model.name + "': " + decoded.error(), true);
        return;
    }
    next.decoded = std::move(decoded).value();
    if (refuse_nonfinite(state, panel, next)) return;
    install_prediction(state, panel_index, std::move(next), ms, round_trip_ms);
}

// The same for a run the GPU decoded: its boxes and statistics; the maps stay on the GPU under the
// run's request id until a view needs them.
void accept_gpu_run(AppState& state, int panel_index, int request_id, GpuDecodedRun& run) {
    Panel& panel = state.detect.panels[panel_index];
    const int stride_used = state.detect.models[panel.model_index].spec.stride;
    if (!check_output_size(state, panel, run.height, run.width)) {
        ort_drop_kept_maps(request_id);
        return;
    }
    Prediction next;
    next.out.classes = run.classes;
    next.out.height = run.height;
    next.out.width = run.width;
    next.pre_stats = std::move(run.pre_stats);
    next.post_stats = std::move(run.post_stats);
    next.decoded = std::move(run.decoded);
    next.decoded_on_gpu = true;
    next.kept_maps_handle = request_id;
    if (refuse_nonfinite(state, panel, next)) {
        ort_drop_kept_maps(request_id);
        return;
    }
    // The stride was learnt from these outputs (check_output_size): the GPU decoded with the old one.
    next.redecode_when_read = state.detect.models[panel.model_index].spec.stride != stride_used;
    install_prediction(state, panel_index, std::move(next), run.ms, run.round_trip_ms);
}

// The panel waiting for run `request_id`, or -1 (a warm-up run, or stale: the image, model or
// back-end changed while it ran).
int panel_of_run(const AppState& state, int request_id) {
    for (int p = 0; p < 2; ++p)
        if (request_id != 0 && state.detect.panels[p].request_id == request_id) return p;
    return -1;
}

// Decodes panel `p`'s maps again with the sliders' parameters (the maps must be here).
void redecode_panel(AppState& state, Panel& p) {
    DecodeParams params = state.detect.params;
    params.stride = state.detect.models[p.pred.model_index].spec.stride;
    Result<DecodeResult> d = decode_ttfnet(p.pred.out.heatmap_view(), p.pred.out.ltrb_view(), params, p.pred.letterbox);
    if (d) p.pred.decoded = std::move(d).value();
    p.pred.decoded_on_gpu = false;
}

} // namespace

void on_run_finished(AppState& state, int request_id, ModelOutputs* outputs, const std::string& error, double ms,
                     double round_trip_ms) {
    state.ort_busy = false;
    const int panel_index = panel_of_run(state, request_id);
    if (panel_index < 0) {
        pump_pipeline(state);
        return;
    }
    state.detect.panels[panel_index].request_id = 0;
    state.hold_frames_until_ms = 0; // whatever came back (boxes or an error) is shown now
    accept_run_result(state, panel_index, outputs, error, ms, round_trip_ms);
    announce_result(panel_index);
    pump_pipeline(state); // the other panel's run, if it waits
}

void on_run_decoded(AppState& state, int request_id, GpuDecodedRun& run) {
    state.ort_busy = false;
    const int panel_index = panel_of_run(state, request_id);
    if (panel_index < 0) {
        ort_drop_kept_maps(request_id);
        pump_pipeline(state);
        return;
    }
    state.detect.panels[panel_index].request_id = 0;
    state.hold_frames_until_ms = 0;
    accept_gpu_run(state, panel_index, request_id, run);
    announce_result(panel_index);
    pump_pipeline(state);
}

void read_maps_from_gpu(AppState& state, int panel_index) {
    Panel& panel = state.detect.panels[panel_index];
    if (!panel.pred.valid || panel.pred.kept_maps_handle == 0 || panel.maps_request_id != 0) return;
    panel.maps_request_id = state.next_id++;
    ort_read_kept_maps(panel.maps_request_id, panel.pred.kept_maps_handle, state.detect.models[panel.pred.model_index].spec);
}

void on_maps_read(AppState& state, int request_id, ModelOutputs* maps, const std::string& error) {
    int panel_index = -1;
    for (int p = 0; p < 2; ++p)
        if (request_id != 0 && state.detect.panels[p].maps_request_id == request_id) panel_index = p;
    if (panel_index < 0) return; // for a prediction since replaced (its maps went with the read)
    Panel& panel = state.detect.panels[panel_index];
    Prediction& pred = panel.pred;
    panel.maps_request_id = 0;
    pred.kept_maps_handle = 0; // read or not, the runner has let them go
    const DetectorInterface& spec = state.detect.models[pred.model_index].spec;
    std::string why = error;
    if (why.empty() && maps == nullptr) why = "nothing came back";
    if (why.empty() && (maps->classes != pred.out.classes || maps->height != pred.out.height || maps->width != pred.out.width))
        why = "they are not the size the run reported";
    if (why.empty()) why = to_decode_form(spec, *maps);
    if (!why.empty()) {
        pred.maps_error = "the maps could not be read from the GPU: " + why;
        post_message(state, "model '" + state.detect.models[pred.model_index].name + "': " + pred.maps_error, true);
        // Boxes decoded with a stride since corrected (or for sliders since moved) cannot be fixed
        // without the maps: run again.
        if (pred.redecode_when_read) panel.needs_run = state.detect.image.generation > 0;
        return;
    }
    pred.out = std::move(*maps);
    if (pred.redecode_when_read) redecode_panel(state, panel);
    pred.redecode_when_read = false;
    update_overlay_texture(pred, state.detect.overlay, state.detect.heatmap_class);
}

bool decodes_on_gpu(const AppState& state, const Model& model) {
    const DetectorInterface& s = model.spec;
    return state.backend == Backend::WebGpu && state.detect.decode_on_gpu && s.heatmap_encoding == HeatmapEncoding::Logits &&
           s.box_encoding == BoxEncoding::TtfnetLtrb && s.box_units == BoxUnits::InputPixels && s.offset_name.empty() &&
           !s.half_outputs;
}

void set_decode_on_gpu(AppState& state, bool on) {
    if (state.detect.decode_on_gpu == on) return;
    state.detect.decode_on_gpu = on;
    if (state.backend == Backend::WebGpu) mark_panels_for_run(state);
}

void redecode(AppState& state) {
    for (int i = 0; i < 2; ++i) {
        Panel& p = state.detect.panels[i];
        if (!p.pred.valid) continue;
        if (p.pred.has_maps()) {
            redecode_panel(state, p);
        } else if (p.pred.kept_maps_handle != 0) { // decoded again when the maps are here
            p.pred.redecode_when_read = true;
            read_maps_from_gpu(state, i);
        }
    }
}

bool shows_current_result(const DetectState& detect, const Panel& panel) {
    const Prediction& pred = panel.pred;
    return pred.valid && pred.model_index == panel.model_index && pred.image_generation == detect.image.generation;
}

bool any_run_pending(const AppState& state) {
    for (const Panel& p : state.detect.panels)
        if (p.needs_run || p.request_id != 0) return true;
    return false;
}

void pump_pipeline(AppState& state) {
    // The back-end follows the probe until the user picks one: WebGPU when there is an adapter.
    if (!state.backend_chosen) {
        if (!state.backends.probed) return;
        state.backend = state.backends.webgpu_adapter ? Backend::WebGpu : Backend::Wasm;
        state.backend_chosen = true;
    }
    // The colour map needs the maps of a prediction decoded on the GPU (the hover read-out asks itself).
    if (state.detect.overlay != kOverlayNone)
        for (int i = 0; i < 2; ++i) read_maps_from_gpu(state, i);
    if (state.ort_busy) return;
    for (const Panel& p : state.detect.panels) { // sessions only for the models on screen
        if (p.model_index < 0) continue;
        Model& m = state.detect.models[p.model_index];
        if (m.session_id == 0 && m.session_error.empty()) {
            m.session_id = state.next_id++;
            m.session_pending = true;
            state.ort_busy = true;
            // On WebGPU the outputs stay on the GPU until read: decoded there (decodes_on_gpu), or
            // read back as ORT would have done itself.
            ort_create_session(m.session_id, m.bytes, m.external_files, state.backend, state.backend == Backend::WebGpu);
            return;
        }
    }
    for (int i = 0; i < 2; ++i) {
        Panel& p = state.detect.panels[i];
        if (p.needs_run && state.detect.image.generation > 0 && p.model_index >= 0) {
            const Model& m = state.detect.models[p.model_index];
            if (!m.session_error.empty()) {
                p.needs_run = false;
                p.error = "no session: " + m.session_error;
            } else if (model_ready(m)) {
                start_run(state, i);
                return;
            }
        }
    }
    for (const Panel& p : state.detect.panels) { // nothing waits: warm up the sessions on screen
        if (p.model_index < 0) continue;
        Model& m = state.detect.models[p.model_index];
        if (model_ready(m) && !m.warmed) {
            start_warm_up_run(state, m);
            return;
        }
    }
}

void warm_up_image_path(const std::vector<std::uint8_t>& bytes) {
    Result<RgbImage> image = decode_image(bytes.data(), bytes.size(), ImageLimits{kMaxImagePixels});
    if (!image) return; // a broken sample is reported when the user clicks it
    ModelInput scratch; // any input size warms the same code; 512 is a typical detector's
    fill_model_input(image.value(), 512, 512, Normalization{}, scratch);
}

} // namespace deadzone::explorer
