// Telemetry overhead benchmark: what telemetry costs a training run (the budget is 3% of training
// time at the default interval). Trains the same seeded run twice, with and without telemetry, and prints both step
// times, their ratio, and the time spent inside telemetry collection/writing measured in-loop
// (less noisy than the difference of two runs on a shared machine).
//
//   ttfnet-telemetry-bench [--input-size 320] [--batch 8] [--steps 60] [--every 20] [--threads 2] [--repeats 2]
#include "ttfnet/train.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

int main(int argc, char** argv) {
    const ttfnet::TrainConfig defaults; // a named object: GCC 12 warns about a temporary's strings
    int input = 320, batch = 8, threads = 2, every = defaults.telemetry_every;
    std::int64_t steps = 60;
    int repeats = 2;
    CLI::App app{"Measures the cost of DeadZone telemetry in ttfnet training"};
    app.add_option("--input-size", input, "Input size");
    app.add_option("--batch", batch, "Batch size");
    app.add_option("--steps", steps, "Steps per run");
    app.add_option("--every", every, "Telemetry interval (default: ttfnet-train's default)");
    app.add_option("--threads", threads, "LibTorch threads");
    app.add_option("--repeats", repeats, "Alternating runs per configuration (the fastest counts)");
    CLI11_PARSE(app, argc, argv);

    auto run = [&](bool telemetry) {
        ttfnet::TrainConfig c;
        c.input_size = input;
        c.batch_size = batch;
        c.steps = steps;
        c.threads = threads;
        c.telemetry_every = every;
        c.checkpoint_every = 0;
        c.val_batches = 0;
        c.quiet = true;
        c.data_options.synthetic_train_size = 200;
        c.data_options.synthetic_base_size = input;
        c.out_dir = (std::filesystem::temp_directory_path() / (telemetry ? "dz_bench_tel" : "dz_bench_notel")).string();
        c.telemetry_path = telemetry ? "" : "none";
        return ttfnet::train(c);
    };
    // Alternate the two configurations `repeats` times and keep each one's fastest run, which is
    // the least disturbed by whatever else shares the machine.
    std::optional<ttfnet::TrainSummary> best_off, best_on;
    for (int r = 0; r < repeats; ++r) {
        for (bool telemetry : {false, true}) {
            auto s = run(telemetry);
            if (!s.ok()) {
                std::cerr << "error: " << s.error() << "\n";
                return 1;
            }
            auto& best = telemetry ? best_on : best_off;
            if (!best || s.value().ms_per_step < best->ms_per_step) best = s.value();
        }
    }
    const auto& a = *best_off;
    const auto& b = *best_on;
    const double in_loop = b.telemetry_ms / (b.ms_per_step * static_cast<double>(steps));
    std::printf("input %d, batch %d, %lld steps, %d threads, telemetry every %d steps, best of %d\n", input, batch,
                static_cast<long long>(steps), threads, every, repeats);
    std::printf("without telemetry: %.1f ms/step\n", a.ms_per_step);
    std::printf("with telemetry:    %.1f ms/step (of which telemetry %.2f ms/step)\n", b.ms_per_step,
                b.telemetry_ms / static_cast<double>(steps));
    std::printf("ratio with/without: %.4f  (overhead %.2f%%, noisy on a shared machine)\n", b.ms_per_step / a.ms_per_step,
                100.0 * (b.ms_per_step / a.ms_per_step - 1.0));
    std::printf("in-loop telemetry share: %.2f%% of training time (budget 3%%)\n", 100.0 * in_loop);
    return 0;
}
