// Training step benchmark: what ttfnet-train's loop costs on top of the model's own step.
//
// For each input size, in one process and interleaved (round after round), it times
//   full        ttfnet::train() as ttfnet-train runs it past its dense-telemetry phase: the data
//               loader (synthetic data, augmentation, targets; inline or in a thread as --loader auto
//               decides for this machine), telemetry every
//               --telemetry-every steps, the NaN guard, the channel-death check;
//   full-dense  the same with telemetry on every step (a run's first --telemetry-dense-steps steps);
//   full without telemetry  the same with --telemetry none (the loop's own cost without telemetry);
//   bare        the model alone: forward, losses, backward, gradient clipping and the SGD step on one
//               fixed batch, same model, threads and allocator;
// and prints ms/step (median over rounds of each round's mean), the ratios to bare, and page faults
// per step (minor faults, getrusage). Steps are timed between the ends of consecutive steps, so the
// full loop's wait for the loader counts.
//
//   ttfnet-step-bench [--sizes 128,320] [--batch 8] [--steps 20] [--warmup 8] [--rounds 3]
//                     [--threads 2] [--allocator tuned|default] [--synthetic-base-size N]
//                     [--synthetic-cache-mb N] [--force]
//   ttfnet-step-bench --bare-only [--sizes ...]      only the bare step: a "bare <size> <ms> <faults>" line per size
//   ttfnet-step-bench --write-reference DIR          weights, batch and first losses for the PyTorch check
// The last two serve bench/train_step_pytorch.py, which times the bare step against the same graph in
// eager PyTorch, each in its own process.
//
// For the before/after figures: --allocator default keeps glibc's malloc thresholds (ttfnet-train
// tunes them: allocator.h); --synthetic-base-size 320 --synthetic-cache-mb 0 is the loader as it was
// (images drawn around 320 px whatever the input size, every time they are read). The machine must be otherwise idle: with a
// 1-minute load average above 0.5 at start the bench says so and exits (--force: measure anyway, and say so in the output).
#include "ttfnet/allocator.h"
#include "ttfnet/losses.h"
#include "ttfnet/optimizer.h"
#include "ttfnet/train.h"

#include "deadzone/model_metadata.h"
#include "deadzone/text_list.h"

#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using Clock = std::chrono::steady_clock;

long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

