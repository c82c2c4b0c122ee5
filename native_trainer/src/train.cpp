#include "ttfnet/train.h"

#include "ttfnet/checkpoint.h"
#include "ttfnet/optimizer.h"
#include "ttfnet/progress.h"
#include "ttfnet/telemetry_writer.h"

#include "deadzone/diagnostics.h"
#include "deadzone/model_metadata.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>

namespace ttfnet {

namespace tel = deadzone::telemetry;
using Clock = std::chrono::steady_clock;

deadzone::Result<bool> validate_config(const TrainConfig& c) {
    auto bad = [](const std::string& m) { return deadzone::Result<bool>(deadzone::Error{m}); };
    if (!deadzone::is_trainer_input_size(c.input_size))
        return bad("--input-size must be " + deadzone::trainer_input_size_rule() + ", got " + std::to_string(c.input_size));
    if (c.batch_size < 1) return bad("--batch must be at least 1");
    if (c.steps < 1) return bad("--steps must be at least 1");
    if (c.stop_after < 0) return bad("--stop-after must be >= 0");
    if (c.lr < 0 || !std::isfinite(c.lr)) return bad("--lr must be >= 0 (0 = TTFNet's rate scaled to the batch)");
    if (c.momentum < 0 || c.momentum >= 1) return bad("--momentum must be in [0, 1)");
    if (c.weight_decay < 0) return bad("--weight-decay must be >= 0");
    if (c.warmup_steps < 0) return bad("--warmup-steps must be >= 0");
    if (c.warmup_ratio <= 0 || c.warmup_ratio > 1) return bad("--warmup-ratio must be in (0, 1]");
    if (c.clip_grad < 0) return bad("--clip-grad must be >= 0 (0 disables clipping)");
    if (c.threads < 1) return bad("--threads must be at least 1");
    if (c.telemetry_every < 1) return bad("--telemetry-every must be at least 1");
    if (c.telemetry_dense_steps < 0) return bad("--telemetry-dense-steps must be >= 0");
    if (c.checkpoint_every < 0) return bad("--checkpoint-every must be >= 0");
    if (c.nan_patience < 1) return bad("--nan-patience must be at least 1");
    if (c.nan_lr_factor <= 0 || c.nan_lr_factor > 1) return bad("--nan-lr-factor must be in (0, 1]");
    if (c.model.variant.init_std <= 0) return bad("--wh-init-std must be > 0");
    if (c.model.variant.leaky_slope <= 0 || c.model.variant.leaky_slope >= 1) return bad("--leaky-slope must be in (0, 1)");
    if (c.augment.scale_min <= 0 || c.augment.scale_max < c.augment.scale_min) return bad("--scale-jitter needs 0 < min <= max");
    if (c.val_batches < 0 || c.val_every < 0) return bad("--val-every and --val-batches must be >= 0");
    if (auto d = validate_distributed_options(c.distributed); !d.ok()) return bad(d.error());
    if (c.batch_size % c.distributed.world_size != 0)
        return bad("--batch (the global batch) must be a multiple of the world size " + std::to_string(c.distributed.world_size) +
                   ", got " + std::to_string(c.batch_size));
    if (c.bucket_bytes < 1) return bad("--bucket-bytes must be at least 1");
    return true;
}

namespace {

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

double item(const torch::Tensor& t) { return t.defined() ? t.item<double>() : std::numeric_limits<double>::quiet_NaN(); }

tel::Losses to_losses(const LossParts& l) { return {item(l.heatmap), item(l.wh), item(l.total)}; }

// Statistics that say where a non-finite loss came from.
std::map<std::string, double> nan_stats(const TtfOutput& out, const LossParts& l) {
    torch::NoGradGuard ng;
    std::map<std::string, double> s;
    s["loss_heatmap"] = item(l.heatmap);
    s["loss_wh"] = item(l.wh);
    s["heatmap_nan"] = out.heatmap.isnan().sum().item<double>();
    s["heatmap_inf"] = out.heatmap.isinf().sum().item<double>();
    s["wh_nan"] = out.wh.isnan().sum().item<double>();
    s["wh_inf"] = out.wh.isinf().sum().item<double>();
    const torch::Tensor finite = out.wh_pre.masked_select(torch::isfinite(out.wh_pre));
    if (finite.numel() > 0) {
        s["wh_pre_min"] = finite.min().item<double>();
        s["wh_pre_max"] = finite.max().item<double>();
    }
    return s;
}

// The loader for training (shuffled, augmented, --loader-queue batches ahead) or, with
// `validation`, for the validation pass (in order, not augmented, one batch ahead).
LoaderOptions loader_options(const TrainConfig& c, const TargetParams& tp, bool validation) {
    LoaderOptions lo;
    lo.batch_size = c.batch_size;
    lo.input_width = lo.input_height = c.input_size;
    lo.seed = c.seed;
    lo.targets = tp;
    lo.mode = c.loader_mode;
    lo.compute_threads = c.threads;
    if (validation) {
        lo.shuffle = false;
        lo.augment.enabled = false;
        lo.queue_capacity = 1;
    } else {
        lo.augment = c.augment;
        lo.queue_capacity = c.loader_queue;
        lo.warn = !c.quiet;
    }
    return lo;
}

// Mean losses over the first --val-batches batches of the validation split, the model in eval mode
// for the pass; NaN (and 0 batches) when there is no validation data.
tel::Losses validate(TtfNetImpl& model, const DatasetSplit& data, const TrainConfig& c, const TargetParams& tp,
                     int* batches_out) {
    tel::Losses sum{0, 0, 0};
    *batches_out = 0;
    if (!data.val || data.val->size() == 0 || c.val_batches == 0) return {NAN, NAN, NAN};
    const int batches = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(c.val_batches),
                                                               (data.val->size() + static_cast<std::size_t>(c.batch_size) - 1) /
                                                                   static_cast<std::size_t>(c.batch_size)));
    BatchLoader loader(data.val, loader_options(c, tp, /*validation=*/true), 0);
    torch::NoGradGuard ng;
    model.eval();
    for (int i = 0; i < batches; ++i) {
        auto b = loader.next();
        if (!b.ok()) break;
        const TtfOutput out = model.forward(b.value().images);
        const tel::Losses l = to_losses(ttfnet_loss(out, b.value().targets, c.loss_weights));
        sum.heatmap += l.heatmap;
        sum.wh += l.wh;
        sum.total += l.total;
        ++*batches_out;
    }
    model.train();
    if (*batches_out == 0) return {NAN, NAN, NAN};
    const double n = *batches_out;
    return {sum.heatmap / n, sum.wh / n, sum.total / n};
}

