// One process of the data-parallel tests (distributed_test.cpp starts two, or one alone): trains
// the tiny test config on synthetic data and records, after every step, a hash of its exact weights
// (so the test can compare ranks bit for bit), and at the end the weights themselves.
//
//   distributed_worker OUT RANK WORLD PORT STEPS TIMEOUT_S [stop_after=N] [resume=PATH] [nan_step=K]
//
// nan_step=K: this rank's losses are made NaN at step K (as if its batch had produced them).
//
// Writes OUT/digests-RANK.txt ("step hash" lines, flushed as they come) and OUT/weights-RANK.pt;
// rank 0 also writes OUT/telemetry.jsonl. Exit status 0, or 1 with train()'s error on stderr.
#include "test_util.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>

namespace {

// FNV-1a over the raw bytes of every parameter and buffer: equal only when every bit is.
std::uint64_t weights_hash(torch::nn::Module& model) {
    std::uint64_t h = 1469598103934665603ULL;
    auto add = [&](const torch::Tensor& t) {
        const torch::Tensor c = t.contiguous();
        const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
        for (std::size_t i = 0; i < c.nbytes(); ++i) h = (h ^ bytes[i]) * 1099511628211ULL;
    };
    for (const auto& p : model.parameters()) add(p.detach());
    for (const auto& b : model.buffers()) add(b);
    return h;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 7) {
        std::cerr << "usage: distributed_worker OUT RANK WORLD PORT STEPS TIMEOUT_S [stop_after=N] [resume=PATH] [nan_step=K]\n";
        return 2;
    }
    const std::string out = argv[1];
    ttfnet::TrainConfig c = ttfnet::testing::tiny_config(out + "/run");
    c.batch_size = 4;
    c.steps = std::stoll(argv[5]);
    c.threads = 1;
    c.telemetry_every = 1;
    c.telemetry_dense_steps = 1000;
    c.augment.enabled = true;
    c.distributed.rank = std::stoi(argv[2]);
    c.distributed.world_size = std::stoi(argv[3]);
    c.distributed.master_port = std::stoi(argv[4]);
    c.distributed.timeout = std::chrono::seconds(std::stoi(argv[6]));
    c.bucket_bytes = 64 << 10; // several buckets even for the tiny model
    std::int64_t nan_step = -1;
    for (int i = 7; i < argc; ++i) {
        const std::string a = argv[i], key = a.substr(0, a.find('=')), value = a.substr(a.find('=') + 1);
        if (key == "stop_after") c.stop_after = std::stoll(value);
        else if (key == "resume") c.resume = value;
        else if (key == "nan_step") nan_step = std::stoll(value);
    }
    std::ofstream digests(out + "/digests-" + std::to_string(c.distributed.rank) + ".txt", std::ios::app);
    ttfnet::TrainHooks hooks;
    hooks.after_loss = [&](std::int64_t step, ttfnet::LossParts& losses) {
        if (step == nan_step) losses.total = losses.total * std::numeric_limits<float>::quiet_NaN();
    };
    hooks.after_step = [&](std::int64_t step, bool, ttfnet::TtfNetImpl& model) {
        digests << step << " " << weights_hash(model) << std::endl; // flushed: the kill test watches it
        if (step != c.steps && step != c.stop_after) return;
        // Every rank's final weights (the run's own checkpoint is rank 0's only).
        std::vector<torch::Tensor> weights;
        for (const auto& p : model.parameters()) weights.push_back(p.detach().clone());
        torch::save(weights, out + "/weights-" + std::to_string(c.distributed.rank) + ".pt");
    };
    auto result = ttfnet::train(c, hooks);
    if (!result.ok()) {
        std::cerr << result.error() << "\n";
        return 1;
    }
    return 0;
}
