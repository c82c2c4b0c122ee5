#include "ttfnet/data/loader.h"

#include <algorithm>
#include <iostream>
#include <numeric>

namespace ttfnet {

LoaderMode resolve_loader_mode(LoaderMode mode, int compute_threads) {
    if (mode != LoaderMode::Auto) return mode;
    const unsigned cores = std::thread::hardware_concurrency(); // 0: unknown
    return cores == 0 || cores > static_cast<unsigned>(std::max(1, compute_threads)) ? LoaderMode::Background
                                                                                     : LoaderMode::Inline;
}

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> dataset, const LoaderOptions& options, std::int64_t start_position)
    : dataset_(std::move(dataset)), options_(options), mode_(resolve_loader_mode(options.mode, options.compute_threads)),
      position_(start_position) {
    if (mode_ == LoaderMode::Background) thread_ = std::thread([this] { run(); });
}

BatchLoader::~BatchLoader() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::size_t BatchLoader::index_at(std::int64_t position) {
    const auto n = static_cast<std::int64_t>(dataset_->size());
    const std::int64_t epoch = position / n;
    if (epoch != perm_epoch_) {
        perm_.resize(static_cast<std::size_t>(n));
        std::iota(perm_.begin(), perm_.end(), std::size_t{0});
        if (options_.shuffle) {
            std::mt19937_64 rng(mix_seed(options_.seed ^ 0x0da7a0de5ULL, static_cast<std::uint64_t>(epoch)));
            // Fisher-Yates with our own draws: std::shuffle's algorithm is implementation-defined.
            for (std::size_t i = perm_.size(); i > 1; --i) std::swap(perm_[i - 1], perm_[rng() % i]);
        }
        perm_epoch_ = epoch;
    }
    return perm_[static_cast<std::size_t>(position % n)];
}

deadzone::Result<PreparedSample> BatchLoader::prepare_at(std::int64_t pos) {
    const std::size_t index = index_at(pos);
    deadzone::Result<Sample> sample = dataset_->get(index);
    if (!sample.ok()) {
        const std::string name = dataset_->describe(index);
        // Name the file once: most errors from core/ already start with the path.
        const std::string what = sample.error().find(name) != std::string::npos ? sample.error() : name + ": " + sample.error();
        bool first = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            first = skipped_.insert(name).second;
        }
        if (first && options_.warn) std::cerr << "warning: skipping " << what << "\n";
        return deadzone::Error{what};
    }
    std::mt19937_64 rng(mix_seed(options_.seed ^ 0xa11a11a1ULL, static_cast<std::uint64_t>(pos)));
    return prepare_sample(sample.value(), options_.input_width, options_.input_height, options_.augment, rng);
}

deadzone::Result<Batch> BatchLoader::make_batch(std::int64_t* position) {
    if (options_.shards > 1) return make_shard_batch(position);
    const int b = options_.batch_size, w = options_.input_width, h = options_.input_height;
    Batch batch;
    batch.start_position = *position;
    batch.images = torch::empty({b, 3, h, w});
    std::size_t consecutive_failures = 0;
    for (int i = 0; i < b;) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_) return deadzone::Error{"loader stopped"};
        }
        deadzone::Result<PreparedSample> p = prepare_at((*position)++);
        if (!p.ok()) {
            if (++consecutive_failures >= dataset_->size()) {
                return deadzone::Error{"no usable image in the data set: all " + std::to_string(dataset_->size()) +
                                       " samples failed to load (last: " + p.error() + ")"};
            }
            continue;
        }
        consecutive_failures = 0;
        std::copy(p.value().chw.begin(), p.value().chw.end(), batch.images[i].data_ptr<float>());
        batch.boxes.push_back(std::move(p.value().boxes));
        batch.crowd.push_back(std::move(p.value().crowd));
        ++i;
    }
    batch.next_position = *position;
    batch.targets = make_batch_targets(batch.boxes, w, h, options_.targets, batch.crowd);
    return batch;
}

deadzone::Result<Batch> BatchLoader::make_shard_batch(std::int64_t* position) {
    const int global = options_.batch_size, share = global / options_.shards;
    const int w = options_.input_width, h = options_.input_height;
    Batch batch;
    batch.start_position = *position;
    batch.images = torch::empty({share, 3, h, w});
    for (int i = 0; i < share; ++i) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_) return deadzone::Error{"loader stopped"};
        }
        const std::int64_t slot = *position + options_.shard * share + i;
        deadzone::Result<PreparedSample> p = prepare_at(slot);
        for (std::size_t tries = 1; !p.ok(); ++tries) {
            if (tries >= dataset_->size())
                return deadzone::Error{"no usable image in the data set: " + std::to_string(tries) +
                                       " samples failed to load in a row (last: " + p.error() + ")"};
            p = prepare_at(slot + static_cast<std::int64_t>(tries) * global);
        }
        std::copy(p.value().chw.begin(), p.value().chw.end(), batch.images[i].data_ptr<float>());
        batch.boxes.push_back(std::move(p.value().boxes));
        batch.crowd.push_back(std::move(p.value().crowd));
    }
    *position += global;
    batch.next_position = *position;
    batch.targets = make_batch_targets(batch.boxes, w, h, options_.targets, batch.crowd);
    return batch;
}

void BatchLoader::run() {
    std::int64_t position = position_;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            cv_.wait(lock, [&] { return stop_ || static_cast<int>(queue_.size()) < options_.queue_capacity; });
            if (stop_) return;
        }
        deadzone::Result<Batch> batch = make_batch_or_error(&position);
        const bool failed = !batch.ok();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_) return;
            queue_.push_back(std::move(batch));
        }
        cv_.notify_all();
        if (failed) return; // the error stays at the head of the queue
    }
}

deadzone::Result<Batch> BatchLoader::make_batch_or_error(std::int64_t* position) {
    // An exception must not escape (from the thread: std::terminate): it becomes the batch's error.
    try {
        return make_batch(position);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        return deadzone::Error{"data loader failed: " + msg.substr(0, msg.find('\n'))};
    }
}

deadzone::Result<Batch> BatchLoader::next() {
    if (mode_ == LoaderMode::Inline) {
        // A failure stays the answer, as the thread's queue keeps it.
        if (inline_error_) return deadzone::Error{*inline_error_};
        deadzone::Result<Batch> batch = make_batch_or_error(&position_);
        if (!batch.ok()) inline_error_ = batch.error();
        return batch;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    deadzone::Result<Batch> batch = std::move(queue_.front());
    if (!batch.ok()) {
        // Keep reporting the error; don't pop it.
        queue_.front() = deadzone::Error{batch.error()};
        return batch;
    }
    queue_.pop_front();
    lock.unlock();
    cv_.notify_all();
    return batch;
}

std::vector<std::string> BatchLoader::skipped_files() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {skipped_.begin(), skipped_.end()};
}

} // namespace ttfnet