double load_average() {
    std::ifstream f("/proc/loadavg");
    double one = 0;
    f >> one;
    return one;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

struct Measure {
    double ms_per_step = 0;
    double faults_per_step = 0;
};

struct Settings {
    int batch = 8, steps = 20, warmup = 8, threads = 2;
    int synthetic_base_size = 0;  // 0: the input size (ttfnet-train's default)
    int synthetic_cache_mb = 512; // ttfnet-train's default
    int synthetic_size = 64;      // images in the training set: the warm-up reads them all once
};

ttfnet::TrainConfig train_config(int size, const Settings& s) {
    ttfnet::TrainConfig c;
    c.input_size = size;
    c.batch_size = s.batch;
    c.threads = s.threads;
    c.steps = s.warmup + s.steps;
    c.checkpoint_every = 0;
    c.val_batches = 0;
    c.quiet = true;
    c.progress = false;
    c.data_options.synthetic_train_size = s.synthetic_size;
    c.data_options.synthetic_base_size = s.synthetic_base_size > 0 ? s.synthetic_base_size : size;
    c.data_options.synthetic_cache_bytes = std::int64_t{s.synthetic_cache_mb} << 20;
    return c;
}

// ttfnet::train() for warmup + steps steps; the last `steps` are measured.
enum class Telemetry { Off, Default, Dense };

deadzone::Result<Measure> full_loop(int size, const Settings& s, Telemetry telemetry) {
    ttfnet::TrainConfig c = train_config(size, s);
    c.telemetry_dense_steps = telemetry == Telemetry::Dense ? c.steps : 0;
    if (telemetry == Telemetry::Off) c.telemetry_path = "none";
    c.out_dir = (std::filesystem::temp_directory_path() / "dz_step_bench").string();
    Clock::time_point start;
    long faults_at_start = 0;
    Measure m;
    ttfnet::TrainHooks hooks;
    hooks.after_step = [&](std::int64_t step, bool, ttfnet::TtfNetImpl&) {
        if (step == s.warmup) {
            start = Clock::now();
            faults_at_start = minor_faults();
        } else if (step == s.warmup + s.steps) {
            m.ms_per_step = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / s.steps;
            m.faults_per_step = static_cast<double>(minor_faults() - faults_at_start) / s.steps;
        }
    };
    auto r = ttfnet::train(c, hooks);
    if (!r) return deadzone::Error{r.error()};
    return m;
}

// The model's bare step: model, optimizer and one fixed batch from the same data set, seeded as
// ttfnet-train seeds them (the same size and seed always give the same weights and batch).
struct BareStep {
    ttfnet::TrainConfig config;
    ttfnet::TtfNet model;
    ttfnet::Optimizer optimizer;
    ttfnet::Batch batch;
    std::vector<torch::Tensor> params;

    // lr and weight_decay: the optimizer's (weight_decay < 0: ttfnet-train's default).
    static deadzone::Result<BareStep> make(int size, const Settings& s, double lr = kLearningRate, double weight_decay = -1) {
        BareStep b;
        b.config = train_config(size, s);
        if (weight_decay >= 0) b.config.weight_decay = weight_decay;
        b.lr = lr;
        torch::set_num_threads(b.config.threads);
        torch::manual_seed(b.config.seed);
        auto data = ttfnet::open_dataset(b.config.data, b.config.data_options);
        if (!data) return deadzone::Error{data.error()};
        ttfnet::ModelConfig mc = b.config.model;
        mc.num_classes = data.value().train->num_classes();
        b.model = ttfnet::make_ttfnet(mc);
        b.model->train();
        b.optimizer = ttfnet::make_optimizer(*b.model, lr, b.config.momentum, b.config.weight_decay);
        ttfnet::LoaderOptions lo;
        lo.batch_size = b.config.batch_size;
        lo.input_width = lo.input_height = size;
        lo.targets.num_classes = mc.num_classes;
        lo.warn = false;
        auto batch = ttfnet::BatchLoader(data.value().train, lo, 0).next();
        if (!batch) return deadzone::Error{batch.error()};
        b.batch = std::move(batch.value());
        b.params = b.model->parameters();
        return b;
    }

    // forward, losses, backward, gradient clipping, SGD step
    ttfnet::LossParts step() {
        optimizer.sgd->zero_grad();
        const ttfnet::TtfOutput out = model->forward(batch.images);
        ttfnet::LossParts losses = ttfnet::ttfnet_loss(out, batch.targets, config.loss_weights);
        losses.total.backward();
        torch::nn::utils::clip_grad_norm_(params, config.clip_grad);
        optimizer.sgd->step();
        return losses;
    }

    double lr = kLearningRate;
    static constexpr double kLearningRate = 0.001;
};

deadzone::Result<Measure> bare_step(int size, const Settings& s) {
    auto bare = BareStep::make(size, s);
    if (!bare) return deadzone::Error{bare.error()};
    Clock::time_point start;
    long faults_at_start = 0;
    for (int step = 1; step <= s.warmup + s.steps; ++step) {
        if (step == s.warmup + 1) start = Clock::now(), faults_at_start = minor_faults();
        bare.value().step();
    }
    Measure m;
    m.ms_per_step = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / s.steps;
    m.faults_per_step = static_cast<double>(minor_faults() - faults_at_start) / s.steps;
    return m;
}

// Writes what bench/train_step_pytorch.py needs to rebuild the bare step in eager PyTorch and check
// that it is the same computation: every parameter and buffer, the fixed batch, the hyperparameters,
// and the losses of the first kReferenceSteps steps. Layout of dir:
//   tensors.txt   one line per tensor: "<name> <dtype float32|int64> <dim0> <dim1> ..."; the data is
//                 <name>.bin, raw little-endian, row-major
//   config.txt    "<key> <value>" lines
//   losses.txt    one line per step: "<heatmap> <wh> <total>", before that step's update
//   after.<name>  every parameter and buffer again after those steps
constexpr int kReferenceSteps = 3;

// The reference steps use a large learning rate and weight decay so that every part of the update
// (weight decay included, 1e-7 of a weight at the timed lr 0.001) is far above float rounding.
constexpr double kReferenceLr = 0.05, kReferenceWeightDecay = 0.05;

deadzone::Result<bool> write_reference(int size, const Settings& s, const std::filesystem::path& dir) {
    auto made = BareStep::make(size, s, kReferenceLr, kReferenceWeightDecay);
    if (!made) return deadzone::Error{made.error()};
    BareStep& bare = made.value();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return deadzone::Error{"cannot create " + dir.string() + ": " + ec.message()};
    std::ofstream index(dir / "tensors.txt");
    bool written = true;
    auto write = [&](const std::string& name, const torch::Tensor& t) {
        const bool is_long = t.scalar_type() == torch::kLong;
        const torch::Tensor c = is_long ? t.contiguous().cpu() : t.to(torch::kCPU, torch::kFloat).contiguous();
        index << name << (is_long ? " int64" : " float32");
        for (auto d : c.sizes()) index << ' ' << d;
        index << '\n';
        std::ofstream out(dir / (name + ".bin"), std::ios::binary);
        out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
        written = written && static_cast<bool>(out);
    };
    for (const auto& p : bare.model->named_parameters()) write(p.key(), p.value());
    for (const auto& b : bare.model->named_buffers()) write(b.key(), b.value());
    write("batch.images", bare.batch.images);
    write("batch.heatmap", bare.batch.targets.heatmap);
    write("batch.box_target", bare.batch.targets.box_target);
    write("batch.reg_weight", bare.batch.targets.reg_weight);
    if (bare.batch.targets.heatmap_ignore.defined()) write("batch.heatmap_ignore", bare.batch.targets.heatmap_ignore);
    const ttfnet::TrainConfig& c = bare.config;
    const ttfnet::ModelConfig& mc = bare.model->config;
    std::ofstream config(dir / "config.txt");
    config << "input_size " << size << "\nbatch " << c.batch_size << "\nthreads " << c.threads << "\nlr " << bare.lr
           << "\nmomentum " << c.momentum << "\nweight_decay " << c.weight_decay << "\nclip_grad " << c.clip_grad
           << "\nloss_weight_heatmap " << c.loss_weights.heatmap << "\nloss_weight_wh " << c.loss_weights.wh << "\nnum_classes "
           << mc.num_classes << "\nwh_offset_base " << mc.wh_offset_base << "\nwh_act " << ttfnet::wh_act_name(mc.variant.act)
           << "\nleaky_slope " << mc.variant.leaky_slope << "\nneck_planes " << mc.neck_planes[0] << ',' << mc.neck_planes[1]
           << ',' << mc.neck_planes[2] << "\nhm_head " << mc.hm_head_convs << ',' << mc.hm_head_channels << "\nwh_head "
           << mc.wh_head_convs << ',' << mc.wh_head_channels << '\n';
    std::ofstream losses(dir / "losses.txt");
    losses.precision(9);
    for (int i = 0; i < kReferenceSteps; ++i) {
        const ttfnet::LossParts l = bare.step();
        losses << l.heatmap.item<double>() << ' ' << l.wh.item<double>() << ' ' << l.total.item<double>() << '\n';
    }
    // After the steps: the optimizer's work (momentum, weight decay, the biases' doubled lr) and the
    // BN running statistics, which the losses alone barely show.
    for (const auto& p : bare.model->named_parameters()) write("after." + p.key(), p.value());
    for (const auto& b : bare.model->named_buffers()) write("after." + b.key(), b.value());
    if (!index || !config || !losses || !written) return deadzone::Error{"cannot write the reference into " + dir.string()};
    return true;
}

// The loader alone: batches per second from the same data set with nothing else running, i.e. the
// CPU time one batch costs the loader thread (synthetic images already drawn, as in the full loop).
deadzone::Result<double> loader_ms_per_batch(int size, const Settings& s) {
    const ttfnet::TrainConfig c = train_config(size, s);
    auto data = ttfnet::open_dataset(c.data, c.data_options);
    if (!data) return deadzone::Error{data.error()};
    ttfnet::LoaderOptions lo;
    lo.batch_size = c.batch_size;
    lo.input_width = lo.input_height = size;
    lo.targets.num_classes = data.value().train->num_classes();
    lo.augment = c.augment;
    lo.queue_capacity = 1;
    lo.warn = false;
    ttfnet::BatchLoader loader(data.value().train, lo, 0);
    for (int i = 0; i < s.warmup; ++i)
        if (auto b = loader.next(); !b) return deadzone::Error{b.error()};
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < s.steps; ++i)
        if (auto b = loader.next(); !b) return deadzone::Error{b.error()};
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / s.steps;
}