// The config as it runs: --lr 0 becomes TTFNet's rate (0.016 for batch 128) scaled to the batch.
TrainConfig resolved(const TrainConfig& in) {
    TrainConfig c = in;
    if (c.lr == 0) c.lr = 0.016 * c.batch_size / 128.0;
    return c;
}

// The data set, with the synthetic images drawn at the input size unless set otherwise.
deadzone::Result<DatasetSplit> open_training_data(const TrainConfig& c) {
    DataOptions dopt = c.data_options;
    dopt.seed = c.seed;
    if (dopt.synthetic_base_size <= 0) dopt.synthetic_base_size = c.input_size;
    auto opened = open_dataset(c.data, dopt);
    if (!opened.ok()) return deadzone::Error{opened.error()};
    if (opened.value().train->size() == 0) return deadzone::Error{"the training set is empty: " + opened.value().description};
    return opened;
}

LrSchedule lr_schedule(const TrainConfig& c) {
    LrSchedule schedule;
    schedule.base_lr = c.lr;
    schedule.total_steps = c.steps;
    schedule.warmup_steps = std::min<std::int64_t>(c.warmup_steps, c.steps / 2);
    schedule.warmup_ratio = c.warmup_ratio;
    schedule.decay = c.decay;
    schedule.step_fractions = c.lr_step_fractions;
    return schedule;
}

tel::Header telemetry_header(const TrainConfig& c, TtfNetImpl& model, const DatasetSplit& data) {
    tel::Header h;
    h.run_id = std::filesystem::path(c.out_dir).filename().string() + "-" + std::to_string(c.seed);
    h.created_utc = utc_now();
    h.variant = {c.model.variant.name, wh_act_name(c.model.variant.act), c.model.variant.leaky_slope, c.model.variant.bias_init,
                 c.model.variant.init_std};
    h.architecture = c.model.architecture_fingerprint();
    h.input_width = h.input_height = c.input_size;
    h.num_classes = c.model.num_classes;
    h.class_names = data.train->class_names();
    h.stride = deadzone::kTrainerStride;
    h.wh_offset_base = c.model.wh_offset_base;
    h.batch_size = c.batch_size;
    h.world_size = c.distributed.world_size;
    h.total_steps = c.steps;
    h.telemetry_every = c.telemetry_every;
    h.telemetry_dense_steps = c.telemetry_dense_steps;
    h.layers = telemetry_layers(model);
    h.data = data_info(data);
    h.config_json = c.config_json;
    return h;
}

