// DeadZone telemetry: the JSON Lines file a training run writes and the explorer replays.
//
// The trainer (native_trainer/) writes it with the to_json_line() functions below, and every reader
// (the browser through wasm, tests, tools) parses it with parse_telemetry(), so both sides share
// one definition. One JSON object per line, each line flushed as it is written: a run killed
// mid-way leaves a valid prefix (plus possibly one truncated last line, which the parser tolerates
// and reports).
//
// SCHEMA (version 1). Every record has "type". Numbers that are not finite (NaN/Inf losses) are
// written as null and read back as NaN. Unknown record types and unknown fields are ignored, so
// later versions can add to the format.
//
//   {"type":"header", "schema":"deadzone.telemetry", "version":1,
//    "run_id":"...", "created_utc":"2026-11-25T20:00:00Z",
//    "variant":{"name":"broken","wh_act":"relu","leaky_slope":0.1,"bias_init":0,"init_std":0.001},
//    "model":{"architecture":"...","input_width":320,"input_height":320,"num_classes":3,
//             "class_names":["person",...],"stride":4,"wh_offset_base":16},
//    "batch_size":8, "total_steps":2000, "telemetry_every":20, "telemetry_dense_steps":200,
//    "layers":[{"name":"backbone.stem","kind":"act","channels":16}, ...],  // kind: act | bn
//    "data":{"train_images":900,"val_images":100,"objects":5400,"crowd_regions":12,
//            "dropped_label_rows":3,"files_with_dropped_rows":2,"count_mismatches":0,
//            "unreadable_label_files":0},                  // optional: what reading the labels found
//    "config":{...every CLI option, free-form...}}
//     Exactly one, first. Steps 1..telemetry_dense_steps are all recorded (deaths are early), then
//     every telemetry_every steps and the last; telemetry_dense_steps is optional (0 when absent).
//     "layers" lists the activation and BatchNorm layers that step records
//     report on, in forward order.
//
//   {"type":"step", "step":120, "time_s":33.2, "ms_per_step":270.5,
//    "losses":{"heatmap":1.93,"wh":2.81,"total":4.74}, "lr":0.001, "grad_norm":3.2,
//    "wh_channels":[                                  // 4 entries: left, top, right, bottom
//      {"channel":0,
//       "pre":{"min":-0.2,"max":0.3,"mean":0.01,"std":0.05,"frac_pos":0.52,
//              "hist":{"lo":-0.2,"hi":0.3,"counts":[...16 bins over [lo,hi]...]}},
//       "post":{"min":0,"max":4.8,"mean":0.3,"frac_zero":0.48},   // after act, times wh_offset_base
//       "weight_std":0.0011, "bias":-0.003, "grad_norm":0.02}, ...],
//    "bn":[{"layer":"backbone.stem","channels":16,
//           "gamma":{"min":..,"max":..,"mean":..},"beta":{..},"running_mean":{..},"running_var":{..},
//           "dead_gamma":[3,7],        // channels with |gamma| < 1e-3 and beta < 0
//           "dead_running":[5]}, ...], // channels with |running mean|, running var < 1e-3, beta < 0
//    "activations":[{"layer":"wh_head.relu0","frac_dead_units":0.12,"frac_dead_channels":0.03}, ...]}
//     Every telemetry_every steps, statistics over that step's batch (pre = final wh conv output).
//     frac_dead_units: fraction of (channel, y, x) units that are zero for every sample of the batch;
//     frac_dead_channels: fraction of channels zero everywhere for every sample.
//
//   {"type":"event", "step":57, "kind":"...", ...}
//     kind "channel_death":   "channel" (0-3): first step from which that wh channel's output is
//                             zero for every sample (checked every step); "channel_revived" undoes it.
//     kind "nan":             "component" ("heatmap focal" | "wh GIoU" | "gradient"), "message",
//                             "stats":{name: number} (loss value, NaN/Inf counts of the outputs, ...)
//     kind "rollback"|"stop": what the NaN guard did after too many consecutive bad steps, "message"
//     kind "checkpoint":      "path" of the checkpoint written at that step
//     kind "resume":          "path" of the checkpoint the run resumed from
//
//   {"type":"val", "step":500, "losses":{...}, "batches":4}     validation losses (no augmentation)
//
//   {"type":"end", "step":2000, "status":"completed"|"paused"|"stopped", "wall_s":612.3,
//    "skipped_files":0, "dead_channels":[{"channel":0,"since_step":57}]}
//     Last line of a run that finished; absent when the run was killed.
#pragma once

#include "deadzone/result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deadzone::telemetry {

constexpr int kSchemaVersion = 1;
constexpr int kWhChannels = 4; // wh channels: 0 left, 1 top, 2 right, 3 bottom
constexpr const char* kSchemaName = "deadzone.telemetry";

struct Summary {
    double min = 0, max = 0, mean = 0;
};

struct Histogram {
    double lo = 0, hi = 0;
    std::vector<std::int64_t> counts;
};

struct Losses {
    double heatmap = 0, wh = 0, total = 0;
};

struct LayerInfo {
    std::string name;
    std::string kind; // "act" | "bn"
    int channels = 0;
};

struct VariantInfo {
    std::string name;
    std::string wh_act;
    double leaky_slope = 0, bias_init = 0, init_std = 0;
};

