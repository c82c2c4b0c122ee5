// The NaN/Inf guard: decides what to do after a step whose loss or gradient was not finite.
//
// A bad step is always skipped (no optimizer update, BN running statistics restored), so one bad
// batch never reaches the weights. After `patience` bad steps in a row the policy decides:
//   skip:     keep skipping (and keep recording events);
//   rollback: restore the last good checkpoint (weights + optimizer state) and multiply the lr
//             by lr_factor; training continues with the next batch;
//   stop:     end the run (status "stopped").
#pragma once

#include <string>

namespace ttfnet {

enum class NanPolicy { Skip, Rollback, Stop };

bool parse_nan_policy(const std::string& text, NanPolicy* out);
const char* nan_policy_name(NanPolicy p);

class NanGuard {
public:
    enum class Action { Skip, Rollback, Stop };

    NanGuard(NanPolicy policy, int patience) : policy_(policy), patience_(patience < 1 ? 1 : patience) {}

    // A step went wrong: what now?
    Action on_bad_step();
    void on_good_step() { consecutive_ = 0; }
    int consecutive() const { return consecutive_; }

private:
    NanPolicy policy_;
    int patience_;
    int consecutive_ = 0;
};

} // namespace ttfnet