// One training run: its model, optimizer, data, telemetry and counters, and the steps train() takes
// in order: start() (output folder, resume, telemetry, loader), take_step() for each step, finish().
class TrainingRun {
public:
    // wall_start: when train() was called (the run's clock, as step records and the summary report it).
    // group: the process group of a data-parallel run (null for one process).
    TrainingRun(const TrainConfig& config, const TrainHooks& hooks, DatasetSplit data, Clock::time_point wall_start,
                std::shared_ptr<ProcessGroup> group)
        : wall_start_(wall_start), c_(with_classes(config, data)), hooks_(hooks), data_(std::move(data)),
          group_(std::move(group)), lead_(group_ == nullptr || group_->rank() == 0), model_(make_ttfnet(c_.model)),
          opt_(make_optimizer(*model_, c_.lr, c_.momentum, c_.weight_decay)), schedule_(lr_schedule(c_)),
          progress_(c_.steps, Progress::stderr_is_tty(), c_.log_every), show_(c_.progress && !c_.quiet && lead_),
          guard_(c_.nan_policy, c_.nan_patience), buffers_(model_->buffers()), params_(model_->parameters()),
          last_step_(c_.stop_after > 0 ? std::min(c_.steps, c_.stop_after) : c_.steps) {
        model_->train();
        tp_.num_classes = c_.model.num_classes;
        state_.seed = static_cast<std::int64_t>(c_.seed);
        state_.batch_size = c_.batch_size;
        state_.total_steps = c_.steps;
        state_.world_size = c_.distributed.world_size;
        summary_.labels = data_.audit;
        summary_.val_losses = {NAN, NAN, NAN};
        summary_.rank = c_.distributed.rank;
        summary_.world_size = c_.distributed.world_size;
        if (group_) {
            if (c_.sync_batch_norm) use_sync_batch_norm(*model_, group_.get());
            averager_ = std::make_unique<GradientAverager>(group_, params_, c_.bucket_bytes);
            summary_.allreduce_bytes_per_step = averager_->bytes_per_step();
        }
    }

    deadzone::Result<bool> start() {
        if (lead_) { // the other ranks write nothing
            std::error_code ec;
            std::filesystem::create_directories(c_.out_dir, ec);
            if (ec) return deadzone::Error{"cannot create output folder " + c_.out_dir + ": " + ec.message()};
            summary_.checkpoint_path = (std::filesystem::path(c_.out_dir) / "last.pt").string();
        }
        if (!c_.resume.empty())
            if (auto r = resume(); !r.ok()) return r;
        if (group_) broadcast_state();
        // The NaN guard's rollback point: the last checkpoint (initially the starting state).
        last_good_ = serialize_checkpoint(*model_, *opt_.sgd, state_);
        if (lead_)
            if (auto t = open_telemetry(); !t.ok()) return t;
        LoaderOptions lo = loader_options(c_, tp_, /*validation=*/false);
        lo.shard = c_.distributed.rank;
        lo.shards = c_.distributed.world_size;
        loader_ = std::make_unique<BatchLoader>(data_.train, lo, state_.position);
        if (!c_.quiet && lead_) progress_.message(description());
        return true;
    }

    std::int64_t first_step() const { return state_.step + 1; }
    std::int64_t last_step() const { return last_step_; }

