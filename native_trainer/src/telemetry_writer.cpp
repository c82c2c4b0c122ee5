#include "ttfnet/telemetry_writer.h"

#include "deadzone/channel_stats.h"
#include "deadzone/diagnostics.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ttfnet {

namespace tel = deadzone::telemetry;

TelemetryWriter::~TelemetryWriter() {
    if (file_ != nullptr) std::fclose(file_);
}

deadzone::Result<bool> TelemetryWriter::create(const std::string& path, const tel::Header& header) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return deadzone::Error{"cannot create telemetry file " + path};
    write(header);
    return true;
}

deadzone::Result<bool> TelemetryWriter::resume(const std::string& path, const tel::Header& header, std::int64_t step) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return create(path, header);
    std::ostringstream kept;
    std::string line;
    bool have_header = false;
    while (std::getline(in, line)) {
        if (in.eof()) break; // no newline after it: a line cut off by a kill
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        if (j.value("type", "") == "header") have_header = true;
        else if (j.value("type", "") == "end") continue;
        else if (j.contains("step") && j["step"].is_number_integer() && j["step"].get<std::int64_t>() > step) continue;
        kept << line << '\n';
    }
    in.close();
    if (!have_header) return create(path, header);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << kept.str();
    out.close();
    file_ = std::fopen(path.c_str(), "ab");
    if (file_ == nullptr) return deadzone::Error{"cannot append to telemetry file " + path};
    return true;
}

void TelemetryWriter::write_line(const std::string& line) {
    if (file_ == nullptr) return;
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    std::fflush(file_); // a killed run keeps every record written so far
}

std::vector<tel::LayerInfo> telemetry_layers(TtfNetImpl& model) {
    std::vector<tel::LayerInfo> layers;
    ActivationTap tap;
    {
        torch::NoGradGuard no_grad;
        const bool was_training = model.is_training();
        model.eval(); // eval: the dry run must not touch BN running statistics
        model.forward(torch::zeros({1, 3, 64, 64}), &tap);
        model.train(was_training);
    }
    for (const auto& [name, t] : tap.outputs) layers.push_back({name, "act", static_cast<int>(t.size(1))});
    for (const auto& item : model.named_modules("", false)) {
        if (const auto* bn = item.value()->as<torch::nn::BatchNorm2d>()) {
            layers.push_back({item.key(), "bn", static_cast<int>(bn->options.num_features())});
        }
    }
    return layers;
}

namespace {

tel::Summary summarize(const torch::Tensor& t) {
    const auto s = deadzone::per_channel_stats(deadzone::ChwView{t.data_ptr<float>(), 1, 1, static_cast<int>(t.numel())});
    return {s[0].min, s[0].max, s[0].mean};
}

} // namespace

std::vector<bool> dead_wh_channels(const torch::Tensor& wh) {
    // core/'s channel_is_dead rule (every value exactly zero, none NaN), computed with one
    // vectorised reduction because it runs on every step: max |x| is 0 only when all values are 0,
    // and a NaN makes it NaN, which is not 0.
    torch::NoGradGuard no_grad;
    const torch::Tensor m = wh.detach().abs().amax({0, 2, 3}).contiguous();
    std::vector<bool> dead;
    for (int64_t c = 0; c < m.numel(); ++c) dead.push_back(m.data_ptr<float>()[c] == 0.0f);
    return dead;
}

torch::Tensor unit_activity(const torch::Tensor& activation) {
    torch::NoGradGuard no_grad;
    const torch::Tensor any = activation.detach().ne(0).any(0); // NaN != 0: active, as in core
    return any.contiguous().reshape({-1}).to(torch::kUInt8);
}

tel::ActivationRecord activation_record_from_activity(const std::string& layer, const torch::Tensor& activity,
                                                      std::int64_t channels) {
    const torch::Tensor values = activity.to(torch::kFloat).contiguous();
    const std::int64_t spatial = values.numel() / std::max<std::int64_t>(1, channels);
    const deadzone::BatchDeadUnits d =
        deadzone::batch_dead_units(values.data_ptr<float>(), 1, channels, spatial, deadzone::TensorLayout::ChannelsFirst);
    return {layer, d.fraction_dead_units(), d.fraction_dead_channels()};
}