// --sizes: one or more input sizes the trainer accepts (deadzone::is_trainer_input_size), else why not.
deadzone::Result<std::vector<int>> parse_sizes(const std::string& text) {
    auto numbers = deadzone::parse_number_list(text);
    if (!numbers) return deadzone::Error{"--sizes: " + numbers.error()};
    if (numbers.value().empty()) return deadzone::Error{"--sizes: no size given"};
    std::vector<int> sizes;
    for (double v : numbers.value()) {
        if (!(v >= deadzone::kMinTrainerInputSize && v <= deadzone::kMaxTrainerInputSize) ||
            !deadzone::is_trainer_input_size(static_cast<int>(v)) || v != static_cast<int>(v)) {
            char shown[32];
            std::snprintf(shown, sizeof shown, "%g", v);
            return deadzone::Error{std::string("--sizes: ") + shown + " is not " + deadzone::trainer_input_size_rule()};
        }
        sizes.push_back(static_cast<int>(v));
    }
    return sizes;
}

} // namespace

int main(int argc, char** argv) {
    Settings s;
    std::string sizes_text = "128,320", allocator = "tuned";
    int rounds = 3;
    bool force = false, bare_only = false;
    std::string reference_dir;
    CLI::App app{"Times ttfnet-train's full step against the model's bare step (bench/train_step.cpp)"};
    app.add_option("--sizes", sizes_text, "Input sizes, comma-separated");
    app.add_option("--batch", s.batch, "Batch size");
    app.add_option("--steps", s.steps, "Measured steps per run");
    app.add_option("--warmup", s.warmup, "Unmeasured steps first");
    app.add_option("--rounds", rounds, "Rounds of (full, full-dense, full without telemetry, bare)");
    app.add_option("--threads", s.threads, "LibTorch threads");
    app.add_option("--allocator", allocator, "tuned (as ttfnet-train) or default (glibc's thresholds)")
        ->check(CLI::IsMember({"tuned", "default"}));
    app.add_option("--synthetic-base-size", s.synthetic_base_size, "Synthetic images drawn around this size (0: the input size)");
    app.add_option("--synthetic-cache-mb", s.synthetic_cache_mb, "Synthetic images kept in memory (0: drawn every time)");
    app.add_option("--synthetic-size", s.synthetic_size,
                   "Synthetic training images (default 64: with the default warm-up every one has been drawn once, as in any "
                   "epoch after a long run's first)");
    app.add_flag("--force", force, "Measure even when the machine is busy");
    app.add_flag("--bare-only", bare_only,
                 "Time only the bare step, one run per size, and print 'bare <size> <ms/step> <faults/step>' lines (for "
                 "bench/train_step_pytorch.py, which interleaves this process with eager PyTorch)");
    app.add_option("--write-reference", reference_dir,
                   "Write the bare step's weights, batch, hyperparameters and first losses into DIR/<size>/ for "
                   "bench/train_step_pytorch.py's same-graph check, and exit");
    CLI11_PARSE(app, argc, argv);
    const auto parsed_sizes = parse_sizes(sizes_text);
    if (!parsed_sizes) {
        std::cerr << "error: " << parsed_sizes.error() << "\n";
        return 2;
    }
    const std::vector<int>& sizes = parsed_sizes.value();

    if (!reference_dir.empty()) {
        for (int size : sizes) {
            if (auto r = write_reference(size, s, std::filesystem::path(reference_dir) / std::to_string(size)); !r) {
                std::cerr << "error: " << r.error() << "\n";
                return 1;
            }
        }
        return 0;
    }
    if (bare_only) {
        // The caller checks the load and interleaves; the allocator is tuned unless --allocator default
        // (under an LD_PRELOADed jemalloc or mimalloc, mallopt is refused and theirs applies).
        if (allocator == "tuned") ttfnet::tune_allocator_for_training();
        for (int size : sizes) {
            auto bare = bare_step(size, s);
            if (!bare) {
                std::cerr << "error: " << bare.error() << "\n";
                return 1;
            }
            std::printf("bare %d %.3f %.1f\n", size, bare.value().ms_per_step, bare.value().faults_per_step);
        }
        return 0;
    }

    const double load = load_average();
    const bool busy = load > 0.5;
    if (busy && !force) {
        std::cerr << "ttfnet-step-bench: the machine is busy (1-minute load " << load
                  << "): figures would not be comparable; wait, or pass --force\n";
        return 3;
    }
    const std::string alloc = allocator == "tuned" ? ttfnet::tune_allocator_for_training().description : "glibc malloc defaults";
    std::printf("ttfnet-step-bench: batch %d, %d threads, %d rounds of %d steps (after %d warm-up), allocator: %s; synthetic "
                "images drawn at %s, cache %d MB%s\n",
                s.batch, s.threads, rounds, s.steps, s.warmup, alloc.c_str(),
                s.synthetic_base_size > 0 ? (std::to_string(s.synthetic_base_size) + " px").c_str() : "the input size",
                s.synthetic_cache_mb, busy ? " -- MACHINE BUSY at start (--force): figures unreliable" : "");
    for (int size : sizes) {
        std::vector<double> full_ms, dense_ms, off_ms, bare_ms, full_pf, dense_pf, bare_pf;
        for (int r = 0; r < rounds; ++r) {
            auto full = full_loop(size, s, Telemetry::Default);
            auto dense = full_loop(size, s, Telemetry::Dense);
            auto off = full_loop(size, s, Telemetry::Off);
            auto bare = bare_step(size, s);
            for (const auto* m : {&full, &dense, &off, &bare})
                if (!*m) {
                    std::cerr << "error: " << m->error() << "\n";
                    return 1;
                }
            off_ms.push_back(off.value().ms_per_step);
            full_ms.push_back(full.value().ms_per_step), full_pf.push_back(full.value().faults_per_step);
            dense_ms.push_back(dense.value().ms_per_step), dense_pf.push_back(dense.value().faults_per_step);
            bare_ms.push_back(bare.value().ms_per_step), bare_pf.push_back(bare.value().faults_per_step);
        }
        auto loader = loader_ms_per_batch(size, s);
        if (!loader) {
            std::cerr << "error: " << loader.error() << "\n";
            return 1;
        }
        const double bare = median(bare_ms);
        std::printf("%d px: full %.1f ms/step (%.0f faults/step), full-dense %.1f ms/step (%.0f), bare %.1f ms/step (%.0f)\n",
                    size, median(full_ms), median(full_pf), median(dense_ms), median(dense_pf), bare, median(bare_pf));
        std::printf("%d px: ratio full / bare %.3f, full-dense / bare %.3f, full without telemetry / bare %.3f; the loader "
                    "alone: %.1f ms/batch\n",
                    size, median(full_ms) / bare, median(dense_ms) / bare, median(off_ms) / bare, loader.value());
    }
    return 0;
}