    // Runs step `step` (1-based): the batch, forward, losses, and either the update or the NaN
    // guard's skip, rollback or stop; then deaths, telemetry, hooks, validation and checkpoint.
    // Returns false when the run stops here (--nan-policy stop).
    deadzone::Result<bool> take_step(std::int64_t step) {
        auto batch_r = loader_->next();
        if (!batch_r.ok()) return deadzone::Error{batch_r.error()};
        const Batch& batch = batch_r.value();
        const auto t0 = Clock::now();

        const double lr = schedule_.at(step - 1) * state_.lr_scale;
        set_lr(opt_, lr);
        // The same on every rank: a recorded step's statistics are combined over the ranks.
        const bool record = records_telemetry() && (step <= c_.telemetry_dense_steps || step == 1 ||
                                                    step % c_.telemetry_every == 0 || step == last_step_);

        // BN running statistics change during the forward pass; keep a copy so a skipped step leaves
        // no trace (a NaN batch would otherwise poison them).
        std::vector<torch::Tensor> saved_buffers;
        saved_buffers.reserve(buffers_.size());
        for (const auto& b : buffers_) saved_buffers.push_back(b.clone());

        opt_.sgd->zero_grad();
        ActivationTap tap;
        const TtfOutput out = model_->forward(batch.images, record ? &tap : nullptr);
        const LossNormalizers normalizers = global_loss_normalizers(batch.targets);
        LossParts losses = ttfnet_loss(out, batch.targets, c_.loss_weights, deadzone::kTrainerStride, &normalizers);
        if (hooks_.after_loss) hooks_.after_loss(step, losses);

        // The whole batch's losses, the same on every rank: so is the NaN guard's decision below.
        const tel::Losses lv = global_losses(losses);
        NonFinite bad = non_finite_loss(lv);
        double grad_norm = NAN;
        if (bad.component.empty()) {
            backward(losses.total);
            grad_norm = gradient_norm(record);
            if (c_.clip_grad > 0 && !std::isfinite(grad_norm)) bad = {"gradient", {{"grad_norm", grad_norm}}};
        }
        const bool updated = bad.component.empty();
        if (updated) {
            opt_.sgd->step();
            guard_.on_good_step();
            ++summary_.updates;
        } else {
            if (auto s = skip(step, std::move(bad), saved_buffers, out, losses); !s.ok()) return s;
        }
        state_.step = step;
        state_.position = batch.next_position;

        record_channel_deaths(step, out.wh);
        const double step_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        step_ms_total_ += step_ms;
        ++steps_run_;
        interval_ms_ += step_ms;
        ++interval_steps_;
        if (record) record_step(step, lr, grad_norm, lv, out, tap);
        summary_.last_losses = lv;
        if (hooks_.after_step) hooks_.after_step(step, updated, *model_);
        if (show_) progress_.update(step, lv.heatmap, lv.wh, lv.total, lr);

        if (lead_ && c_.val_every > 0 && step % c_.val_every == 0 && step != c_.steps) {
            int nb = 0;
            const tel::Losses v = validate(*model_, data_, c_, tp_, &nb);
            if (nb > 0) telemetry_.write(tel::ValRecord{step, v, nb});
        }
        if (summary_.status == tel::RunStatus::Stopped) return false;
        if (c_.checkpoint_every > 0 && step % c_.checkpoint_every == 0 && step != last_step_)
            if (auto w = write_checkpoint(step); !w.ok()) return w;
        return true;
    }

    // The final checkpoint, validation and end record; the summary; the on_finished hook.
    deadzone::Result<TrainSummary> finish() {
        if (show_) progress_.finish();
        if (summary_.status == tel::RunStatus::Completed && state_.step < c_.steps) summary_.status = tel::RunStatus::Paused;

        if (auto w = write_checkpoint(state_.step); !w.ok()) return deadzone::Error{w.error()};
        int nb = 0;
        if (lead_) summary_.val_losses = validate(*model_, data_, c_, tp_, &nb);
        if (nb > 0) telemetry_.write(tel::ValRecord{state_.step, summary_.val_losses, nb});

        summary_.steps_done = state_.step;
        summary_.skipped_files = loader_->skipped_files();
        for (std::size_t ch = 0; ch < dead_since_.size(); ++ch)
            if (dead_since_[ch] >= 0) summary_.dead_channels.push_back({static_cast<int>(ch), dead_since_[ch]});
        summary_.wall_s = std::chrono::duration<double>(Clock::now() - wall_start_).count();
        summary_.ms_per_step = step_ms_total_ / static_cast<double>(std::max<std::int64_t>(1, steps_run_));
        summary_.allreduce_wait_ms = allreduce_ms_total_ / static_cast<double>(std::max<std::int64_t>(1, steps_run_));
        summary_.allreduce_span_ms = allreduce_span_ms_total_ / static_cast<double>(std::max<std::int64_t>(1, steps_run_));

        tel::EndRecord end;
        end.step = state_.step;
        end.status = summary_.status;
        end.wall_s = summary_.wall_s;
        end.skipped_files = static_cast<std::int64_t>(summary_.skipped_files.size());
        end.dead_channels = summary_.dead_channels;
        telemetry_.write(end);
        if (hooks_.on_finished && lead_) {
            model_->eval();
            hooks_.on_finished(*model_, data_.train->class_names(), state_.step);
        }
        return summary_;
    }

private:
    // Which part of a step went non-finite ("" when none) and the figures that say where.
    struct NonFinite {
        std::string component;
        std::map<std::string, double> stats;
    };

