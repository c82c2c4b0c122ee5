// End-to-end training tests on tiny configs: telemetry round-trip through core/'s parser, the NaN
// guard, checkpoints and bit-exact resume, schedule and config validation.
#include "ttfnet/checkpoint.h"
#include "ttfnet/schedule.h"
#include "ttfnet/telemetry_writer.h"
#include "ttfnet/train.h"

#include "deadzone/diagnostics.h"
#include "deadzone/telemetry.h"

#include "test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

namespace ttfnet {
namespace {

namespace tel = deadzone::telemetry;
using testing::temp_dir;
using testing::tiny_config;

std::vector<torch::Tensor> snapshot(TtfNetImpl& m) {
    std::vector<torch::Tensor> s;
    for (const auto& p : m.parameters()) s.push_back(p.detach().clone());
    for (const auto& b : m.buffers()) s.push_back(b.detach().clone());
    return s;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!torch::equal(a[i], b[i])) return false;
    return true;
}

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(Schedule, WarmupCosineAndStep) {
    LrSchedule s;
    s.base_lr = 1.0;
    s.total_steps = 100;
    s.warmup_steps = 10;
    s.warmup_ratio = 0.2;
    EXPECT_NEAR(s.at(0), 0.2 * (0.5 * (1 + std::cos(0.0))), 1e-12);
    EXPECT_NEAR(s.at(5), (1 - 0.8 * 0.5) * 0.5 * (1 + std::cos(M_PI * 0.05)), 1e-12);
    EXPECT_NEAR(s.at(50), 0.5, 1e-12);
    EXPECT_NEAR(s.at(100), 0.0, 1e-12);
    s.decay = DecayKind::Step;
    s.warmup_steps = 0;
    EXPECT_DOUBLE_EQ(s.at(74), 1.0);
    EXPECT_NEAR(s.at(75), 0.1, 1e-12);
    EXPECT_NEAR(s.at(92), 0.01, 1e-12);
}

TEST(Train, TelemetryRoundTripsThroughCoreParser) {
    const std::string dir = temp_dir("telemetry");
    TrainConfig c = tiny_config(dir);
    c.steps = 5;
    c.config_json = R"({"--steps":"5"})";
    auto r = train(c);
    ASSERT_TRUE(r.ok()) << r.error();
    auto parsed = tel::parse_telemetry_file(r.value().telemetry_path);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    const tel::Run& run = parsed.value();
    EXPECT_FALSE(run.truncated);
    EXPECT_EQ(run.header.variant.name, "broken");
    EXPECT_EQ(run.header.variant.wh_act, "relu");
    EXPECT_EQ(run.header.num_classes, 3);
    EXPECT_EQ(run.header.input_width, 64);
    EXPECT_EQ(run.header.total_steps, 5);
    EXPECT_NE(run.header.config_json.find("--steps"), std::string::npos);
    // The layer list names both kinds, and step records report on exactly those layers.
    int acts = 0, bns = 0;
    for (const auto& l : run.header.layers) (l.kind == "act" ? acts : bns) += 1;
    EXPECT_GT(acts, 20);
    EXPECT_GT(bns, 30);
    // Steps 1, 2, 4 and the last (5).
    ASSERT_EQ(run.steps.size(), 4u);
    EXPECT_EQ(run.steps[0].step, 1);
    EXPECT_EQ(run.steps[3].step, 5);
    for (const auto& s : run.steps) {
        EXPECT_TRUE(std::isfinite(s.losses.total));
        EXPECT_NEAR(s.losses.total, s.losses.heatmap + s.losses.wh, 1e-4);
        EXPECT_GT(s.lr, 0);
        ASSERT_EQ(s.wh_channels.size(), 4u);
        for (const auto& w : s.wh_channels) {
            std::int64_t n = 0;
            for (auto k : w.pre_hist.counts) n += k;
            EXPECT_EQ(n, 2 * 16 * 16); // batch 2, 16x16 map: every value in the histogram
            EXPECT_LE(w.pre_min, w.pre_max);
            EXPECT_GE(w.post_min, 0.0); // relu
        }
        EXPECT_EQ(static_cast<int>(s.bn.size()), bns);
        EXPECT_EQ(static_cast<int>(s.activations.size()), acts);
    }
    // The last record's wh bias matches the model that was saved.
    ASSERT_TRUE(run.end.has_value());
    EXPECT_EQ(run.end->status, deadzone::telemetry::RunStatus::Completed);
    EXPECT_EQ(run.end->step, 5);
    EXPECT_EQ(deadzone::final_dead_channels(run).size(), r.value().dead_channels.size());
    bool checkpoint_event = false;
    for (const auto& e : run.events) checkpoint_event |= e.kind == "checkpoint";
    EXPECT_TRUE(checkpoint_event);

    // A run killed mid-write: the cut-off last line is tolerated and reported.
    const std::string text = read_all(r.value().telemetry_path);
    const std::size_t cut = text.rfind("{\"activations\"");
    ASSERT_NE(cut, std::string::npos);
    auto killed = tel::parse_telemetry(text.substr(0, cut + 50));
    ASSERT_TRUE(killed.ok()) << killed.error();
    EXPECT_TRUE(killed.value().truncated);
    EXPECT_EQ(killed.value().steps.size(), 3u);
    EXPECT_FALSE(killed.value().end.has_value());
    // ...and a corrupt line in the middle is skipped and counted, the rest loads.
    std::string corrupt = text;
    corrupt.insert(text.find('\n') + 1, "{not json\n");
    auto bad = tel::parse_telemetry(corrupt);
    ASSERT_TRUE(bad.ok()) << bad.error();
    EXPECT_EQ(bad.value().skipped_lines, 1);
    EXPECT_EQ(bad.value().first_skipped_line, 2);
    EXPECT_EQ(bad.value().steps.size(), run.steps.size());
}

// The step record's dead-unit shares (one pass in core over the channels-last activations) equal
// the definition written as tensor operations: a unit is dead when zero in every sample.
TEST(Train, ActivationDeadUnitsEqualTheTensorDefinition) {
    torch::manual_seed(7);
    auto model = ttfnet::make_ttfnet(ttfnet::ModelConfig{});
    ttfnet::ActivationTap tap;
    const ttfnet::TtfOutput out = model->forward(torch::randn({3, 3, 64, 64}), &tap);
    ttfnet::StepInputs in;
    in.output = &out;
    in.tap = &tap;
    const deadzone::telemetry::StepRecord r = ttfnet::collect_step_record(*model, in);
    ASSERT_EQ(r.activations.size(), tap.outputs.size());
    int layers_with_dead_units = 0;
    for (std::size_t i = 0; i < tap.outputs.size(); ++i) {
        const torch::Tensor zero_all = (tap.outputs[i].second == 0).all(0); // [C, H, W]
        const double units = zero_all.to(torch::kDouble).mean().item<double>();
        const double channels = zero_all.flatten(1).all(1).to(torch::kDouble).mean().item<double>();
        EXPECT_EQ(r.activations[i].layer, tap.outputs[i].first);
        EXPECT_NEAR(r.activations[i].frac_dead_units, units, 1e-12) << tap.outputs[i].first;
        EXPECT_NEAR(r.activations[i].frac_dead_channels, channels, 1e-12) << tap.outputs[i].first;
        layers_with_dead_units += units > 0;
    }
    EXPECT_GT(layers_with_dead_units, 0); // ReLU layers of a fresh network on 3 images have some
}

TEST(Train, DenseTelemetryRecordsEveryEarlyStepThenTheInterval) {
    TrainConfig c = tiny_config(temp_dir("dense"));
    c.steps = 9;
    c.telemetry_every = 4;
    c.telemetry_dense_steps = 3;
    auto r = train(c);
    ASSERT_TRUE(r.ok()) << r.error();
    auto parsed = tel::parse_telemetry_file(r.value().telemetry_path);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed.value().header.telemetry_dense_steps, 3);
    std::vector<std::int64_t> steps;
    for (const auto& s : parsed.value().steps) steps.push_back(s.step);
    EXPECT_EQ(steps, (std::vector<std::int64_t>{1, 2, 3, 4, 8, 9}));
}

