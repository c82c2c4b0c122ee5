// ttfnet-train: train TTFNet / MobileNetV3-Small and record the telemetry DeadZone replays.
// A thin CLI over ttfnet::train(); see native_trainer/README.md for every flag and the format.
#include "ttfnet/allocator.h"
#include "ttfnet/onnx_export.h"
#include "ttfnet/train.h"

#include "deadzone/text_list.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>

namespace {

// "0.75,0.92": fractions in (0, 1), at least one; false on anything else.
bool parse_fractions(const std::string& text, std::vector<double>* out) {
    auto numbers = deadzone::parse_number_list(text);
    if (!numbers || numbers.value().empty()) return false;
    for (double v : numbers.value())
        if (v <= 0 || v >= 1) return false;
    *out = std::move(numbers.value());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    // Before anything is allocated: step buffers stay in the heap instead of being page-faulted in
    // again every step (allocator.h).
    const ttfnet::AllocatorTuning allocator = ttfnet::tune_allocator_for_training();
    ttfnet::TrainConfig c;
    CLI::App app{
        "ttfnet-train: train TTFNet (MobileNetV3-Small backbone) with LibTorch on the CPU and write DeadZone telemetry.\n"
        "Example: ttfnet-train --preset broken --steps 2000 --out runs/broken"};
    app.option_defaults()->always_capture_default();

    std::string preset = "broken", wh_act = "relu", decay = "cosine", lr_steps = "0.75,0.92", nan_policy = "rollback";
    double leaky_slope = 0.1, bias_init = 0.0, init_std = 0.001;
    std::vector<float> scale_jitter{0.6f, 1.4f};
    bool no_augment = false, no_progress = false;

    app.add_option("--data", c.data,
                   "Data set: synthetic | widerperson:<root> | yolo:<root> | coco:<annotations.json>[:<images dir>]");
    app.add_option("--synthetic-size", c.data_options.synthetic_train_size, "Synthetic data: number of training images");
    app.add_option("--synthetic-val-size", c.data_options.synthetic_val_size, "Synthetic data: number of validation images");
    app.add_option("--synthetic-base-size", c.data_options.synthetic_base_size,
                   "Synthetic data: images are drawn around this size in pixels (0: the input size)")
        ->check(CLI::Range(0, 4096));
    app.add_option("--val-fraction", c.data_options.val_fraction, "Held-out fraction when a data set has no val split")
        ->check(CLI::Range(0.0, 0.9));
    app.add_option("--input-size", c.input_size, "Square input size in pixels (a multiple of 32 from 64 to 4096)");
    app.add_option("--batch", c.batch_size, "Batch size");
    app.add_option("--steps", c.steps, "Training steps (iterations)");
    app.add_option("--stop-after", c.stop_after,
                   "Pause after this step (checkpoint + exit 0); --resume continues the same schedule");
    app.add_option("--lr", c.lr, "Base learning rate; 0 = TTFNet's 0.016 per 128 images scaled to --batch");
    app.add_option("--momentum", c.momentum, "SGD momentum");
    app.add_option("--weight-decay", c.weight_decay, "Weight decay (not on biases; biases get 2x lr, as in TTFNet)");
    app.add_option("--warmup-steps", c.warmup_steps, "Linear warm-up steps (capped at half of --steps)");
    app.add_option("--warmup-ratio", c.warmup_ratio, "Warm-up starts at this fraction of the lr");
    app.add_option("--schedule", decay, "LR decay after warm-up: cosine | step")->check(CLI::IsMember({"cosine", "step"}));
    app.add_option("--lr-steps", lr_steps, "Step decay: fractions of --steps where lr is multiplied by 0.1, comma-separated");
    app.add_option("--clip-grad", c.clip_grad, "Clip the global gradient norm to this value (0 = off)");
    app.add_option("--seed", c.seed,
                   "Seed for weights, data order, augmentation and synthetic data (bit-for-bit repeatable on one machine)");
    app.add_option("--threads", c.threads, "LibTorch intra-op threads");

    app.add_option("--preset", preset,
                   "Head variant preset: " + ttfnet::head_variant_preset_names() +
                       " (broken = TTFNet as published: relu, bias 0, std 0.001); the flags below override it");
    auto* act_opt = app.add_option("--wh-act", wh_act, "wh activation: relu | leaky | softplus")
                        ->check(CLI::IsMember({"relu", "leaky", "softplus"}));
    auto* slope_opt = app.add_option("--leaky-slope", leaky_slope, "Negative slope of --wh-act leaky");
    auto* bias_opt = app.add_option("--wh-bias-init", bias_init, "Initial bias of the final wh conv");
    auto* std_opt = app.add_option("--wh-init-std", init_std, "Std of the normal init of the wh convs");
    app.add_option("--head-channels", c.model.hm_head_channels, "Heatmap head conv channels");
    app.add_option("--wh-channels", c.model.wh_head_channels, "wh head conv channels");
    app.add_option("--wh-convs", c.model.wh_head_convs, "Number of 3x3 convs in the wh head")->check(CLI::Range(1, 4));
    std::vector<int> neck{c.model.neck_planes.begin(), c.model.neck_planes.end()};
    app.add_option("--neck-channels", neck, "Neck channels at stride 16, 8 and 4 (three values)")
        ->expected(3)
        ->check(CLI::PositiveNumber);

    app.add_option("--scale-jitter", scale_jitter, "Scale jitter range MIN MAX (zoom factor)")->expected(2);
    app.add_flag("--no-augment", no_augment, "Disable flip and scale jitter");
    app.add_option("--loader-queue", c.loader_queue, "Batches prepared ahead by the loader thread")->check(CLI::Range(1, 64));
    std::string loader = "auto";
    app.add_option("--loader", loader,
                   "Where batches are made: thread (ahead, in a loader thread), inline (between steps), auto (a thread only "
                   "when the machine has more cores than --threads)")
        ->check(CLI::IsMember({"auto", "thread", "inline"}));

    app.add_option("--out", c.out_dir, "Output folder (last.pt, telemetry.jsonl)");
    std::string onnx_path;
    app.add_option("--onnx", onnx_path,
                   "After training, export the final model as ONNX to this path (BN folded; outputs heatmap, wh, wh_pre)");
    app.add_option("--telemetry", c.telemetry_path, "Telemetry file (default <out>/telemetry.jsonl; 'none' disables it)");
    app.add_option("--telemetry-every", c.telemetry_every, "Write a telemetry step record every N steps (after the dense steps)");
    app.add_option("--telemetry-dense-steps", c.telemetry_dense_steps,
                   "Record every one of the first N steps, where channels usually die (0: only every --telemetry-every)");
    app.add_option("--checkpoint-every", c.checkpoint_every, "Write <out>/last.pt every N steps (0 = only at the end)");
    app.add_option("--resume", c.resume, "Continue from a checkpoint (optimizer state, step, data position, rng)");

    app.add_option("--nan-policy", nan_policy, "After --nan-patience non-finite steps in a row: skip | rollback | stop")
        ->check(CLI::IsMember({"skip", "rollback", "stop"}));
    app.add_option("--nan-patience", c.nan_patience, "Consecutive non-finite steps before the policy acts");
    app.add_option("--nan-lr-factor", c.nan_lr_factor, "LR multiplier applied at each rollback");

    app.add_option("--val-every", c.val_every, "Validate every N steps (0 = only at the end)");
    app.add_option("--val-batches", c.val_batches, "Validation batches");
    app.add_option("--log-every", c.log_every, "Plain progress line every N steps when stderr is not a terminal");
    app.add_flag("--no-progress", no_progress, "No progress output");

    // Data parallelism: torchrun's variables first, then these flags (scripts/train_distributed.sh).
    auto env = ttfnet::distributed_options_from_env({}, [](const char* name) { return std::getenv(name); });
    if (!env.ok()) {
        std::cerr << "error: " << env.error() << "\n";
        return 2;
    }
    c.distributed = env.value();
    int timeout_s = static_cast<int>(c.distributed.timeout.count());
    app.add_option("--rank", c.distributed.rank, "This process's rank, 0 .. world size - 1 (env RANK)");
    app.add_option("--world-size", c.distributed.world_size,
                   "Data-parallel processes; --batch is the global batch, split between them (env WORLD_SIZE)");
    app.add_option("--local-rank", c.distributed.local_rank, "Rank on this host (env LOCAL_RANK)");
    app.add_option("--master-addr", c.distributed.master_addr, "Address of rank 0's rendezvous store (env MASTER_ADDR)");
    app.add_option("--master-port", c.distributed.master_port, "Port of rank 0's rendezvous store (env MASTER_PORT)");
    app.add_option("--dist-timeout", timeout_s,
                   "Seconds a rank waits for the others (rendezvous and every all-reduce) before giving up");
    app.add_option("--bucket-bytes", c.bucket_bytes, "Gradient all-reduce bucket size in bytes");
    bool per_rank_bn = false;
    app.add_flag("--per-rank-bn", per_rank_bn,
                 "BatchNorm statistics over each rank's share of the batch (no all-reduce per BN layer; not equal to one "
                 "process)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    ttfnet::HeadVariant v;
    if (!ttfnet::head_variant_preset(preset, &v)) {
        std::cerr << "error: unknown --preset '" << preset << "'; expected one of " << ttfnet::head_variant_preset_names()
                  << "\n";
        return 2;
    }
    bool custom = false;
    if (act_opt->count() > 0) {
        ttfnet::parse_wh_act(wh_act, &v.act);
        custom = true;
    }
    if (slope_opt->count() > 0) v.leaky_slope = leaky_slope, custom = true;
    if (bias_opt->count() > 0) v.bias_init = bias_init, custom = true;
    if (std_opt->count() > 0) v.init_std = init_std, custom = true;
    if (custom) v.name = preset + "+custom";
    c.model.variant = v;
    std::copy(neck.begin(), neck.end(), c.model.neck_planes.begin());
    c.decay = decay == "step" ? ttfnet::DecayKind::Step : ttfnet::DecayKind::Cosine;
    if (!parse_fractions(lr_steps, &c.lr_step_fractions)) {
        std::cerr << "error: --lr-steps must be comma-separated fractions in (0, 1), got '" << lr_steps << "'\n";
        return 2;
    }
    ttfnet::parse_nan_policy(nan_policy, &c.nan_policy);
    c.augment.enabled = !no_augment;
    c.augment.scale_min = scale_jitter[0];
    c.augment.scale_max = scale_jitter[1];
    c.progress = !no_progress;
    c.distributed.timeout = std::chrono::seconds(timeout_s);
    c.sync_batch_norm = !per_rank_bn;
    c.loader_mode = loader == "thread"   ? ttfnet::LoaderMode::Background
                    : loader == "inline" ? ttfnet::LoaderMode::Inline
                                         : ttfnet::LoaderMode::Auto;

    // Every option as given, recorded in the telemetry header.
    nlohmann::json cfg = nlohmann::json::object();
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_name() == "--help" || o->get_name().empty()) continue;
        const auto r = o->results();
        cfg[o->get_name()] = r.empty() ? o->get_default_str() : (r.size() == 1 ? r[0] : nlohmann::json(r).dump());
    }
    cfg["variant"] = v.name;
    c.config_json = cfg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

