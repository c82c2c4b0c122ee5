// A small telemetry file built with core's own writers, shared by the telemetry test suites.
#pragma once

#include "deadzone/telemetry.h"

#include <limits>
#include <string>

namespace deadzone::testing {

// Header, a channel_death event (channel 2, step 3), a nan event (step 4) and one step record
// (step 5, losses with NaN and Inf), one line each.
inline std::string small_run() {
    telemetry::Header h;
    h.run_id = "r";
    h.variant = {"broken", "relu", 0.1, 0, 0.001};
    h.input_width = h.input_height = 64;
    h.num_classes = 1;
    h.class_names = {"person"};
    h.batch_size = 2;
    h.total_steps = 10;
    h.telemetry_every = 5;
    h.layers = {{"wh_head.relu0", "act", 8}, {"neck.up0.bn", "bn", 32}};
    h.config_json = R"({"--seed":"3"})";
    telemetry::StepRecord s;
    s.step = 5;
    s.losses = {1.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()};
    s.lr = 0.01;
    s.grad_norm = 2;
    telemetry::WhChannelRecord w;
    w.channel = 2;
    w.pre_min = -1;
    w.pre_max = 0.5;
    w.pre_hist = {-1, 0.5, {3, 0, 4}};
    w.post_frac_zero = 1;
    s.wh_channels = {w};
    telemetry::BnRecord b;
    b.layer = "neck.up0.bn";
    b.channels = 32;
    b.gamma = {0, 1, 0.5};
    b.dead_gamma = {4, 9};
    s.bn = {b};
    s.activations = {{"wh_head.relu0", 0.25, 0.125}};
    telemetry::Event e;
    e.step = 3;
    e.kind = "channel_death";
    e.channel = 2;
    telemetry::Event n;
    n.step = 4;
    n.kind = "nan";
    n.component = "wh GIoU";
    n.stats = {{"loss_wh", std::numeric_limits<double>::quiet_NaN()}, {"wh_nan", 12}};
    using telemetry::to_json_line;
    return to_json_line(h) + "\n" + to_json_line(e) + "\n" + to_json_line(n) + "\n" + to_json_line(s) + "\n";
}

// A run of `steps` records (steps 1..steps) whose left channel (0) dies at `death_step`: its
// pre-activation max goes from +0.5 to -0.004 - 0.001 * step, its gradient to 0, and a
// channel_death event is written. With revive_step > 0 it comes back there (channel_revived).
// Losses are 1/step; the record at nan_step (if any) has a NaN total loss.
// Dead-unit share rising from 0 to 0.6 over the run.
inline double c_dead_fraction(int step, int steps) { return 0.6 * step / steps; }

inline std::string dying_run(int steps, int death_step, int revive_step = -1, int nan_step = -1) {
    telemetry::Header h;
    h.run_id = "dying";
    h.variant = {"broken", "relu", 0.1, 0, 0.001};
    h.input_width = h.input_height = 128;
    h.num_classes = 1;
    h.batch_size = 8;
    h.total_steps = steps;
    h.telemetry_every = 1;
    h.layers = {{"wh_head.act", "act", 4}, {"neck.up0.bn", "bn", 8}};
    std::string text = telemetry::to_json_line(h) + "\n";
    const auto left_channel_event = [&](int step, const char* kind) {
        telemetry::Event e;
        e.step = step;
        e.kind = kind;
        e.channel = 0;
        text += telemetry::to_json_line(e) + "\n";
    };
    for (int step = 1; step <= steps; ++step) {
        if (step == death_step) left_channel_event(step, "channel_death");
        if (step == revive_step) left_channel_event(step, "channel_revived");
        telemetry::StepRecord s;
        s.step = step;
        const double loss = step == nan_step ? std::numeric_limits<double>::quiet_NaN() : 1.0 / step;
        s.losses = {loss / 2, loss / 2, loss};
        s.lr = 0.01;
        s.grad_norm = 1;
        const bool dead = step >= death_step && (revive_step < 0 || step < revive_step);
        for (int c = 0; c < 4; ++c) {
            telemetry::WhChannelRecord w;
            w.channel = c;
            w.pre_min = -1;
            w.pre_max = c == 0 && dead ? -0.004 - 0.001 * step : 0.5;
            w.pre_frac_pos = c == 0 && dead ? 0 : 0.6;
            w.pre_hist = {w.pre_min, w.pre_max, {5, 3}};
            w.post_max = c == 0 && dead ? 0 : 8;
            w.post_frac_zero = c == 0 && dead ? 1 : 0.4;
            w.bias = c == 0 ? -0.005 : 0.01;
            w.weight_std = 0.0009;
            w.grad_norm = c == 0 && dead ? 0 : 0.02;
            s.wh_channels.push_back(w);
        }
        telemetry::BnRecord b;
        b.layer = "neck.up0.bn";
        b.channels = 8;
        if (step >= steps / 2) b.dead_gamma = {3};
        s.bn = {b};
        s.activations = {{"wh_head.act", c_dead_fraction(step, steps), 0}};
        text += telemetry::to_json_line(s) + "\n";
    }
    return text;
}

} // namespace deadzone::testing