TEST(Train, ReluHeadRecordsChannelDeathAndDeadChannelsStayZero) {
    // The broken head with a large lr kills wh channels quickly; whatever dies must show up as an
    // event and have post-activation max 0 in the step records that follow.
    const std::string dir = temp_dir("death");
    TrainConfig c = tiny_config(dir);
    c.steps = 8;
    c.lr = 0.05;
    c.telemetry_every = 1;
    auto r = train(c);
    ASSERT_TRUE(r.ok()) << r.error();
    auto run = tel::parse_telemetry_file(r.value().telemetry_path).value();
    for (const auto& d : r.value().dead_channels) {
        bool event = false;
        for (const auto& e : run.events) event |= e.kind == "channel_death" && e.channel == d.channel && e.step == d.since_step;
        EXPECT_TRUE(event) << "channel " << d.channel;
        for (const auto& s : run.steps)
            if (s.step >= d.since_step) {
                EXPECT_EQ(s.wh_channels[static_cast<std::size_t>(d.channel)].post_max, 0.0);
                EXPECT_EQ(s.wh_channels[static_cast<std::size_t>(d.channel)].post_frac_zero, 1.0);
            }
    }
}

TEST(Train, NanGuardSkipsTheUpdateAndTrainingContinues) {
    const std::string dir = temp_dir("nan");
    TrainConfig c = tiny_config(dir);
    c.steps = 6;
    c.nan_policy = NanPolicy::Skip;
    std::vector<torch::Tensor> before_bad, after_bad;
    bool changed_after = false;
    std::vector<torch::Tensor> before_good;
    TrainHooks hooks;
    hooks.after_loss = [&](std::int64_t step, LossParts& l) {
        if (step == 3) l.heatmap = l.heatmap * std::numeric_limits<float>::quiet_NaN(), l.total = l.heatmap + l.wh;
    };
    hooks.after_step = [&](std::int64_t step, bool updated, TtfNetImpl& m) {
        if (step == 2) before_bad = snapshot(m);
        if (step == 3) {
            EXPECT_FALSE(updated);
            after_bad = snapshot(m);
        }
        if (step == 4) {
            EXPECT_TRUE(updated);
            changed_after = !all_equal(snapshot(m), after_bad);
        }
    };
    auto r = train(c, hooks);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(all_equal(before_bad, after_bad)) << "the bad step must not touch weights or BN statistics";
    EXPECT_TRUE(changed_after) << "training continues after the bad step";
    EXPECT_EQ(r.value().steps_done, 6);
    EXPECT_EQ(r.value().updates, 5);
    EXPECT_EQ(r.value().nan_events, 1);
    EXPECT_TRUE(std::isfinite(r.value().last_losses.total));
    auto run = tel::parse_telemetry_file(r.value().telemetry_path).value();
    int nan_events = 0;
    for (const auto& e : run.events) {
        if (e.kind != "nan") continue;
        ++nan_events;
        EXPECT_EQ(e.step, 3);
        EXPECT_EQ(e.component, "heatmap focal");
        EXPECT_TRUE(std::isnan(e.stats.at("loss_heatmap")));
        EXPECT_EQ(e.stats.at("heatmap_nan"), 0.0); // the outputs were fine: the loss was poisoned
    }
    EXPECT_EQ(nan_events, 1);
}

