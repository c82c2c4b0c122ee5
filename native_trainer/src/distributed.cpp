#include "ttfnet/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace ttfnet {

namespace {

using Clock = std::chrono::steady_clock;

// c10's messages carry a C++ backtrace after the first line: the user needs the first line.
std::string first_line(const std::exception& e) {
    const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
    const std::string text = c10_error != nullptr ? c10_error->what_without_backtrace() : e.what();
    return text.substr(0, text.find('\n'));
}

deadzone::Result<int> parse_int(const char* name, const char* text, int min, int max) {
    errno = 0;
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || v < min || v > max)
        return deadzone::Error{std::string(name) + "='" + text + "' is not an integer from " + std::to_string(min) + " to " +
                               std::to_string(max)};
    return static_cast<int>(v);
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// The network device Gloo binds: GLOO_SOCKET_IFNAME when set (as in PyTorch), the loopback device
// for a loopback master (single-host runs and tests), else this host's name resolved (which Debian's
// /etc/hosts maps to 127.0.1.1: on several hosts set GLOO_SOCKET_IFNAME, as the README says).
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0')
        return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

c10d::ReduceOp reduce_op(ProcessGroup::Reduce op) {
    switch (op) {
    case ProcessGroup::Reduce::Max: return c10d::ReduceOp::MAX;
    case ProcessGroup::Reduce::Min: return c10d::ReduceOp::MIN;
    case ProcessGroup::Reduce::Sum: break;
    }
    return c10d::ReduceOp::SUM;
}

} // namespace

deadzone::Result<bool> validate_distributed_options(const DistributedOptions& o) {
    if (o.world_size < 1) return deadzone::Error{"world size must be at least 1, got " + std::to_string(o.world_size)};
    if (o.rank < 0 || o.rank >= o.world_size)
        return deadzone::Error{"rank " + std::to_string(o.rank) + " is not in 0.." + std::to_string(o.world_size - 1) +
                               " (world size " + std::to_string(o.world_size) + ")" +
                               (o.world_size == 1 ? ": is WORLD_SIZE (or --world-size) set?" : "")};
    if (o.local_rank < 0) return deadzone::Error{"local rank must be >= 0"};
    if (o.master_port < 1 || o.master_port > 65535)
        return deadzone::Error{"master port must be 1..65535, got " + std::to_string(o.master_port)};
    if (o.master_addr.empty()) return deadzone::Error{"master address is empty"};
    if (o.timeout.count() < 1) return deadzone::Error{"the distributed timeout must be at least 1 s"};
    return true;
}

deadzone::Result<DistributedOptions> distributed_options_from_env(DistributedOptions o,
                                                                  const std::function<const char*(const char*)>& getenv) {
    const struct {
        const char* name;
        int* field;
        int min, max;
    } integers[] = {{"RANK", &o.rank, 0, INT_MAX},
                    {"WORLD_SIZE", &o.world_size, 1, INT_MAX},
                    {"LOCAL_RANK", &o.local_rank, 0, INT_MAX},
                    {"MASTER_PORT", &o.master_port, 1, 65535}};
    for (const auto& v : integers) {
        const char* text = getenv(v.name);
        if (text == nullptr || *text == '\0') continue;
        auto parsed = parse_int(v.name, text, v.min, v.max);
        if (!parsed.ok()) return deadzone::Error{parsed.error()};
        *v.field = parsed.value();
    }
    if (const char* addr = getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') o.master_addr = addr;
    return o;
}

struct ProcessGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

struct ProcessGroup::Pending {
    c10::intrusive_ptr<c10d::Work> work;
    std::vector<at::Tensor> tensors; // kept alive until the work is done
    const char* what = "";
};

ProcessGroup::ProcessGroup(DistributedOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}

ProcessGroup::~ProcessGroup() = default;

deadzone::Result<std::shared_ptr<ProcessGroup>> ProcessGroup::join(const DistributedOptions& o) {
    if (auto ok = validate_distributed_options(o); !ok.ok()) return deadzone::Error{ok.error()};
    const std::chrono::milliseconds timeout = o.timeout;
    try {
        auto impl = std::make_unique<Impl>();
        c10d::TCPStoreOptions store_options;
        store_options.port = static_cast<std::uint16_t>(o.master_port);
        store_options.isServer = o.rank == 0;
        store_options.numWorkers = static_cast<std::size_t>(o.world_size);
        store_options.timeout = timeout;
        impl->store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, store_options);
        auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
        gloo_options->devices.push_back(gloo_device(o.master_addr));
        impl->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, o.rank, o.world_size, gloo_options);
        return std::shared_ptr<ProcessGroup>(new ProcessGroup(o, std::move(impl)));
    } catch (const std::exception& e) {
        return deadzone::Error{"rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size) +
                               ": could not join the process group at " + o.master_addr + ":" + std::to_string(o.master_port) +
                               " within " + std::to_string(o.timeout.count()) + " s: " + first_line(e)};
    }
}