tel::StepRecord collect_step_record(TtfNetImpl& model, const StepInputs& in) {
    torch::NoGradGuard no_grad;
    tel::StepRecord r;
    r.step = in.step;
    r.time_s = in.time_s;
    r.ms_per_step = in.ms_per_step;
    r.lr = in.lr;
    r.grad_norm = in.grad_norm;
    r.losses = in.losses;

    const TtfOutput& out = *in.output;
    const torch::Tensor pre = out.wh_pre.detach().contiguous(), post = out.wh.detach().contiguous();
    const int n = static_cast<int>(pre.size(0)), c = static_cast<int>(pre.size(1));
    const std::int64_t spatial = pre.size(2) * pre.size(3);
    const auto pre_stats = deadzone::per_channel_stats(deadzone::NcsView{pre.data_ptr<float>(), n, c, spatial});
    const auto post_stats = deadzone::per_channel_stats(deadzone::NcsView{post.data_ptr<float>(), n, c, spatial});
    const torch::Tensor weight = model.wh_out->weight.detach(), bias = model.wh_out->bias.detach();
    const torch::Tensor wgrad = model.wh_out->weight.grad(), bgrad = model.wh_out->bias.grad();
    for (int ch = 0; ch < c; ++ch) {
        tel::WhChannelRecord w;
        w.channel = ch;
        const auto& ps = pre_stats[static_cast<std::size_t>(ch)];
        w.pre_min = ps.min;
        w.pre_max = ps.max;
        w.pre_mean = ps.mean;
        w.pre_std = ps.std;
        w.pre_frac_pos = ps.fraction_positive;
        // Histogram of the pre-activation over the batch, kWhHistogramBins bins over [min, max].
        w.pre_hist.lo = ps.min;
        w.pre_hist.hi = ps.max;
        w.pre_hist.counts.assign(kWhHistogramBins, 0);
        const double width = (static_cast<double>(ps.max) - ps.min) / kWhHistogramBins;
        for (int b = 0; b < n; ++b) {
            const float* p = pre.data_ptr<float>() + (static_cast<std::int64_t>(b) * c + ch) * spatial;
            for (std::int64_t i = 0; i < spatial; ++i) {
                if (!std::isfinite(p[i])) continue;
                const int bin = width > 0 ? static_cast<int>((p[i] - ps.min) / width) : 0;
                ++w.pre_hist.counts[static_cast<std::size_t>(std::clamp(bin, 0, kWhHistogramBins - 1))];
            }
        }
        const auto& qs = post_stats[static_cast<std::size_t>(ch)];
        w.post_min = qs.min;
        w.post_max = qs.max;
        w.post_mean = qs.mean;
        w.post_frac_zero = qs.fraction_zero;
        w.weight_std = weight[ch].std().item<double>();
        w.bias = bias[ch].item<double>();
        double g2 = 0;
        if (wgrad.defined()) g2 += wgrad[ch].pow(2).sum().item<double>();
        if (bgrad.defined()) g2 += bgrad[ch].pow(2).item<double>();
        w.grad_norm = std::sqrt(g2);
        r.wh_channels.push_back(std::move(w));
    }

    for (const auto& item : model.named_modules("", false)) {
        const auto* bn = item.value()->as<torch::nn::BatchNorm2d>();
        if (bn == nullptr) continue;
        tel::BnRecord b;
        b.layer = item.key();
        const torch::Tensor g = bn->weight.detach().contiguous(), be = bn->bias.detach().contiguous();
        const torch::Tensor rm = bn->running_mean.contiguous(), rv = bn->running_var.contiguous();
        b.channels = static_cast<int>(g.numel());
        b.gamma = summarize(g);
        b.beta = summarize(be);
        b.running_mean = summarize(rm);
        b.running_var = summarize(rv);
        const float *gp = g.data_ptr<float>(), *bp = be.data_ptr<float>(), *mp = rm.data_ptr<float>(), *vp = rv.data_ptr<float>();
        for (int i = 0; i < b.channels; ++i) {
            if (deadzone::bn_gamma_dead_zone(gp[i], bp[i])) b.dead_gamma.push_back(i);
            if (deadzone::bn_running_dead_zone(mp[i], vp[i], bp[i])) b.dead_running.push_back(i);
        }
        r.bn.push_back(std::move(b));
    }

    if (in.activations != nullptr) {
        r.activations = *in.activations;
    } else if (in.tap != nullptr) {
        // One pass per layer in core; the layers are independent, so they share LibTorch's threads.
        // The network runs channels-last: such outputs are read as they are rather than copied.
        const auto& outputs = in.tap->outputs;
        std::vector<torch::Tensor> values;
        std::vector<deadzone::TensorLayout> layouts;
        for (const auto& [name, t] : outputs) {
            const bool nhwc = t.dim() == 4 && t.is_contiguous(torch::MemoryFormat::ChannelsLast);
            values.push_back(nhwc ? t : t.contiguous());
            layouts.push_back(nhwc ? deadzone::TensorLayout::ChannelsLast : deadzone::TensorLayout::ChannelsFirst);
        }
        std::vector<deadzone::BatchDeadUnits> dead(outputs.size());
        at::parallel_for(0, static_cast<std::int64_t>(outputs.size()), 1, [&](std::int64_t begin, std::int64_t end) {
            for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
                const torch::Tensor& v = values[i];
                const std::int64_t channels = v.dim() >= 2 ? v.size(1) : 1;
                const std::int64_t spatial = v.numel() / std::max<std::int64_t>(1, v.size(0) * channels);
                dead[i] =
                    deadzone::batch_dead_units(v.data_ptr<float>(), static_cast<int>(v.size(0)), channels, spatial, layouts[i]);
            }
        });
        for (std::size_t i = 0; i < outputs.size(); ++i)
            r.activations.push_back({outputs[i].first, dead[i].fraction_dead_units(), dead[i].fraction_dead_channels()});
    }
    return r;
}

} // namespace ttfnet