TEST(Train, NanGuardRollsBackAndLowersLrOrStops) {
    TrainConfig c = tiny_config(temp_dir("rollback"));
    c.steps = 7;
    c.nan_patience = 2;
    c.nan_policy = NanPolicy::Rollback;
    std::vector<torch::Tensor> at_start, after_rollback;
    TrainHooks hooks;
    hooks.after_loss = [&](std::int64_t step, LossParts& l) {
        if (step == 4 || step == 5) l.wh = l.wh * std::numeric_limits<float>::infinity(), l.total = l.heatmap + l.wh;
    };
    hooks.after_step = [&](std::int64_t step, bool, TtfNetImpl& m) {
        if (step == 5) after_rollback = snapshot(m);
    };
    // No checkpoint written yet: the rollback point is the starting state.
    torch::manual_seed(c.seed);
    auto r = train(c, hooks);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().rollbacks, 1);
    EXPECT_EQ(r.value().nan_events, 2);
    EXPECT_EQ(r.value().steps_done, 7);
    auto run = tel::parse_telemetry_file(r.value().telemetry_path).value();
    bool rollback = false;
    for (const auto& e : run.events) {
        rollback |= e.kind == "rollback" && e.step == 5;
        if (e.kind == "nan") {
            EXPECT_EQ(e.component, "wh GIoU");
        }
    }
    EXPECT_TRUE(rollback);
    // lr after the rollback is half of what the schedule gives.
    for (const auto& s : run.steps)
        if (s.step == 6) {
            LrSchedule sch;
            sch.base_lr = c.lr;
            sch.total_steps = c.steps;
            sch.warmup_steps = c.warmup_steps;
            EXPECT_NEAR(s.lr, 0.5 * sch.at(5), 1e-12);
        }

    TrainConfig stop = tiny_config(temp_dir("stop"));
    stop.nan_policy = NanPolicy::Stop;
    stop.nan_patience = 1;
    TrainHooks h2;
    h2.after_loss = [](std::int64_t step, LossParts& l) {
        if (step == 2) l.total = l.total * std::numeric_limits<float>::quiet_NaN();
    };
    auto s = train(stop, h2);
    ASSERT_TRUE(s.ok()) << s.error();
    EXPECT_EQ(s.value().status, deadzone::telemetry::RunStatus::Stopped);
    EXPECT_EQ(s.value().steps_done, 2);
}

