// Data-parallel training over PyTorch's own distributed engine, c10d: a TCPStore rendezvous and a
// Gloo process group (both in Debian's libtorch), joined the way torchrun starts its workers (the
// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT variables, or the same values as flags).
//
// What data parallelism needs from it, and no more: the initial weights broadcast from rank 0, the
// gradients averaged by bucketed all-reduces that start while backward() is still running (one per
// bucket, launched from the parameters' gradient hooks, as PyTorch's DistributedDataParallel does),
// BatchNorm statistics over the global batch (sync_batch_norm), and small all-reduces for the loss
// normalisers, the NaN guard's decision and the telemetry's dead channels.
//
// Every collective has the group's timeout: a rank that dies or hangs makes the others fail with
// DistributedError (naming this rank and the operation) instead of waiting forever.
#pragma once

#include "deadzone/result.h"

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ttfnet {

struct DistributedOptions {
    int rank = 0;       // 0 .. world_size - 1; rank 0 writes checkpoints, ONNX and telemetry
    int world_size = 1; // 1: not distributed (no process group is made)
    int local_rank = 0; // rank on this host (recorded; CPU training uses it for nothing else)
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;                                // rank 0 listens here (the TCPStore)
    std::chrono::seconds timeout{std::chrono::seconds(60)}; // rendezvous and every collective

    bool enabled() const { return world_size > 1; }
};

// The torchrun variables read through `getenv` (std::getenv in the CLI): RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT, each optional; `base` holds the values used for the ones
// not set. Errors name the variable and its value (not an integer, out of range); whether the
// values fit together (RANK < WORLD_SIZE) is validate_distributed_options', once flags are applied.
deadzone::Result<DistributedOptions> distributed_options_from_env(DistributedOptions base,
                                                                  const std::function<const char*(const char*)>& getenv);

// Checks a set of options (from flags or the environment); the message names the problem.
deadzone::Result<bool> validate_distributed_options(const DistributedOptions& o);

// A collective that failed: a peer closed its connection (it died) or did not answer within the
// timeout. what() names this rank, the operation and what Gloo said.
class DistributedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One process's membership of the group (RAII: leaving destroys the Gloo context and the store
// connection). Collectives block until every rank has joined them, or throw DistributedError.
class ProcessGroup {
public:
    // Rendezvous at master_addr:master_port (rank 0 serves the store) within options.timeout.
    static deadzone::Result<std::shared_ptr<ProcessGroup>> join(const DistributedOptions& options);
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    int rank() const { return options_.rank; }
    int world_size() const { return options_.world_size; }
    const DistributedOptions& options() const { return options_; }

    // Rank 0's values into every rank's tensors (contiguous CPU tensors, in place).
    void broadcast(std::vector<torch::Tensor>& tensors, const char* what);
    // Element-wise sum, max or min over ranks, in place (contiguous CPU tensors).
    enum class Reduce { Sum, Max, Min };
    void all_reduce(torch::Tensor& tensor, Reduce op, const char* what);
    // Every rank's `mine` (same shape on every rank), concatenated along dim 0 in rank order.
    torch::Tensor all_gather(const torch::Tensor& mine, const char* what);
    // The same, started and not waited for: finish with wait().
    struct Pending;
    std::shared_ptr<Pending> all_reduce_async(torch::Tensor& tensor, const char* what);
    void wait(Pending& pending);

private:
    struct Impl;
    ProcessGroup(DistributedOptions options, std::unique_ptr<Impl> impl);
    [[noreturn]] void fail(const char* what, const std::exception& e) const;

    DistributedOptions options_;
    std::unique_ptr<Impl> impl_;
};

// Averages gradients over the ranks in buckets of about `bucket_bytes`, parameters taken in reverse
// order (roughly the order backward() produces their gradients). Each bucket's all-reduce starts
// from the gradient hooks as soon as its last gradient is ready, so the late layers' traffic
// overlaps the early layers' backward pass; finish() waits for the rest and writes the averages
// into .grad(). A parameter with no gradient in a step counts as zeros; which parameters get one
// must be the same on every rank (the buckets' all-reduces are matched by the order they start in),
// as it is when every rank runs the same model on a batch of the same shape.
class GradientAverager {
public:
    GradientAverager(std::shared_ptr<ProcessGroup> group, const std::vector<torch::Tensor>& parameters,
                     std::int64_t bucket_bytes = 1 << 20);
    ~GradientAverager(); // removes its gradient hooks
    GradientAverager(const GradientAverager&) = delete;
    GradientAverager& operator=(const GradientAverager&) = delete;
    // Call before backward(): arms the hooks for one step.
    void begin_step();
    // Call after backward(): every bucket reduced, .grad() = the mean over ranks.
    void finish();

    int buckets() const { return static_cast<int>(buckets_.size()); }
    std::int64_t bytes_per_step() const;             // all-reduced per step (one copy of every gradient)
    double last_wait_ms() const { return wait_ms_; } // finish()'s wait in the last step
    // The last step's all-reduce span: from the first bucket's start (during backward) to the last
    // bucket's end; what the averaging would add to a step if none of it overlapped backward().
    double last_span_ms() const { return span_ms_; }

private:
    struct Bucket {
        std::vector<std::size_t> params; // indices into params_
        std::vector<std::int64_t> offsets;
        torch::Tensor flat;
        int ready = 0;
        std::shared_ptr<ProcessGroup::Pending> pending;
    };
    void on_gradient(std::size_t param, const torch::Tensor& grad);
    void launch(Bucket& bucket);

    std::shared_ptr<ProcessGroup> group_;
    std::vector<torch::Tensor> params_;
    std::vector<std::size_t> bucket_of_, slot_of_;
    std::vector<bool> seen_;
    std::vector<Bucket> buckets_;
    std::vector<unsigned> hooks_; // per parameter, for remove_hook
    bool armed_ = false;
    double wait_ms_ = 0, span_ms_ = 0;
    std::chrono::steady_clock::time_point first_launch_;
    bool launched_ = false;
};

// BatchNorm in training mode over the global batch: the per-channel sums of x and x^2 and the count
// are all-reduced (and, in backward, their gradients), so every rank normalises with the statistics
// of all ranks' samples, as one process would with the whole batch (PyTorch's SyncBatchNorm).
// Running statistics are updated the same way on every rank. x: [N, C, H, W]; bn: the module whose
// weight, bias, eps, momentum and running buffers are used.
torch::Tensor sync_batch_norm(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn, ProcessGroup& group);

} // namespace ttfnet
