// The training loop: data -> TTFNet -> losses -> NaN guard -> SGD, with telemetry, checkpoints and
// progress. ttfnet-train is a thin CLI over train(); tests call train() directly with tiny configs.
#pragma once

#include "ttfnet/data/dataset.h"
#include "ttfnet/data/loader.h"
#include "ttfnet/distributed.h"
#include "ttfnet/losses.h"
#include "ttfnet/model/ttfnet.h"
#include "ttfnet/nan_guard.h"
#include "ttfnet/schedule.h"

#include "deadzone/result.h"
#include "deadzone/telemetry.h"

#include <functional>
#include <string>

namespace ttfnet {

struct TrainConfig {
    std::string data = "synthetic";
    DataOptions data_options;
    int input_size = 320; // square input; must be a multiple of 32
    int batch_size = 8;
    std::int64_t steps = 2000;
    std::int64_t stop_after = 0; // > 0: pause after this global step (checkpoint, status "paused");
                                 // the schedule still spans `steps`, so --resume continues exactly
    double lr = 0;               // 0: TTFNet's 0.016 per 128 images, scaled to batch_size
    double momentum = 0.9;
    double weight_decay = 4e-4; // not applied to biases, whose lr is doubled (TTFNet)
    std::int64_t warmup_steps = 500;
    double warmup_ratio = 0.2;
    DecayKind decay = DecayKind::Cosine;
    std::vector<double> lr_step_fractions{0.75, 0.92};
    double clip_grad = 35.0; // max global grad norm; 0 disables clipping
    std::uint64_t seed = 0;
    int threads = 2;
    ModelConfig model; // num_classes is taken from the data set
    LossWeights loss_weights;
    AugmentOptions augment;
    int loader_queue = 3;
    LoaderMode loader_mode = LoaderMode::Auto; // loader.h: a thread only where cores are left over

    std::string out_dir = "runs/ttfnet";
    std::string telemetry_path; // empty: <out_dir>/telemetry.jsonl; "none": no telemetry
    int telemetry_every = 20;
    // Every step up to this one is recorded, then every telemetry_every steps: a channel's death is
    // usually early (step 2 in the shipped broken run), and a replay needs each of those steps.
    int telemetry_dense_steps = 200;
    std::int64_t checkpoint_every = 500; // 0: only at the end
    std::string resume;                  // checkpoint to continue from

    NanPolicy nan_policy = NanPolicy::Rollback;
    int nan_patience = 3;
    double nan_lr_factor = 0.5;

    int val_every = 0; // 0: validate once at the end
    int val_batches = 4;
    int log_every = 20; // plain progress lines when stderr is not a terminal
    bool progress = true;
    bool quiet = false;             // no progress or info lines (tests)
    std::string config_json = "{}"; // recorded in the telemetry header

    // Data parallelism (distributed.h): world_size > 1 joins a process group; batch_size is then the
    // global batch, each rank taking batch_size / world_size of every batch. Only rank 0 writes the
    // checkpoint, the telemetry and (through on_finished) the ONNX model, and validates.
    DistributedOptions distributed;
    std::int64_t bucket_bytes = 1 << 20; // gradient all-reduce bucket size
    // BatchNorm over the global batch (two small all-reduces per BN layer and step, forward and
    // backward: exact, one process's statistics) or over each rank's share (no traffic; what
    // PyTorch's DistributedDataParallel does unless told otherwise).
    bool sync_batch_norm = true;
};

// Test hooks: let a test tamper with a step to prove the guards work.
struct TrainHooks {
    // Called after the losses are computed, before they are checked.
    std::function<void(std::int64_t step, LossParts& losses)> after_loss;
    // Called after each step (good or skipped) with the model.
    std::function<void(std::int64_t step, bool updated, TtfNetImpl& model)> after_step;
    // Called once at the end with the final model in eval mode, the data set's class names and the
    // steps done: ttfnet-train exports the ONNX model here.
    std::function<void(TtfNetImpl& model, const std::vector<std::string>& class_names, std::int64_t steps)> on_finished;
};

struct TrainSummary {
    deadzone::telemetry::RunStatus status = deadzone::telemetry::RunStatus::Completed;
    std::int64_t steps_done = 0; // global steps completed (including skipped ones)
    std::int64_t updates = 0;    // steps that updated the weights (this process)
    std::int64_t nan_events = 0;
    std::int64_t rollbacks = 0;
    double wall_s = 0;
    double ms_per_step = 0;  // mean over this process's steps
    double telemetry_ms = 0; // time spent collecting and writing telemetry (incl. the per-step death check)
    std::vector<deadzone::telemetry::DeadChannel> dead_channels;
    std::vector<std::string> skipped_files;
    LabelAudit labels; // what reading the label files found (rows dropped, count mismatches)
    deadzone::telemetry::Losses last_losses;
    deadzone::telemetry::Losses val_losses; // NaN when there was no validation
    std::string telemetry_path, checkpoint_path;
    // Data parallelism: this process's rank, the world size, and the gradient all-reduce's cost per
    // step (bytes sent into it, and the time finish() waited for it after backward(), mean over steps).
    int rank = 0, world_size = 1;
    std::int64_t allreduce_bytes_per_step = 0;
    double allreduce_wait_ms = 0;
    double allreduce_span_ms = 0; // first bucket's start to the last one's end, mean over steps
};

// Checks values a user can get wrong; the message names the flag.
deadzone::Result<bool> validate_config(const TrainConfig& config);

deadzone::Result<TrainSummary> train(const TrainConfig& config, const TrainHooks& hooks = {});

} // namespace ttfnet