    if (auto ok = ttfnet::validate_config(c); !ok.ok()) {
        std::cerr << "error: " << ok.error() << "\n";
        return 2;
    }
    try {
        ttfnet::TrainHooks hooks;
        std::string export_error;
        if (!onnx_path.empty()) {
            hooks.on_finished = [&](ttfnet::TtfNetImpl& model, const std::vector<std::string>& classes, std::int64_t steps) {
                ttfnet::OnnxExportOptions options;
                options.input_size = c.input_size;
                options.class_names = classes;
                options.training_steps = steps;
                auto exported = ttfnet::export_onnx(model, options, onnx_path);
                if (!exported) export_error = exported.error();
            };
        }
        if (!allocator.applied) std::cerr << "note: " << allocator.description << "\n";
        auto result = ttfnet::train(c, hooks);
        if (!result.ok()) {
            std::cerr << "error: " << result.error() << "\n";
            return 1;
        }
        const ttfnet::TrainSummary& s = result.value();
        std::cerr << "done: " << deadzone::telemetry::run_status_name(s.status) << " at step " << s.steps_done << ", "
                  << s.ms_per_step << " ms/step, loss " << s.last_losses.total << " (hm " << s.last_losses.heatmap << ", wh "
                  << s.last_losses.wh << ")";
        if (std::isfinite(s.val_losses.total)) std::cerr << ", val loss " << s.val_losses.total;
        if (s.world_size > 1)
            std::cerr << ", rank " << s.rank << " of " << s.world_size << ", gradient all-reduce " << s.allreduce_bytes_per_step
                      << " bytes/step, " << s.allreduce_span_ms << " ms/step from first to last bucket, " << s.allreduce_wait_ms
                      << " ms/step waited after backward";
        if (s.rank != 0) { // rank 0 writes the files and reports them
            std::cerr << "\n";
            return s.status == deadzone::telemetry::RunStatus::Stopped ? 3 : 0;
        }
        std::cerr << "\n  checkpoint: " << s.checkpoint_path << "\n";
        if (!s.telemetry_path.empty()) std::cerr << "  telemetry:  " << s.telemetry_path << "\n";
        if (!export_error.empty()) {
            std::cerr << "error: " << export_error << "\n";
            return 1;
        }
        if (!onnx_path.empty()) std::cerr << "  onnx:       " << onnx_path << "\n";
        std::cerr << "  dead wh channels:";
        if (s.telemetry_path.empty()) std::cerr << " not tracked (--telemetry none)";
        else if (s.dead_channels.empty()) std::cerr << " none";
        for (const auto& d : s.dead_channels) std::cerr << " " << d.channel << " (since step " << d.since_step << ")";
        std::cerr << "\n";
        if (s.nan_events > 0)
            std::cerr << "  non-finite steps skipped: " << s.nan_events << ", rollbacks: " << s.rollbacks << "\n";
        if (!s.skipped_files.empty())
            std::cerr << "  skipped " << s.skipped_files.size() << " unreadable file(s) (see warnings above)\n";
        if (s.labels.unreadable_files > 0)
            std::cerr << "  unreadable label files: " << s.labels.unreadable_files << " (their images were skipped)\n";
        if (s.labels.dropped_rows > 0 || s.labels.count_mismatches > 0)
            std::cerr << "  label rows dropped: " << s.labels.dropped_rows << " in " << s.labels.files_with_dropped_rows
                      << " file(s)"
                      << (s.labels.count_mismatches > 0 ? ", count rows disagreeing: " + std::to_string(s.labels.count_mismatches)
                                                        : "")
                      << " (see warnings at start)\n";
        return s.status == deadzone::telemetry::RunStatus::Stopped ? 3 : 0;
    } catch (const std::exception& e) {
        // LibTorch reports some failures (e.g. out of memory) as exceptions.
        std::string msg = e.what();
        std::cerr << "error: " << msg.substr(0, msg.find('\n')) << "\n";
        return 1;
    }
}
