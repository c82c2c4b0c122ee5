#include "ttfnet/progress.h"

#include <unistd.h>

#include <algorithm>

namespace ttfnet {

bool Progress::stderr_is_tty() { return isatty(fileno(stderr)) != 0; }

Progress::Progress(std::int64_t total_steps, bool tty, int every, std::FILE* out)
    : total_(total_steps), tty_(tty), every_(std::max(1, every)), out_(out) {
    start_ = last_ = std::chrono::steady_clock::now();
}

namespace {
std::string format_duration(double s) {
    if (!(s >= 0) || s > 1e7) return "?";
    char buf[32];
    const int t = static_cast<int>(s);
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
    else std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
    return buf;
}
} // namespace

void Progress::update(std::int64_t step, double hm, double wh, double total, double lr) {
    const auto now = std::chrono::steady_clock::now();
    if (first_step_ < 0) {
        first_step_ = step;
        last_step_ = step;
        last_ = now;
    } else {
        const double dt = std::chrono::duration<double>(now - last_).count();
        if (dt > 0 && step > last_step_) {
            const double r = static_cast<double>(step - last_step_) / dt;
            rate_ = rate_ == 0 ? r : 0.9 * rate_ + 0.1 * r;
        }
        last_step_ = step;
        last_ = now;
    }
    const double eta = rate_ > 0 ? static_cast<double>(total_ - step) / rate_ : -1;
    if (tty_) {
        const int width = 24;
        const int filled = total_ > 0 ? static_cast<int>(width * static_cast<double>(step) / static_cast<double>(total_)) : 0;
        std::string bar(static_cast<std::size_t>(std::clamp(filled, 0, width)), '#');
        bar.resize(width, '.');
        std::fprintf(out_, "\r[%s] %lld/%lld  hm %.3f  wh %.3f  loss %.3f  lr %.2e  %.2f it/s  ETA %s   ", bar.c_str(),
                     static_cast<long long>(step), static_cast<long long>(total_), hm, wh, total, lr, rate_,
                     format_duration(eta).c_str());
        std::fflush(out_);
        bar_shown_ = true;
    } else if (step % every_ == 0 || step == total_) {
        std::fprintf(out_, "step %lld/%lld hm %.4f wh %.4f loss %.4f lr %.3e %.2f it/s eta %s\n", static_cast<long long>(step),
                     static_cast<long long>(total_), hm, wh, total, lr, rate_, format_duration(eta).c_str());
        std::fflush(out_);
    }
}

void Progress::message(const std::string& text) {
    if (tty_ && bar_shown_) std::fputc('\n', out_);
    bar_shown_ = false;
    std::fprintf(out_, "%s\n", text.c_str());
    std::fflush(out_);
}

void Progress::finish() {
    if (tty_ && bar_shown_) std::fputc('\n', out_);
    bar_shown_ = false;
    std::fflush(out_);
}

} // namespace ttfnet
