#include "ttfnet/train.h"

#include "ttfnet/checkpoint.h"
#include "ttfnet/optimizer.h"
#include "ttfnet/progress.h"
#include "ttfnet/telemetry_writer.h"

#include "deadzone/diagnostics.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>

namespace ttfnet {

namespace tel = deadzone::telemetry;
using Clock = std::chrono::steady_clock;

deadzone::Result<bool> validate_config(const TrainConfig& c) {
    auto bad = [](const std::string& m) { return deadzone::Result<bool>(deadzone::Error{m}); };
    if (c.input_size < 64 || c.input_size % 32 != 0) return bad("--input-size must be a multiple of 32 and at least 64, got " + std::to_string(c.input_size));
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

tel::Losses validate(TtfNetImpl& model, const DatasetSplit& data, const TrainConfig& c, const TargetParams& tp, int* batches_out) {
    tel::Losses sum{0, 0, 0};
    *batches_out = 0;
    if (!data.val || data.val->size() == 0 || c.val_batches == 0) return {NAN, NAN, NAN};
    LoaderOptions lo;
    lo.batch_size = c.batch_size;
    lo.input_width = lo.input_height = c.input_size;
    lo.seed = c.seed;
    lo.shuffle = false;
    lo.augment.enabled = false;
    lo.targets = tp;
    lo.queue_capacity = 1;
    lo.mode = c.loader_mode;
    lo.compute_threads = c.threads;
    const int batches = static_cast<int>(std::min<std::size_t>(
        static_cast<std::size_t>(c.val_batches), (data.val->size() + static_cast<std::size_t>(c.batch_size) - 1) / static_cast<std::size_t>(c.batch_size)));
    BatchLoader loader(data.val, lo, 0);
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

} // namespace

deadzone::Result<TrainSummary> train(const TrainConfig& config_in, const TrainHooks& hooks) {
    if (auto v = validate_config(config_in); !v.ok()) return deadzone::Error{v.error()};
    TrainConfig c = config_in;
    if (c.lr == 0) c.lr = 0.016 * c.batch_size / 128.0; // TTFNet: 0.016 for batch 128, scaled linearly
    const auto wall_start = Clock::now();

    torch::set_num_threads(c.threads);
    torch::manual_seed(c.seed);

    DataOptions dopt = c.data_options;
    dopt.seed = c.seed;
    if (dopt.synthetic_base_size <= 0) dopt.synthetic_base_size = c.input_size;
    auto opened = open_dataset(c.data, dopt);
    if (!opened.ok()) return deadzone::Error{opened.error()};
    const DatasetSplit data = std::move(opened).value();
    if (data.train->size() == 0) return deadzone::Error{"the training set is empty: " + data.description};
    if (!c.quiet) print_label_audit(data.audit, std::cerr);

    c.model.num_classes = data.train->num_classes();
    auto model = make_ttfnet(c.model);
    model->train();
    Optimizer opt = make_optimizer(*model, c.lr, c.momentum, c.weight_decay);

    std::error_code ec;
    std::filesystem::create_directories(c.out_dir, ec);
    if (ec) return deadzone::Error{"cannot create output folder " + c.out_dir + ": " + ec.message()};
    const std::string checkpoint_path = (std::filesystem::path(c.out_dir) / "last.pt").string();

    TrainState state;
    state.seed = static_cast<std::int64_t>(c.seed);
    state.batch_size = c.batch_size;
    state.total_steps = c.steps;
    if (!c.resume.empty()) {
        auto loaded = load_checkpoint_file(c.resume, *model, *opt.sgd);
        if (!loaded.ok()) return deadzone::Error{loaded.error()};
        const TrainState& l = loaded.value();
        auto mismatch = [&](const char* flag, std::int64_t was, std::int64_t now) {
            return deadzone::Error{"checkpoint " + c.resume + " was trained with " + flag + " " + std::to_string(was) + ", this run has " +
                                   std::to_string(now) + ": pass the same value to resume exactly"};
        };
        if (l.seed != state.seed) return mismatch("--seed", l.seed, state.seed);
        if (l.batch_size != state.batch_size) return mismatch("--batch", l.batch_size, state.batch_size);
        if (l.total_steps != state.total_steps && !c.quiet) {
            std::cerr << "warning: checkpoint was trained for --steps " << l.total_steps << ", continuing with --steps " << c.steps
                      << ": the lr schedule changes from here on\n";
        }
        state.step = l.step;
        state.position = l.position;
        state.lr_scale = l.lr_scale;
        if (state.step >= c.steps) {
            return deadzone::Error{"checkpoint " + c.resume + " is at step " + std::to_string(state.step) + ", not before --steps " +
                                   std::to_string(c.steps) + ": nothing to do"};
        }
    }
    // The NaN guard's rollback point: the last checkpoint (initially the starting state).
    std::string last_good = serialize_checkpoint(*model, *opt.sgd, state);

    LrSchedule schedule;
    schedule.base_lr = c.lr;
    schedule.total_steps = c.steps;
    schedule.warmup_steps = std::min<std::int64_t>(c.warmup_steps, c.steps / 2);
    schedule.warmup_ratio = c.warmup_ratio;
    schedule.decay = c.decay;
    schedule.step_fractions = c.lr_step_fractions;

    // Telemetry.
    TelemetryWriter telemetry;
    std::string telemetry_path;
    std::vector<std::int64_t> dead_since(4, -1);
    if (c.telemetry_path != "none") {
        telemetry_path = c.telemetry_path.empty() ? (std::filesystem::path(c.out_dir) / "telemetry.jsonl").string() : c.telemetry_path;
        tel::Header h;
        h.run_id = std::filesystem::path(c.out_dir).filename().string() + "-" + std::to_string(c.seed);
        h.created_utc = utc_now();
        h.variant = {c.model.variant.name, wh_act_name(c.model.variant.act), c.model.variant.leaky_slope, c.model.variant.bias_init,
                     c.model.variant.init_std};
        h.architecture = c.model.architecture_fingerprint();
        h.input_width = h.input_height = c.input_size;
        h.num_classes = c.model.num_classes;
        h.class_names = data.train->class_names();
        h.stride = 4;
        h.wh_offset_base = c.model.wh_offset_base;
        h.batch_size = c.batch_size;
        h.total_steps = c.steps;
        h.telemetry_every = c.telemetry_every;
        h.telemetry_dense_steps = c.telemetry_dense_steps;
        h.layers = telemetry_layers(*model);
        h.data = data_info(data);
        h.config_json = c.config_json;
        auto opened_tel = c.resume.empty() ? telemetry.create(telemetry_path, h) : telemetry.resume(telemetry_path, h, state.step);
        if (!opened_tel.ok()) return deadzone::Error{opened_tel.error()};
        if (!c.resume.empty()) {
            // Channels already dead before the checkpoint stay dead since their original step.
            if (auto prior = tel::parse_telemetry_file(telemetry_path); prior.ok()) {
                for (const auto& d : deadzone::final_dead_channels(prior.value()))
                    if (d.channel >= 0 && d.channel < 4) dead_since[static_cast<std::size_t>(d.channel)] = d.since_step;
            }
            tel::Event e;
            e.step = state.step;
            e.kind = "resume";
            e.path = c.resume;
            telemetry.write(e);
        }
    }

    TargetParams tp;
    tp.num_classes = c.model.num_classes;
    LoaderOptions lo;
    lo.batch_size = c.batch_size;
    lo.input_width = lo.input_height = c.input_size;
    lo.seed = c.seed;
    lo.augment = c.augment;
    lo.targets = tp;
    lo.queue_capacity = c.loader_queue;
    lo.warn = !c.quiet;
    lo.mode = c.loader_mode;
    lo.compute_threads = c.threads;
    BatchLoader loader(data.train, lo, state.position);

    Progress progress(c.steps, Progress::stderr_is_tty(), c.log_every);
    const bool show = c.progress && !c.quiet;
    if (!c.quiet) {
        progress.message("ttfnet-train: " + data.description + ", variant " + c.model.variant.name + " (" +
                         wh_act_name(c.model.variant.act) + ", bias " + std::to_string(c.model.variant.bias_init) + ", std " +
                         std::to_string(c.model.variant.init_std) + "), " + std::to_string(c.input_size) + "px, batch " +
                         std::to_string(c.batch_size) + ", " + std::to_string(c.threads) + " threads, loader " +
                         (loader.mode() == LoaderMode::Background ? "thread" : "inline") +
                         (c.resume.empty() ? "" : ", resumed at step " + std::to_string(state.step)));
    }

    NanGuard guard(c.nan_policy, c.nan_patience);
    TrainSummary summary;
    summary.telemetry_path = telemetry_path;
    summary.checkpoint_path = checkpoint_path;
    summary.labels = data.audit;
    summary.val_losses = {NAN, NAN, NAN};
    const std::vector<torch::Tensor> buffers = model->buffers();
    const std::vector<torch::Tensor> params = model->parameters();
    double step_ms_total = 0;
    double interval_ms = 0;
    int interval_steps = 0;
    std::int64_t steps_run = 0; // in this process (a resumed run starts later)

    auto write_checkpoint = [&](std::int64_t step) -> deadzone::Result<bool> {
        last_good = serialize_checkpoint(*model, *opt.sgd, state);
        auto w = write_file_atomic(checkpoint_path, last_good);
        if (!w.ok()) return w;
        tel::Event e;
        e.step = step;
        e.kind = "checkpoint";
        e.path = checkpoint_path;
        telemetry.write(e);
        return true;
    };

    const std::int64_t last_step = c.stop_after > 0 ? std::min(c.steps, c.stop_after) : c.steps;
    for (std::int64_t step = state.step + 1; step <= last_step; ++step) {
        auto batch_r = loader.next();
        if (!batch_r.ok()) return deadzone::Error{batch_r.error()};
        const Batch& batch = batch_r.value();
        const auto t0 = Clock::now();

        const double lr = schedule.at(step - 1) * state.lr_scale;
        set_lr(opt, lr);
        const bool tele_step = telemetry.is_open() && 
                               (step <= c.telemetry_dense_steps || step == 1 || step % c.telemetry_every == 0 || step == last_step);

        // BN running statistics change during the forward pass; keep a copy so a skipped step leaves
        // no trace (a NaN batch would otherwise poison them).
        std::vector<torch::Tensor> saved_buffers;
        saved_buffers.reserve(buffers.size());
        for (const auto& b : buffers) saved_buffers.push_back(b.clone());

        opt.sgd->zero_grad();
        ActivationTap tap;
        const TtfOutput out = model->forward(batch.images, tele_step ? &tap : nullptr);
        LossParts losses = ttfnet_loss(out, batch.targets, c.loss_weights);
        if (hooks.after_loss) hooks.after_loss(step, losses);

        const tel::Losses lv = to_losses(losses);
        std::string bad_component;
        std::map<std::string, double> bad_stats;
        if (!std::isfinite(lv.heatmap)) bad_component = "heatmap focal";
        else if (!std::isfinite(lv.wh)) bad_component = "wh GIoU";
        else if (!std::isfinite(lv.total)) bad_component = "total";
        double grad_norm = NAN;
        if (bad_component.empty()) {
            losses.total.backward();
            if (c.clip_grad > 0) {
                grad_norm = torch::nn::utils::clip_grad_norm_(params, c.clip_grad);
            } else if (tele_step) {
                double g2 = 0;
                for (const auto& p : params)
                    if (p.grad().defined()) g2 += p.grad().pow(2).sum().item<double>();
                grad_norm = std::sqrt(g2);
            }
            if (c.clip_grad > 0 && !std::isfinite(grad_norm)) {
                bad_component = "gradient";
                bad_stats["grad_norm"] = grad_norm;
            }
        }
        bool updated = false;
        if (bad_component.empty()) {
            opt.sgd->step();
            guard.on_good_step();
            updated = true;
            ++summary.updates;
        } else {
            // Skip: no update, BN statistics restored, gradients dropped.
            {
                torch::NoGradGuard ng;
                for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved_buffers[i]);
            }
            opt.sgd->zero_grad();
            ++summary.nan_events;
            for (const auto& [k, v] : nan_stats(out, losses)) bad_stats.emplace(k, v);
            tel::Event e;
            e.step = step;
            e.kind = "nan";
            e.component = bad_component;
            e.message = "non-finite " + bad_component + " at step " + std::to_string(step) + ": update skipped (" +
                        std::to_string(guard.consecutive() + 1) + " in a row)";
            e.stats = bad_stats;
            telemetry.write(e);
            if (show) progress.message("warning: " + e.message);
            const NanGuard::Action action = guard.on_bad_step();
            if (action == NanGuard::Action::Rollback) {
                auto restored = deserialize_checkpoint(last_good, "last good checkpoint", *model, *opt.sgd);
                if (!restored.ok()) return deadzone::Error{restored.error()};
                state.lr_scale *= c.nan_lr_factor;
                ++summary.rollbacks;
                tel::Event r;
                r.step = step;
                r.kind = "rollback";
                r.message = std::to_string(c.nan_patience) + " bad steps in a row: restored the checkpoint of step " +
                            std::to_string(restored.value().step) + ", lr scale now " + std::to_string(state.lr_scale);
                telemetry.write(r);
                if (show) progress.message("warning: " + r.message);
            } else if (action == NanGuard::Action::Stop) {
                tel::Event s;
                s.step = step;
                s.kind = "stop";
                s.message = std::to_string(c.nan_patience) + " bad steps in a row: stopping (--nan-policy stop)";
                telemetry.write(s);
                if (show) progress.message("error: " + s.message);
                summary.status = tel::RunStatus::Stopped;
            }
        }
        state.step = step;
        state.position = batch.next_position;

        // Channel death is checked every step (one reduction) when telemetry is on: the first step
        // from which a wh channel is zero for every sample.
        const auto death_t0 = Clock::now();
        const std::vector<bool> dead = telemetry.is_open() ? dead_wh_channels(out.wh) : std::vector<bool>{};
        for (std::size_t ch = 0; ch < dead.size() && ch < dead_since.size(); ++ch) {
            if (dead[ch] == (dead_since[ch] >= 0)) continue;
            tel::Event e;
            e.step = step;
            e.channel = static_cast<int>(ch);
            e.kind = dead[ch] ? "channel_death" : "channel_revived";
            dead_since[ch] = dead[ch] ? step : -1;
            telemetry.write(e);
        }
        summary.telemetry_ms += std::chrono::duration<double, std::milli>(Clock::now() - death_t0).count();

        const double step_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        step_ms_total += step_ms;
        ++steps_run;
        interval_ms += step_ms;
        ++interval_steps;
        if (tele_step) {
            const auto tt = Clock::now();
            StepInputs in;
            in.step = step;
            in.time_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
            in.ms_per_step = interval_ms / interval_steps;
            in.lr = lr;
            in.grad_norm = grad_norm;
            in.losses = lv;
            in.output = &out;
            in.tap = &tap;
            telemetry.write(collect_step_record(*model, in));
            interval_ms = 0;
            interval_steps = 0;
            summary.telemetry_ms += std::chrono::duration<double, std::milli>(Clock::now() - tt).count();
        }
        summary.last_losses = lv;
        if (hooks.after_step) hooks.after_step(step, updated, *model);
        if (show) progress.update(step, lv.heatmap, lv.wh, lv.total, lr);

        if (c.val_every > 0 && step % c.val_every == 0 && step != c.steps) {
            int nb = 0;
            const tel::Losses v = validate(*model, data, c, tp, &nb);
            if (nb > 0) telemetry.write(tel::ValRecord{step, v, nb});
        }
        if (summary.status == tel::RunStatus::Stopped) break;
        if (c.checkpoint_every > 0 && step % c.checkpoint_every == 0 && step != last_step) {
            if (auto w = write_checkpoint(step); !w.ok()) return deadzone::Error{w.error()};
        }
    }
    if (show) progress.finish();
    if (summary.status == tel::RunStatus::Completed && state.step < c.steps) summary.status = tel::RunStatus::Paused;

    if (auto w = write_checkpoint(state.step); !w.ok()) return deadzone::Error{w.error()};
    int nb = 0;
    summary.val_losses = validate(*model, data, c, tp, &nb);
    if (nb > 0) telemetry.write(tel::ValRecord{state.step, summary.val_losses, nb});

    summary.steps_done = state.step;
    summary.skipped_files = loader.skipped_files();
    for (std::size_t ch = 0; ch < dead_since.size(); ++ch)
        if (dead_since[ch] >= 0) summary.dead_channels.push_back({static_cast<int>(ch), dead_since[ch]});
    summary.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
    summary.ms_per_step = step_ms_total / static_cast<double>(std::max<std::int64_t>(1, steps_run));

    tel::EndRecord end;
    end.step = state.step;
    end.status = summary.status;
    end.wall_s = summary.wall_s;
    end.skipped_files = static_cast<std::int64_t>(summary.skipped_files.size());
    end.dead_channels = summary.dead_channels;
    telemetry.write(end);
    if (hooks.on_finished) {
        model->eval();
        hooks.on_finished(*model, data.train->class_names(), state.step);
    }
    return summary;
}

} // namespace ttfnet