    static TrainConfig with_classes(TrainConfig c, const DatasetSplit& data) {
        c.model.num_classes = data.train->num_classes();
        return c;
    }

    // The loss divisors of the whole global batch: this process's own, or summed over the ranks.
    LossNormalizers global_loss_normalizers(const BatchTargets& targets) {
        LossNormalizers n = loss_normalizers(targets);
        if (!group_) return n;
        torch::Tensor both = torch::stack({n.positives.to(torch::kDouble), n.reg_weight_sum.to(torch::kDouble)});
        group_->all_reduce(both, ProcessGroup::Reduce::Sum, "loss normaliser all-reduce");
        return {both[0].to(torch::kFloat), both[1].to(torch::kFloat)};
    }

    // The step's losses over the global batch. Each rank's parts are its samples' sums divided by
    // the global divisors, so the whole batch's loss is their sum over ranks (a NaN on any rank
    // makes it NaN everywhere).
    tel::Losses global_losses(const LossParts& parts) {
        const tel::Losses mine = to_losses(parts);
        if (!group_) return mine;
        torch::Tensor v = torch::tensor({mine.heatmap, mine.wh, mine.total}, torch::kDouble);
        group_->all_reduce(v, ProcessGroup::Reduce::Sum, "loss all-reduce");
        return {v[0].item<double>(), v[1].item<double>(), v[2].item<double>()};
    }

    // backward() of the total loss; with ranks, the gradients averaged over them (bucketed, started
    // from the gradient hooks). The averager divides by the world size, so each rank's loss is
    // scaled by it: the mean of the ranks' gradients is then the gradient of the global batch's loss.
    void backward(const torch::Tensor& total) {
        if (!group_) {
            total.backward();
            return;
        }
        averager_->begin_step();
        (total * static_cast<double>(group_->world_size())).backward();
        averager_->finish();
        allreduce_ms_total_ += averager_->last_wait_ms();
        allreduce_span_ms_total_ += averager_->last_span_ms();
    }

    // Rank 0's weights, BN statistics and optimizer state everywhere (they already agree when the
    // seeds do; this makes sure, e.g. after a resume from files that differ).
    void broadcast_state() {
        torch::NoGradGuard no_grad;
        std::vector<torch::Tensor> tensors;
        for (const auto& p : model_->parameters()) tensors.push_back(p.detach());
        for (const auto& b : model_->buffers()) tensors.push_back(b);
        for (const auto& group : opt_.sgd->param_groups())
            for (const auto& p : group.params()) {
                auto it = opt_.sgd->state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
                if (it == opt_.sgd->state().end()) continue;
                auto& momentum = static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
                if (momentum.defined()) tensors.push_back(momentum);
            }
        group_->broadcast(tensors, "initial weights broadcast");
    }

    static NonFinite non_finite_loss(const tel::Losses& lv) {
        if (!std::isfinite(lv.heatmap)) return {"heatmap focal", {}};
        if (!std::isfinite(lv.wh)) return {"wh GIoU", {}};
        if (!std::isfinite(lv.total)) return {"total", {}};
        return {};
    }

    // The gradient norm after backward(): clipped to --clip-grad when set (the norm before
    // clipping), else computed only for a step that is recorded; NaN when not computed.
    double gradient_norm(bool record) {
        if (c_.clip_grad > 0) return torch::nn::utils::clip_grad_norm_(params_, c_.clip_grad);
        if (!record) return NAN;
        double g2 = 0;
        for (const auto& p : params_)
            if (p.grad().defined()) g2 += p.grad().pow(2).sum().item<double>();
        return std::sqrt(g2);
    }

    // --resume: the checkpoint's model, optimizer and position, after checking that the run's seed
    // and batch match it (a different --steps only warns: the lr schedule changes from there).
    deadzone::Result<bool> resume() {
        auto loaded = load_checkpoint_file(c_.resume, *model_, *opt_.sgd);
        if (!loaded.ok()) return deadzone::Error{loaded.error()};
        const TrainState& l = loaded.value();
        auto mismatch = [&](const char* flag, std::int64_t was, std::int64_t now) {
            return deadzone::Error{"checkpoint " + c_.resume + " was trained with " + flag + " " + std::to_string(was) +
                                   ", this run has " + std::to_string(now) + ": pass the same value to resume exactly"};
        };
        if (l.seed != state_.seed) return mismatch("--seed", l.seed, state_.seed);
        if (l.batch_size != state_.batch_size) return mismatch("--batch", l.batch_size, state_.batch_size);
        // Each rank's share of every batch depends on the world size (loader.h): another one would
        // not continue the same sample stream.
        if (l.world_size != state_.world_size) return mismatch("--world-size (--nproc)", l.world_size, state_.world_size);
        if (l.total_steps != state_.total_steps && !c_.quiet) {
            std::cerr << "warning: checkpoint was trained for --steps " << l.total_steps << ", continuing with --steps "
                      << c_.steps << ": the lr schedule changes from here on\n";
        }
        state_.step = l.step;
        state_.position = l.position;
        state_.lr_scale = l.lr_scale;
        if (state_.step >= c_.steps) {
            return deadzone::Error{"checkpoint " + c_.resume + " is at step " + std::to_string(state_.step) +
                                   ", not before --steps " + std::to_string(c_.steps) + ": nothing to do"};
        }
        return true;
    }

