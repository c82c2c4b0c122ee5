// Progress output: a live bar on a terminal (step/total, losses, it/s, ETA), one plain line every
// `every` steps otherwise (logs, CI), so redirected output stays readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ttfnet {

class Progress {
public:
    Progress(std::int64_t total_steps, bool tty, int every, std::FILE* out = stderr);
    void update(std::int64_t step, double hm_loss, double wh_loss, double total_loss, double lr);
    void message(const std::string& text); // a line that does not get overwritten by the bar
    void finish();

    static bool stderr_is_tty();

private:
    std::int64_t total_;
    bool tty_;
    int every_;
    std::FILE* out_;
    std::chrono::steady_clock::time_point start_, last_;
    std::int64_t first_step_ = -1, last_step_ = 0;
    double rate_ = 0; // steps per second, smoothed
    bool bar_shown_ = false;
};

} // namespace ttfnet