TEST(Train, SameSeedIsBitForBitRepeatable) {
    auto load_weights = [](const TrainConfig& c, const std::string& path) {
        ModelConfig mc = c.model;
        mc.num_classes = 3;
        auto m = make_ttfnet(mc);
        torch::serialize::InputArchive ar, model_ar;
        ar.load_from(path);
        ar.read("model", model_ar);
        m->load(model_ar);
        return snapshot(*m);
    };
    TrainConfig a = tiny_config(temp_dir("repeat_a")), b = tiny_config(temp_dir("repeat_b")),
                other = tiny_config(temp_dir("repeat_c"));
    other.seed = 9;
    auto ra = train(a), rb = train(b), rc = train(other);
    ASSERT_TRUE(ra.ok() && rb.ok() && rc.ok());
    EXPECT_TRUE(all_equal(load_weights(a, ra.value().checkpoint_path), load_weights(b, rb.value().checkpoint_path)));
    EXPECT_FALSE(all_equal(load_weights(a, ra.value().checkpoint_path), load_weights(other, rc.value().checkpoint_path)));
}

TEST(Train, ResumeIsBitExact) {
    // 6 steps straight vs 3 + resume + 3: identical weights, buffers and telemetry losses.
    TrainConfig full = tiny_config(temp_dir("resume_full"));
    full.steps = 6;
    full.checkpoint_every = 3;
    auto a = train(full);
    ASSERT_TRUE(a.ok()) << a.error();

    TrainConfig half = tiny_config(temp_dir("resume_half"));
    half.steps = 6;
    half.stop_after = 3;
    auto b1 = train(half);
    ASSERT_TRUE(b1.ok()) << b1.error();
    EXPECT_EQ(b1.value().status, deadzone::telemetry::RunStatus::Paused);
    TrainConfig rest = half;
    rest.stop_after = 0;
    rest.resume = b1.value().checkpoint_path;
    auto b2 = train(rest);
    ASSERT_TRUE(b2.ok()) << b2.error();

    ModelConfig mc = full.model;
    mc.num_classes = 3;
    auto ma = make_ttfnet(mc), mb = make_ttfnet(mc);
    torch::optim::SGD oa(ma->parameters(), torch::optim::SGDOptions(0.1)), ob(mb->parameters(), torch::optim::SGDOptions(0.1));
    // Optimizer param groups differ from the trainer's; load only what the test compares.
    torch::serialize::InputArchive ia, ib, ma_ar, mb_ar;
    ia.load_from(a.value().checkpoint_path);
    ib.load_from(b2.value().checkpoint_path);
    ia.read("model", ma_ar);
    ib.read("model", mb_ar);
    ma->load(ma_ar);
    mb->load(mb_ar);
    EXPECT_TRUE(all_equal(snapshot(*ma), snapshot(*mb))) << "resumed weights differ from the uninterrupted run";
    EXPECT_EQ(a.value().last_losses.total, b2.value().last_losses.total);

    // The resumed run's telemetry continues the first file: one header, steps in order, no gaps.
    auto run = tel::parse_telemetry_file(b2.value().telemetry_path);
    ASSERT_TRUE(run.ok()) << run.error();
    std::vector<std::int64_t> steps;
    for (const auto& s : run.value().steps) steps.push_back(s.step);
    EXPECT_EQ(steps, (std::vector<std::int64_t>{1, 2, 3, 4, 6}));
    auto ra = tel::parse_telemetry_file(a.value().telemetry_path).value();
    EXPECT_EQ(ra.steps.back().losses.total, run.value().steps.back().losses.total);
}