    // The run's telemetry (unless --telemetry none): a new file, or for a resumed run the existing
    // one cut back to the checkpoint's step, with a resume event and the channels already dead.
    deadzone::Result<bool> open_telemetry() {
        if (c_.telemetry_path == "none") return true;
        const std::string path =
            c_.telemetry_path.empty() ? (std::filesystem::path(c_.out_dir) / "telemetry.jsonl").string() : c_.telemetry_path;
        summary_.telemetry_path = path;
        const tel::Header h = telemetry_header(c_, *model_, data_);
        auto opened = c_.resume.empty() ? telemetry_.create(path, h) : telemetry_.resume(path, h, state_.step);
        if (!opened.ok()) return deadzone::Error{opened.error()};
        if (c_.resume.empty()) return true;
        // Channels already dead before the checkpoint stay dead since their original step.
        if (auto prior = tel::parse_telemetry_file(path); prior.ok()) {
            for (const auto& d : deadzone::final_dead_channels(prior.value()))
                if (d.channel >= 0 && d.channel < 4) dead_since_[static_cast<std::size_t>(d.channel)] = d.since_step;
        }
        tel::Event e;
        e.step = state_.step;
        e.kind = "resume";
        e.path = c_.resume;
        telemetry_.write(e);
        return true;
    }

    // The line ttfnet-train prints before the first step.
    std::string description() const {
        return "ttfnet-train: " + data_.description + ", variant " + c_.model.variant.name + " (" +
               wh_act_name(c_.model.variant.act) + ", bias " + std::to_string(c_.model.variant.bias_init) + ", std " +
               std::to_string(c_.model.variant.init_std) + "), " + std::to_string(c_.input_size) + "px, batch " +
               std::to_string(c_.batch_size) + ", " + std::to_string(c_.threads) + " threads, loader " +
               (loader_->mode() == LoaderMode::Background ? "thread" : "inline") +
               (c_.resume.empty() ? "" : ", resumed at step " + std::to_string(state_.step)) +
               (group_
                    ? ", " + std::to_string(group_->world_size()) + " processes (Gloo, " + std::to_string(averager_->buckets()) +
                          " gradient buckets, BatchNorm " + (c_.sync_batch_norm ? "over the global batch" : "per rank") + ")"
                    : "");
    }

    // A non-finite step: no update, BN statistics restored, gradients dropped, a nan event; then the
    // NaN guard's decision (go on, roll back to the last checkpoint at a lower lr, or stop).
    deadzone::Result<bool> skip(std::int64_t step, NonFinite bad, const std::vector<torch::Tensor>& saved_buffers,
                                const TtfOutput& out, const LossParts& losses) {
        {
            torch::NoGradGuard ng;
            for (std::size_t i = 0; i < buffers_.size(); ++i) buffers_[i].copy_(saved_buffers[i]);
        }
        opt_.sgd->zero_grad();
        ++summary_.nan_events;
        for (const auto& [k, v] : nan_stats(out, losses)) bad.stats.emplace(k, v);
        tel::Event e;
        e.step = step;
        e.kind = "nan";
        e.component = bad.component;
        e.message = "non-finite " + bad.component + " at step " + std::to_string(step) + ": update skipped (" +
                    std::to_string(guard_.consecutive() + 1) + " in a row)";
        e.stats = bad.stats;
        telemetry_.write(e);
        if (show_) progress_.message("warning: " + e.message);
        const NanGuard::Action action = guard_.on_bad_step();
        if (action == NanGuard::Action::Rollback) {
            auto restored = deserialize_checkpoint(last_good_, "last good checkpoint", *model_, *opt_.sgd);
            if (!restored.ok()) return deadzone::Error{restored.error()};
            state_.lr_scale *= c_.nan_lr_factor;
            ++summary_.rollbacks;
            tel::Event r;
            r.step = step;
            r.kind = "rollback";
            r.message = std::to_string(c_.nan_patience) + " bad steps in a row: restored the checkpoint of step " +
                        std::to_string(restored.value().step) + ", lr scale now " + std::to_string(state_.lr_scale);
            telemetry_.write(r);
            if (show_) progress_.message("warning: " + r.message);
        } else if (action == NanGuard::Action::Stop) {
            tel::Event s;
            s.step = step;
            s.kind = "stop";
            s.message = std::to_string(c_.nan_patience) + " bad steps in a row: stopping (--nan-policy stop)";
            telemetry_.write(s);
            if (show_) progress_.message("error: " + s.message);
            summary_.status = tel::RunStatus::Stopped;
        }
        return true;
    }

