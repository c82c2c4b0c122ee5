// Data-parallel training on loopback: two processes (tests/trainer/distributed_worker.cpp, started
// here) against one process with the same global batch and seed. After every step the two ranks'
// weights are bit-identical; at the end they equal the one process's within float tolerance (the
// BatchNorm statistics and the gradients are the whole batch's, summed in another order); the
// telemetry records the world size and the broken head's channel death at the same step. A rank
// killed mid-run makes the other exit with the timeout message, in bounded time.
#include "test_util.h"

#include "deadzone/diagnostics.h"
#include "deadzone/telemetry.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace ttfnet {
namespace {

using Clock = std::chrono::steady_clock;

// A TCP port nobody listens on now (bound to port 0, then released).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// A worker process, its stderr in `log`.
struct Worker {
    pid_t pid = -1;
    std::string log;
};

Worker start_worker(const std::string& out, int rank, int world, int port, int steps, int timeout_s,
                    const std::vector<std::string>& extra = {}) {
    Worker w;
    w.log = out + "/stderr-" + std::to_string(rank) + ".txt";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, w.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::vector<std::string> args = {
        DISTRIBUTED_WORKER,       out, std::to_string(rank), std::to_string(world), std::to_string(port), std::to_string(steps),
        std::to_string(timeout_s)};
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    for (const std::string& a : extra) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&w.pid, DISTRIBUTED_WORKER, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    return w;
}

// The worker's exit status, or -1 when it had not exited by `deadline` (it is then killed).
int wait_for(const Worker& w, Clock::time_point deadline) {
    int status = 0;
    while (Clock::now() < deadline) {
        if (::waitpid(w.pid, &status, WNOHANG) == w.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(w.pid, SIGKILL);
    ::waitpid(w.pid, &status, 0);
    return -1;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<torch::Tensor> load_weights(const std::string& path) {
    std::vector<torch::Tensor> w;
    torch::load(w, path);
    return w;
}

TEST(Distributed, TwoRanksStayBitIdenticalAndMatchOneProcessWithTheSameGlobalBatch) {
    const std::string two = testing::temp_dir("dist_two"), one = testing::temp_dir("dist_one");
    const int steps = 4, port = free_port();
    const Worker r0 = start_worker(two, 0, 2, port, steps, 60), r1 = start_worker(two, 1, 2, port, steps, 60);
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    ASSERT_EQ(wait_for(r0, deadline), 0) << read_text(r0.log);
    ASSERT_EQ(wait_for(r1, deadline), 0) << read_text(r1.log);
    const Worker single = start_worker(one, 0, 1, free_port(), steps, 60);
    ASSERT_EQ(wait_for(single, Clock::now() + std::chrono::seconds(120)), 0) << read_text(single.log);

    // Bit-identical after every step.
    const std::string d0 = read_text(two + "/digests-0.txt"), d1 = read_text(two + "/digests-1.txt");
    EXPECT_EQ(std::count(d0.begin(), d0.end(), '\n'), steps);
    EXPECT_EQ(d0, d1);

    // The one process's weights, within float tolerance: same samples, same global BatchNorm
    // statistics and loss divisors, the gradients summed in another order.
    const auto w2 = load_weights(two + "/weights-0.pt"), w1 = load_weights(one + "/weights-0.pt");
    ASSERT_EQ(w2.size(), w1.size());
    double worst = 0;
    for (std::size_t i = 0; i < w1.size(); ++i)
        worst = std::max(worst, ((w2[i] - w1[i]).abs() / (w1[i].abs() + 1e-3)).max().item<double>());
    EXPECT_LT(worst, 1e-4) << "largest relative difference from one process";
    // And not trivially: training moved them.
    EXPECT_NE(d0.substr(0, d0.find('\n')), d0.substr(d0.rfind('\n', d0.size() - 2) + 1));

    // Rank 0's telemetry: the world size, and the broken head's death at the one process's step.
    auto t2 = deadzone::telemetry::parse_telemetry_file(two + "/run/telemetry.jsonl");
    auto t1 = deadzone::telemetry::parse_telemetry_file(one + "/run/telemetry.jsonl");
    ASSERT_TRUE(t2.ok()) << t2.error();
    ASSERT_TRUE(t1.ok()) << t1.error();
    EXPECT_EQ(t2.value().header.world_size, 2);
    EXPECT_EQ(t2.value().header.batch_size, 4);
    EXPECT_EQ(t1.value().header.world_size, 1);
    const auto dead2 = deadzone::final_dead_channels(t2.value()), dead1 = deadzone::final_dead_channels(t1.value());
    ASSERT_FALSE(dead1.empty()) << "the broken preset's left channel dies in one process";
    ASSERT_EQ(dead2.size(), dead1.size());
    for (std::size_t i = 0; i < dead1.size(); ++i) {
        EXPECT_EQ(dead2[i].channel, dead1[i].channel);
        EXPECT_EQ(dead2[i].since_step, dead1[i].since_step);
    }
    EXPECT_FALSE(std::filesystem::exists(two + "/run-1")) << "only rank 0 writes files";

    // The step records' statistics are the whole batch's, as one process records them: every wh
    // channel's pre-activation range and histogram, and every activation's dead units.
    const auto& s2 = t2.value().steps;
    const auto& s1 = t1.value().steps;
    ASSERT_EQ(s2.size(), s1.size());
    for (std::size_t i = 0; i < s1.size(); ++i) {
        ASSERT_EQ(s2[i].wh_channels.size(), s1[i].wh_channels.size());
        for (std::size_t ch = 0; ch < s1[i].wh_channels.size(); ++ch) {
            const auto &a = s2[i].wh_channels[ch], &b = s1[i].wh_channels[ch];
            const double tol = 1e-4 * (std::abs(b.pre_max) + std::abs(b.pre_min) + 1e-3);
            EXPECT_NEAR(a.pre_min, b.pre_min, tol) << "step " << s1[i].step << " channel " << ch;
            EXPECT_NEAR(a.pre_max, b.pre_max, tol) << "step " << s1[i].step << " channel " << ch;
            EXPECT_EQ(a.post_frac_zero, b.post_frac_zero) << "step " << s1[i].step << " channel " << ch;
            std::int64_t n2 = 0, n1 = 0;
            for (auto c : a.pre_hist.counts) n2 += c;
            for (auto c : b.pre_hist.counts) n1 += c;
            EXPECT_EQ(n2, n1) << "the histogram counts every sample of the global batch";
        }
        ASSERT_EQ(s2[i].activations.size(), s1[i].activations.size());
        for (std::size_t l = 0; l < s1[i].activations.size(); ++l) {
            EXPECT_EQ(s2[i].activations[l].layer, s1[i].activations[l].layer);
            EXPECT_NEAR(s2[i].activations[l].frac_dead_units, s1[i].activations[l].frac_dead_units, 1e-3)
                << "step " << s1[i].step << " " << s1[i].activations[l].layer;
        }
    }
}

// Runs both ranks of a 2-process run to the end; their stderr on failure.
void run_two(const std::string& dir, int steps, const std::vector<std::string>& extra0, const std::vector<std::string>& extra1) {
    const int port = free_port();
    const Worker r0 = start_worker(dir, 0, 2, port, steps, 60, extra0), r1 = start_worker(dir, 1, 2, port, steps, 60, extra1);
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    ASSERT_EQ(wait_for(r0, deadline), 0) << read_text(r0.log);
    ASSERT_EQ(wait_for(r1, deadline), 0) << read_text(r1.log);
}

TEST(Distributed, ANaNOnOneRankIsSkippedByBothAndTheRunGoesOn) {
    const std::string dir = testing::temp_dir("dist_nan");
    run_two(dir, 4, {}, {"nan_step=2"}); // rank 1 alone sees a NaN loss at step 2
    const std::string d0 = read_text(dir + "/digests-0.txt");
    EXPECT_EQ(d0, read_text(dir + "/digests-1.txt")) << "both ranks skipped the same step";
    // The skipped step leaves the weights as they were after step 1.
    std::istringstream lines(d0);
    std::string step1, step2;
    std::getline(lines, step1);
    std::getline(lines, step2);
    EXPECT_EQ(step1.substr(step1.find(' ')), step2.substr(step2.find(' ')));
    auto t = deadzone::telemetry::parse_telemetry_file(dir + "/run/telemetry.jsonl");
    ASSERT_TRUE(t.ok()) << t.error();
    int nan_events = 0;
    for (const auto& e : t.value().events)
        if (e.kind == "nan") {
            ++nan_events;
            EXPECT_EQ(e.step, 2);
        }
    EXPECT_EQ(nan_events, 1);
}

TEST(Distributed, AResumedRunContinuesExactlyAndAnotherWorldSizeIsRefused) {
    const std::string straight = testing::temp_dir("dist_straight"), paused = testing::temp_dir("dist_paused");
    run_two(straight, 4, {}, {});
    run_two(paused, 4, {"stop_after=2"}, {"stop_after=2"});
    const std::string checkpoint = paused + "/run/last.pt";
    ASSERT_TRUE(std::filesystem::exists(checkpoint));
    run_two(paused, 4, {"resume=" + checkpoint}, {"resume=" + checkpoint});
    EXPECT_EQ(read_text(paused + "/digests-0.txt"), read_text(straight + "/digests-0.txt"))
        << "2 steps + resume + 2 steps gives the weights of 4 steps straight, bit for bit";

    const std::string alone = testing::temp_dir("dist_alone");
    const Worker one = start_worker(alone, 0, 1, free_port(), 4, 60, {"resume=" + checkpoint});
    EXPECT_EQ(wait_for(one, Clock::now() + std::chrono::seconds(60)), 1);
    EXPECT_NE(read_text(one.log).find("--world-size (--nproc) 2, this run has 1"), std::string::npos) << read_text(one.log);
}

TEST(Distributed, AKilledRankMakesTheOtherExitWithTheTimeoutMessage) {
    const std::string dir = testing::temp_dir("dist_kill");
    const int port = free_port(), timeout_s = 10;
    const Worker r0 = start_worker(dir, 0, 2, port, 100000, timeout_s), r1 = start_worker(dir, 1, 2, port, 100000, timeout_s);
    // Kill rank 1 once both are training (its first step is recorded).
    const auto started = Clock::now();
    while (read_text(dir + "/digests-1.txt").empty() && Clock::now() - started < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_FALSE(read_text(dir + "/digests-1.txt").empty()) << read_text(r1.log);
    ::kill(r1.pid, SIGKILL);
    const auto killed = Clock::now();
    wait_for(r1, killed + std::chrono::seconds(5));
    const int status = wait_for(r0, killed + std::chrono::seconds(timeout_s + 20));
    ASSERT_NE(status, -1) << "rank 0 still running " << timeout_s + 20 << " s after rank 1 died";
    EXPECT_EQ(status, 1);
    const std::string log = read_text(r0.log);
    EXPECT_NE(log.find("rank 0 of 2"), std::string::npos) << log;
    EXPECT_NE(log.find("another rank died, or did not get there within 10 s"), std::string::npos) << log;
}

} // namespace
} // namespace ttfnet