void ProcessGroup::fail(const char* what, const std::exception& e) const {
    throw DistributedError("rank " + std::to_string(rank()) + " of " + std::to_string(world_size()) + ": " + what +
                           " failed: another rank died, or did not get there within " + std::to_string(options_.timeout.count()) +
                           " s (" + first_line(e) + ")");
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, const char* what) {
    for (torch::Tensor& t : tensors) {
        std::vector<at::Tensor> one{t};
        try {
            impl_->gloo->broadcast(one, c10d::BroadcastOptions{})->wait();
        } catch (const std::exception& e) {
            fail(what, e);
        }
    }
}

void ProcessGroup::all_reduce(torch::Tensor& tensor, Reduce op, const char* what) {
    std::vector<at::Tensor> one{tensor};
    c10d::AllreduceOptions options;
    options.reduceOp = reduce_op(op);
    try {
        impl_->gloo->allreduce(one, options)->wait();
    } catch (const std::exception& e) {
        fail(what, e);
    }
}

torch::Tensor ProcessGroup::all_gather(const torch::Tensor& mine, const char* what) {
    std::vector<at::Tensor> input{mine.contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < world_size(); ++r) output[0].push_back(torch::empty_like(input[0]));
    try {
        impl_->gloo->allgather(output, input)->wait();
    } catch (const std::exception& e) {
        fail(what, e);
    }
    return torch::cat(output[0], 0);
}

std::shared_ptr<ProcessGroup::Pending> ProcessGroup::all_reduce_async(torch::Tensor& tensor, const char* what) {
    auto pending = std::make_shared<Pending>();
    pending->tensors = {tensor};
    pending->what = what;
    try {
        pending->work = impl_->gloo->allreduce(pending->tensors, c10d::AllreduceOptions{});
    } catch (const std::exception& e) {
        fail(what, e);
    }
    return pending;
}

void ProcessGroup::wait(Pending& pending) {
    try {
        pending.work->wait();
    } catch (const std::exception& e) {
        fail(pending.what, e);
    }
}

// ---------------------------------------------------------------------------------------------

GradientAverager::GradientAverager(std::shared_ptr<ProcessGroup> group, const std::vector<torch::Tensor>& parameters,
                                   std::int64_t bucket_bytes)
    : group_(std::move(group)), params_(parameters), bucket_of_(parameters.size()), slot_of_(parameters.size()),
      seen_(parameters.size(), false) {
    // Reverse registration order: the head's gradients come first in backward().
    Bucket current;
    std::int64_t bytes = 0;
    auto close = [&] {
        if (current.params.empty()) return;
        std::int64_t numel = 0;
        for (std::size_t i = 0; i < current.params.size(); ++i) {
            current.offsets.push_back(numel);
            numel += params_[current.params[i]].numel();
        }
        current.flat = torch::zeros({numel}, params_[current.params.front()].options().requires_grad(false));
        buckets_.push_back(std::move(current));
        current = Bucket{};
        bytes = 0;
    };
    for (std::size_t k = params_.size(); k-- > 0;) {
        bucket_of_[k] = buckets_.size();
        slot_of_[k] = current.params.size();
        current.params.push_back(k);
        bytes += params_[k].numel() * static_cast<std::int64_t>(params_[k].element_size());
        if (bytes >= bucket_bytes) close();
    }
    close();
    for (std::size_t k = 0; k < params_.size(); ++k)
        hooks_.push_back(params_[k].register_hook([this, k](const torch::Tensor& grad) { on_gradient(k, grad); }));
}

GradientAverager::~GradientAverager() {
    for (std::size_t k = 0; k < hooks_.size(); ++k) params_[k].remove_hook(hooks_[k]);
}

std::int64_t GradientAverager::bytes_per_step() const {
    std::int64_t bytes = 0;
    for (const Bucket& b : buckets_) bytes += b.flat.numel() * static_cast<std::int64_t>(b.flat.element_size());
    return bytes;
}

void GradientAverager::begin_step() {
    for (Bucket& b : buckets_) {
        b.ready = 0;
        b.pending.reset();
    }
    std::fill(seen_.begin(), seen_.end(), false);
    armed_ = true;
}