    // Channel death is checked every step (one reduction) when telemetry is on: the first step from
    // which a wh channel is zero for every sample, and the step it comes back.
    void record_channel_deaths(std::int64_t step, const torch::Tensor& wh) {
        const auto t0 = Clock::now();
        const std::vector<bool> dead = records_telemetry() ? dead_wh_channels_of_all_ranks(wh) : std::vector<bool>{};
        for (std::size_t ch = 0; ch < dead.size() && ch < dead_since_.size(); ++ch) {
            if (dead[ch] == (dead_since_[ch] >= 0)) continue;
            tel::Event e;
            e.step = step;
            e.channel = static_cast<int>(ch);
            e.kind = dead[ch] ? "channel_death" : "channel_revived";
            dead_since_[ch] = dead[ch] ? step : -1;
            telemetry_.write(e);
        }
        summary_.telemetry_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }

    // dead_wh_channels over the global batch: a channel is dead only if it is zero for every sample
    // of every rank. Every rank takes part (the all-reduce); rank 0 writes the events.
    std::vector<bool> dead_wh_channels_of_all_ranks(const torch::Tensor& wh) {
        std::vector<bool> dead = dead_wh_channels(wh);
        if (!group_) return dead;
        std::vector<float> values(dead.begin(), dead.end());
        torch::Tensor flags = torch::from_blob(values.data(), {static_cast<std::int64_t>(values.size())}, torch::kFloat);
        group_->all_reduce(flags, ProcessGroup::Reduce::Min, "dead channel all-reduce");
        for (std::size_t i = 0; i < dead.size(); ++i) dead[i] = values[i] > 0.5f;
        return dead;
    }

    // Whether this run records telemetry (rank 0 writes it; every rank helps compute it).
    bool records_telemetry() const { return c_.telemetry_path != "none"; }

    // Each tapped activation's dead units over every rank's samples: the ranks' activity masks
    // (telemetry_writer.h's unit_activity), one all-reduce (max) for all layers, counted by core.
    std::vector<tel::ActivationRecord> activation_records_of_all_ranks(const ActivationTap& tap) {
        std::vector<torch::Tensor> masks;
        for (const auto& [name, t] : tap.outputs) masks.push_back(unit_activity(t));
        if (masks.empty()) return {};
        torch::Tensor all = torch::cat(masks);
        group_->all_reduce(all, ProcessGroup::Reduce::Max, "telemetry activation all-reduce");
        std::vector<tel::ActivationRecord> records;
        std::int64_t offset = 0;
        for (std::size_t i = 0; i < masks.size(); ++i) {
            const torch::Tensor& t = tap.outputs[i].second;
            const std::int64_t channels = t.dim() >= 2 ? t.size(1) : 1;
            records.push_back(
                activation_record_from_activity(tap.outputs[i].first, all.narrow(0, offset, masks[i].numel()), channels));
            offset += masks[i].numel();
        }
        return records;
    }