TEST(Checkpoint, CorruptOrMismatchedIsAClearError) {
    const std::string dir = temp_dir("corrupt");
    TrainConfig c = tiny_config(dir);
    c.steps = 2;
    auto r = train(c);
    ASSERT_TRUE(r.ok()) << r.error();
    const std::string good = read_all(r.value().checkpoint_path);

    const std::string truncated = dir + "/truncated.pt";
    std::ofstream(truncated, std::ios::binary) << good.substr(0, good.size() / 2);
    TrainConfig resume = c;
    resume.steps = 4;
    resume.resume = truncated;
    auto t = train(resume);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().find("not a readable checkpoint"), std::string::npos) << t.error();

    const std::string garbage = dir + "/garbage.pt";
    std::ofstream(garbage, std::ios::binary) << "hello";
    resume.resume = garbage;
    EXPECT_FALSE(train(resume).ok());

    resume.resume = dir + "/missing.pt";
    auto m = train(resume);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().find("cannot open checkpoint"), std::string::npos);

    // Different head width: a mismatch, named as such.
    resume.resume = r.value().checkpoint_path;
    resume.model.wh_head_channels = 12;
    auto mm = train(resume);
    ASSERT_FALSE(mm.ok());
    EXPECT_NE(mm.error().find("different model"), std::string::npos) << mm.error();

    // Same model, different seed: an exact resume is impossible, so it is refused.
    resume.model.wh_head_channels = c.model.wh_head_channels;
    resume.seed = 1;
    auto seed = train(resume);
    ASSERT_FALSE(seed.ok());
    EXPECT_NE(seed.error().find("--seed"), std::string::npos) << seed.error();

    // Atomic write leaves no temp file behind.
    EXPECT_FALSE(std::filesystem::exists(r.value().checkpoint_path + ".tmp"));
}

TEST(Train, BadConfigIsAnError) {
    TrainConfig c = tiny_config(temp_dir("badcfg"));
    c.input_size = 100;
    EXPECT_FALSE(train(c).ok());
    c = tiny_config(temp_dir("badcfg"));
    c.data = "widerperson:/definitely/not/here";
    auto r = train(c);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("/definitely/not/here"), std::string::npos);
}

} // namespace
} // namespace ttfnet
