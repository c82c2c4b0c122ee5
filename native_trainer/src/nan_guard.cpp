#include "ttfnet/nan_guard.h"

namespace ttfnet {

bool parse_nan_policy(const std::string& text, NanPolicy* out) {
    if (text == "skip") *out = NanPolicy::Skip;
    else if (text == "rollback") *out = NanPolicy::Rollback;
    else if (text == "stop") *out = NanPolicy::Stop;
    else return false;
    return true;
}

const char* nan_policy_name(NanPolicy p) {
    switch (p) {
    case NanPolicy::Skip: return "skip";
    case NanPolicy::Rollback: return "rollback";
    case NanPolicy::Stop: return "stop";
    }
    return "?";
}

NanGuard::Action NanGuard::on_bad_step() {
    ++consecutive_;
    if (consecutive_ < patience_ || policy_ == NanPolicy::Skip) return Action::Skip;
    consecutive_ = 0; // a rollback starts a fresh count
    return policy_ == NanPolicy::Rollback ? Action::Rollback : Action::Stop;
}

} // namespace ttfnet