    // A step record; ms_per_step is the mean over the steps since the last record.
    void record_step(std::int64_t step, double lr, double grad_norm, const tel::Losses& lv, const TtfOutput& out,
                     const ActivationTap& tap) {
        const auto t0 = Clock::now();
        StepInputs in;
        in.step = step;
        in.time_s = std::chrono::duration<double>(Clock::now() - wall_start_).count();
        in.ms_per_step = interval_ms_ / interval_steps_;
        in.lr = lr;
        in.grad_norm = grad_norm;
        in.losses = lv;
        in.output = &out;
        in.tap = &tap;
        if (!group_) {
            telemetry_.write(collect_step_record(*model_, in));
        } else {
            // Over the global batch: rank 0 gets every rank's wh maps (small) and the activations'
            // dead units combined (one activity mask per layer), and writes the record.
            TtfOutput global = out;
            global.wh = group_->all_gather(out.wh.detach(), "telemetry wh gather");
            global.wh_pre = group_->all_gather(out.wh_pre.detach(), "telemetry wh_pre gather");
            const std::vector<tel::ActivationRecord> activations = activation_records_of_all_ranks(tap);
            in.output = &global;
            in.activations = &activations;
            if (lead_) telemetry_.write(collect_step_record(*model_, in));
        }
        interval_ms_ = 0;
        interval_steps_ = 0;
        summary_.telemetry_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }

    // last.pt, atomically, which also becomes the NaN guard's rollback point; a checkpoint event.
    deadzone::Result<bool> write_checkpoint(std::int64_t step) {
        last_good_ = serialize_checkpoint(*model_, *opt_.sgd, state_);
        if (!lead_) return true; // every rank keeps the rollback point; rank 0 writes the file
        auto w = write_file_atomic(summary_.checkpoint_path, last_good_);
        if (!w.ok()) return w;
        tel::Event e;
        e.step = step;
        e.kind = "checkpoint";
        e.path = summary_.checkpoint_path;
        telemetry_.write(e);
        return true;
    }

    const Clock::time_point wall_start_;
    const TrainConfig c_;
    const TrainHooks& hooks_;
    const DatasetSplit data_;
    const std::shared_ptr<ProcessGroup> group_; // null: one process
    const bool lead_;                           // rank 0 (or the only process): writes files, validates
    TtfNet model_;
    Optimizer opt_;
    LrSchedule schedule_;
    Progress progress_;
    const bool show_;
    NanGuard guard_;
    const std::vector<torch::Tensor> buffers_;
    const std::vector<torch::Tensor> params_;
    const std::int64_t last_step_;
    TargetParams tp_;
    TrainState state_;
    std::string last_good_;
    TelemetryWriter telemetry_;
    std::vector<std::int64_t> dead_since_ = std::vector<std::int64_t>(4, -1);
    std::unique_ptr<BatchLoader> loader_;
    TrainSummary summary_;
    double step_ms_total_ = 0;
    double interval_ms_ = 0; // since the last step record
    int interval_steps_ = 0;
    std::int64_t steps_run_ = 0;                 // in this process (a resumed run starts later)
    std::unique_ptr<GradientAverager> averager_; // data parallel only
    double allreduce_ms_total_ = 0, allreduce_span_ms_total_ = 0;
};

} // namespace

deadzone::Result<TrainSummary> train(const TrainConfig& config, const TrainHooks& hooks) {
    if (auto v = validate_config(config); !v.ok()) return deadzone::Error{v.error()};
    const auto wall_start = Clock::now();
    const TrainConfig c = resolved(config);
    torch::set_num_threads(c.threads);
    torch::manual_seed(c.seed);

    auto data = open_training_data(c);
    if (!data.ok()) return deadzone::Error{data.error()};
    if (!c.quiet) print_label_audit(data.value().audit, std::cerr);

    std::shared_ptr<ProcessGroup> group;
    if (c.distributed.enabled()) {
        // The rendezvous waits for every rank: say so, or a rank started alone looks hung.
        if (!c.quiet)
            std::cerr << "rank " << c.distributed.rank << " of " << c.distributed.world_size << ": joining the process group at "
                      << c.distributed.master_addr << ":" << c.distributed.master_port << " (waiting for every rank, up to "
                      << c.distributed.timeout.count() << " s per stage)\n";
        auto joined = ProcessGroup::join(c.distributed);
        if (!joined.ok()) return deadzone::Error{joined.error()};
        group = std::move(joined).value();
    }
    // A rank that dies or hangs makes the collectives of the others throw (after the timeout at
    // most): the run ends with that message instead of waiting forever.
    try {
        TrainingRun run(c, hooks, std::move(data).value(), wall_start, group);
        if (auto started = run.start(); !started.ok()) return deadzone::Error{started.error()};
        for (std::int64_t step = run.first_step(); step <= run.last_step(); ++step) {
            auto stepped = run.take_step(step);
            if (!stepped.ok()) return deadzone::Error{stepped.error()};
            if (!stepped.value()) break;
        }
        return run.finish();
    } catch (const DistributedError& e) {
        return deadzone::Error{e.what()};
    }
}

} // namespace ttfnet