// The header's optional "data" object: the data set's size and what reading its label files found
// (rows dropped by core's label readers, WiderPerson count rows that disagree with their rows, label
// files that could not be read). kDataInfoFields names each field once for the writer and the reader.
struct DataInfo {
    std::int64_t train_images = 0, val_images = 0, objects = 0, crowd_regions = 0;
    std::int64_t dropped_label_rows = 0, files_with_dropped_rows = 0, count_mismatches = 0, unreadable_label_files = 0;
};

struct DataInfoField {
    const char* name;
    std::int64_t DataInfo::*member;
};
inline constexpr DataInfoField kDataInfoFields[] = {
    {"train_images", &DataInfo::train_images},
    {"val_images", &DataInfo::val_images},
    {"objects", &DataInfo::objects},
    {"crowd_regions", &DataInfo::crowd_regions},
    {"dropped_label_rows", &DataInfo::dropped_label_rows},
    {"files_with_dropped_rows", &DataInfo::files_with_dropped_rows},
    {"count_mismatches", &DataInfo::count_mismatches},
    {"unreadable_label_files", &DataInfo::unreadable_label_files},
};

struct Header {
    int version = kSchemaVersion;
    std::string run_id, created_utc;
    VariantInfo variant;
    std::string architecture;
    int input_width = 0, input_height = 0, num_classes = 0, stride = 4;
    double wh_offset_base = 16;
    std::vector<std::string> class_names;
    int batch_size = 0; // the global batch (all ranks together)
    int world_size = 1; // data-parallel processes; 1 in files written before it was recorded
    std::int64_t total_steps = 0;
    int telemetry_every = 0;
    int telemetry_dense_steps = 0;
    std::vector<LayerInfo> layers;
    std::optional<DataInfo> data;   // absent in files written before it existed
    std::string config_json = "{}"; // the "config" object, as JSON text
};

struct WhChannelRecord {
    int channel = 0;
    // pre-activation (final wh conv output)
    double pre_min = 0, pre_max = 0, pre_mean = 0, pre_std = 0, pre_frac_pos = 0;
    Histogram pre_hist;
    // post-activation (times wh_offset_base)
    double post_min = 0, post_max = 0, post_mean = 0, post_frac_zero = 0;
    double weight_std = 0, bias = 0, grad_norm = 0;
};

struct BnRecord {
    std::string layer;
    int channels = 0;
    Summary gamma, beta, running_mean, running_var;
    std::vector<int> dead_gamma, dead_running;
};

struct ActivationRecord {
    std::string layer;
    double frac_dead_units = 0, frac_dead_channels = 0;
};

struct StepRecord {
    std::int64_t step = 0;
    double time_s = 0, ms_per_step = 0;
    Losses losses;
    double lr = 0, grad_norm = 0;
    std::vector<WhChannelRecord> wh_channels;
    std::vector<BnRecord> bn;
    std::vector<ActivationRecord> activations;
};

struct Event {
    std::int64_t step = 0;
    std::string kind;
    int channel = -1;
    std::string component, message, path;
    std::map<std::string, double> stats;
};

struct ValRecord {
    std::int64_t step = 0;
    Losses losses;
    int batches = 0;
};

struct DeadChannel {
    int channel = 0;
    std::int64_t since_step = 0;
};

// How a run's training loop ended: every step done, paused by --stop-after (to be resumed), or
// stopped by the NaN guard (--nan-policy stop). Unknown: a status this reader does not know.
enum class RunStatus { Completed, Paused, Stopped, Unknown };

// The end record's names: "completed", "paused", "stopped" ("unknown" for Unknown).
const char* run_status_name(RunStatus status);
// The status a name stands for; Unknown for any other text.
RunStatus run_status_of(std::string_view name);

struct EndRecord {
    std::int64_t step = 0;
    RunStatus status = RunStatus::Completed;
    double wall_s = 0;
    std::int64_t skipped_files = 0;
    std::vector<DeadChannel> dead_channels;
};

// One line each, without the trailing newline.
std::string to_json_line(const Header& h);
std::string to_json_line(const StepRecord& s);
std::string to_json_line(const Event& e);
std::string to_json_line(const ValRecord& v);
std::string to_json_line(const EndRecord& e);

struct Run {
    Header header;
    std::vector<StepRecord> steps;
    std::vector<Event> events;
    std::vector<ValRecord> vals;
    std::optional<EndRecord> end;
    bool truncated = false;              // the last line was cut off (run killed while writing)
    std::int64_t skipped_lines = 0;      // malformed lines skipped (not JSON, a field missing)
    std::int64_t first_skipped_line = 0; // 1-based line number of the first one; 0 when none
    std::string first_skip_reason;
    std::vector<std::string> warnings; // truncated line, skipped lines, unknown record types
};

// Parses a whole telemetry file: its text, or the same gzip-compressed (.jsonl.gz). Malformed
// lines after the header are skipped and counted, a cut-off last line is tolerated (see
// telemetry_reader.h). Errors, with the line number: not DeadZone telemetry (no header first, an
// unsupported schema version, not JSON at all), an empty file, corrupt gzip.
Result<Run> parse_telemetry(std::string_view bytes);
Result<Run> parse_telemetry_file(const std::string& path);

} // namespace deadzone::telemetry
