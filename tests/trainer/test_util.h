// Helpers shared by the trainer tests: tiny configs that train in well under a second per step.
#pragma once

#include "ttfnet/train.h"

#include <unistd.h> // getpid

#include <filesystem>
#include <string>

namespace ttfnet::testing {

// A fresh empty folder under the system temp dir, unique per test. The process id is part of the
// name because ctest runs every test in its own process, in parallel (`ctest -j`): tests of one
// fixture share a name, and one test's set-up would otherwise delete the folder another is writing.
inline std::string temp_dir(const std::string& name) {
    const auto p = std::filesystem::temp_directory_path() / ("deadzone_trainer_test_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p.string();
}

inline TrainConfig tiny_config(const std::string& out_dir) {
    TrainConfig c;
    c.out_dir = out_dir;
    c.input_size = 64;
    c.batch_size = 2;
    c.steps = 6;
    c.lr = 0.01;
    c.warmup_steps = 2;
    c.threads = 2;
    c.data_options.synthetic_train_size = 16;
    c.data_options.synthetic_val_size = 4;
    c.data_options.synthetic_base_size = 64;
    c.telemetry_every = 2;
    c.telemetry_dense_steps = 0; // tests count records at the plain interval; the dense test sets it
    c.checkpoint_every = 0;
    c.val_batches = 1;
    c.model.hm_head_channels = 16;
    c.model.wh_head_channels = 8;
    c.model.neck_planes = {32, 16, 16};
    c.quiet = true;
    c.loader_queue = 2;
    return c;
}

} // namespace ttfnet::testing
