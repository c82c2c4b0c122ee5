// Batch loader: decoded, augmented, letterboxed batches with their targets built. By default one
// producer thread fills a small queue of ready batches so the training loop never waits on data; on
// a machine whose cores the model's own threads already fill, batches are made inline instead (see
// LoaderMode).
//
// Determinism: the loader walks a "sample position" stream. Position p is sample
// perm(epoch = p / N)[p % N] of the data set, where perm is a shuffle seeded by (seed, epoch), and its
// augmentation uses an RNG seeded by (seed, p). A batch therefore depends only on the seed and its
// start position, not on timing; a checkpoint stores the next position and resume continues the
// stream exactly. One producer thread keeps the order.
//
// Bad files are skipped (a warning naming the file, once per file) and counted; if every file of
// the data set fails in a row, next() returns an error instead of spinning.
#pragma once

#include "ttfnet/data/augment.h"
#include "ttfnet/data/dataset.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace ttfnet {

struct Batch {
    torch::Tensor images; // [N, 3, H, W]
    BatchTargets targets;
    std::vector<std::vector<Box>> boxes;
    std::vector<std::vector<Box>> crowd; // per image, input pixels (augment.h)
    std::int64_t start_position = 0;
    std::int64_t next_position = 0; // where the following batch starts
};

// Where batches are made. Background: a producer thread, ahead of the training loop. Inline: in
// next(), on the caller's thread. Auto: Background when the machine has more cores than
// compute_threads, else Inline. On a machine the model's threads fill, a loader thread preempts one of
// them in the middle of a step and the other then waits for it at the next parallel barrier, so each
// batch costs the step about twice the loader's own CPU time; made inline it costs that time once.
enum class LoaderMode { Auto, Background, Inline };

struct LoaderOptions {
    int batch_size = 8;
    int input_width = 320;
    int input_height = 320;
    std::uint64_t seed = 0;
    bool shuffle = true;
    AugmentOptions augment;
    TargetParams targets;
    int queue_capacity = 3;
    bool warn = true; // print skipped-file warnings to stderr
    LoaderMode mode = LoaderMode::Background;
    int compute_threads = 1; // the model's threads (torch::get_num_threads()), for LoaderMode::Auto
    // Data parallelism: with shards > 1, batch_size is the global batch and this process makes
    // share `shard` of it, the samples at positions [start + shard * b / shards, start + (shard + 1)
    // * b / shards), b / shards of them (shards must divide b); every share's next batch starts at
    // start + b. A file that fails to load is replaced by the one at the same place in the next
    // global batch (then the one after), so the shares stay disjoint within a batch and the ranks'
    // positions stay equal (that replacement is then seen twice: there and in its own batch);
    // without bad files a shard's samples are exactly those one process would put at the same
    // places in the whole batch.
    int shard = 0;
    int shards = 1;
};

// LoaderMode::Auto resolved for this machine (std::thread::hardware_concurrency()).
LoaderMode resolve_loader_mode(LoaderMode mode, int compute_threads);

class BatchLoader {
public:
    BatchLoader(std::shared_ptr<const Dataset> dataset, const LoaderOptions& options, std::int64_t start_position);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // Blocks until the next batch is ready (Inline: makes it).
    deadzone::Result<Batch> next();

    LoaderMode mode() const { return mode_; } // Background or Inline

    // Files skipped so far (unique), for the end-of-run summary.
    std::vector<std::string> skipped_files() const;

private:
    void run();
    deadzone::Result<Batch> make_batch(std::int64_t* position);
    deadzone::Result<Batch> make_shard_batch(std::int64_t* position);
    // The sample at `position` prepared for the batch (augmentation seeded by the position); an error
    // names the file, and is warned about once per file.
    deadzone::Result<PreparedSample> prepare_at(std::int64_t position);
    // make_batch with an exception turned into the batch's error.
    deadzone::Result<Batch> make_batch_or_error(std::int64_t* position);
    std::size_t index_at(std::int64_t position);

    std::shared_ptr<const Dataset> dataset_;
    LoaderOptions options_;
    LoaderMode mode_;
    std::int64_t position_; // Background: where the thread starts; Inline: the next batch's start
    std::int64_t perm_epoch_ = -1;
    std::vector<std::size_t> perm_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<deadzone::Result<Batch>> queue_; // Background: made batches (an error stays at the head)
    std::optional<std::string> inline_error_;   // Inline: the error every later next() returns
    std::set<std::string> skipped_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace ttfnet