void GradientAverager::on_gradient(std::size_t param, const torch::Tensor& grad) {
    if (!armed_ || seen_[param]) return; // outside a step (a test's own backward), or a second use
    seen_[param] = true;
    Bucket& b = buckets_[bucket_of_[param]];
    const std::size_t slot = slot_of_[param];
    b.flat.narrow(0, b.offsets[slot], grad.numel()).copy_(grad.reshape({-1}));
    if (++b.ready == static_cast<int>(b.params.size())) launch(b);
}

void GradientAverager::launch(Bucket& b) {
    if (!launched_) first_launch_ = Clock::now();
    launched_ = true;
    b.pending = group_->all_reduce_async(b.flat, "gradient all-reduce");
}

void GradientAverager::finish() {
    const auto t0 = Clock::now();
    armed_ = false;
    // Buckets some of whose parameters got no gradient are sent now, in bucket order (the same on
    // every rank), their missing gradients as zeros.
    for (Bucket& b : buckets_) {
        if (b.pending) continue;
        for (std::size_t slot = 0; slot < b.params.size(); ++slot)
            if (!seen_[b.params[slot]]) b.flat.narrow(0, b.offsets[slot], params_[b.params[slot]].numel()).zero_();
        launch(b);
    }
    const double scale = 1.0 / group_->world_size();
    torch::NoGradGuard no_grad;
    for (Bucket& b : buckets_) {
        group_->wait(*b.pending);
        b.pending.reset();
        b.flat.mul_(scale);
        for (std::size_t slot = 0; slot < b.params.size(); ++slot) {
            torch::Tensor& p = params_[b.params[slot]];
            torch::Tensor mean = b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
            if (p.grad().defined()) p.mutable_grad().copy_(mean);
            else p.mutable_grad() = mean.clone();
        }
    }
    wait_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    span_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - first_launch_).count();
    launched_ = false;
}

// ---------------------------------------------------------------------------------------------

namespace {

// Sum over ranks as an autograd function: forward all-reduces the values, backward the gradients
// (the sum's Jacobian with respect to each rank's input is the identity, and every rank's loss
// depends on it). The group travels as an integer because AutogradContext's saved data holds
// IValues, not C++ pointers; it outlives the step.
struct AllReduceSum : torch::autograd::Function<AllReduceSum> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, std::int64_t group) {
        ctx->saved_data["group"] = group;
        torch::Tensor y = x.detach().clone().contiguous();
        reinterpret_cast<ProcessGroup*>(group)->all_reduce(y, ProcessGroup::Reduce::Sum, "BatchNorm statistics all-reduce");
        return y;
    }
    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
        auto* group = reinterpret_cast<ProcessGroup*>(ctx->saved_data["group"].toInt());
        torch::Tensor g = grads[0].detach().clone().contiguous();
        group->all_reduce(g, ProcessGroup::Reduce::Sum, "BatchNorm gradient all-reduce");
        return {g, torch::Tensor()};
    }
};

} // namespace

torch::Tensor sync_batch_norm(const torch::Tensor& x, torch::nn::BatchNorm2dImpl& bn, ProcessGroup& group) {
    const std::int64_t c = x.size(1);
    // Sums accumulated in double: the variance is E[x^2] - E[x]^2, which float32 sums would blur.
    const torch::Tensor count = torch::full({1}, static_cast<double>(x.numel() / c), x.options().dtype(torch::kDouble));
    const torch::Tensor local =
        torch::cat({x.sum({0, 2, 3}, false, torch::kDouble), (x * x).sum({0, 2, 3}, false, torch::kDouble), count});
    const torch::Tensor global = AllReduceSum::apply(local, reinterpret_cast<std::int64_t>(&group));
    const torch::Tensor n = global.narrow(0, 2 * c, 1);
    const torch::Tensor mean = global.narrow(0, 0, c) / n;
    const torch::Tensor var = (global.narrow(0, c, c) / n - mean * mean).clamp_min(0); // biased, as BN normalises
    {
        torch::NoGradGuard no_grad;
        const double total = n.item<double>();
        bn.num_batches_tracked.add_(1);
        // No momentum: a cumulative average, as BatchNorm does then.
        const double m = bn.options.momentum().has_value() ? *bn.options.momentum() : 1.0 / bn.num_batches_tracked.item<double>();
        bn.running_mean.mul_(1 - m).add_(mean.to(torch::kFloat) * m);
        bn.running_var.mul_(1 - m).add_(var.to(torch::kFloat) * (m * total / std::max(1.0, total - 1))); // unbiased
    }
    const auto shape = std::vector<std::int64_t>{1, c, 1, 1};
    const torch::Tensor inv_std = torch::rsqrt(var + bn.options.eps()).to(x.scalar_type()).view(shape);
    return (x - mean.to(x.scalar_type()).view(shape)) * inv_std * bn.weight.view(shape) + bn.bias.view(shape);
}

} // namespace ttfnet
