// Checkpoints: model weights and buffers, optimizer state (momentum), the step, the loader's
// sample position, the lr scale left by NaN rollbacks and the torch RNG state, so --resume
// continues exactly where the run stopped.
//
// Files are written atomically (to <path>.tmp, then renamed), so a run killed while saving never
// leaves a half-written last.pt. A file that is corrupt, not a DeadZone checkpoint, or from a
// different architecture is a clear error, never a crash.
#pragma once

#include "ttfnet/model/ttfnet.h"

#include "deadzone/result.h"

#include <string>

namespace ttfnet {

struct TrainState {
    std::int64_t step = 0;     // steps completed
    std::int64_t position = 0; // loader sample position of the next batch
    double lr_scale = 1.0;
    // Run settings that must match for an exact resume (checked by train()).
    std::int64_t seed = 0;
    std::int64_t batch_size = 0; // the global batch
    std::int64_t total_steps = 0;
    std::int64_t world_size = 1; // data-parallel processes (1 in checkpoints from before it was kept)
};

// The checkpoint as bytes (what the file holds); kept in memory as the NaN guard's rollback point.
std::string serialize_checkpoint(TtfNetImpl& model, torch::optim::Optimizer& optimizer, const TrainState& state);

deadzone::Result<TrainState> deserialize_checkpoint(const std::string& bytes, const std::string& what, TtfNetImpl& model,
                                                    torch::optim::Optimizer& optimizer);

// Writes bytes to path atomically.
deadzone::Result<bool> write_file_atomic(const std::string& path, const std::string& bytes);

deadzone::Result<TrainState> load_checkpoint_file(const std::string& path, TtfNetImpl& model, torch::optim::Optimizer& optimizer);

} // namespace ttfnet
