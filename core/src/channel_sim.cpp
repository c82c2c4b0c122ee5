#include "deadzone/channel_sim.h"

#include "deadzone/giou.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

namespace {

// SplitMix64 (Steele, Lea & Flood 2014): small, fast and specified bit for bit, so the simulation
// gives the same numbers natively and in the browser (std:: distributions differ between libraries).
class SimRandom {
public:
    explicit SimRandom(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; } // [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    double normal() { // Box-Muller; the pair's second value is kept for the next call
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = 1.0 - uniform(), u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1)), a = 6.283185307179586 * u2;
        spare_ = r * std::sin(a);
        has_spare_ = true;
        return r * std::cos(a);
    }

private:
    std::uint64_t state_;
    double spare_ = 0;
    bool has_spare_ = false;
};

ChannelSimConfig clamped(ChannelSimConfig c) {
    c.steps = std::clamp(c.steps, 1, 5000);
    c.batch = std::clamp(c.batch, 1, 1024);
    c.feature_dim = std::clamp(c.feature_dim, 1, 256);
    c.init_std = std::max(0.0, c.init_std);
    c.feature_scale = std::max(0.0, c.feature_scale);
    c.lr = std::max(0.0, c.lr);
    c.momentum = std::clamp(c.momentum, 0.0, 0.999);
    c.stride = std::max(1, c.stride);
    return c;
}

// One anchor with its target box and regression weight, as the trainer's targets (targets.cpp,
// after the reference's): a box like the synthetic data's (see channel_sim.h) centred near (64, 64)
// with a random sub-cell phase; its cells are the centre cell int(c / stride) plus or minus
// r = int(size / stride / 2 * beta) cells, weighted by a gaussian with sigma = (2r + 1) / 6 and
// normalised so that every box weighs log(area). One of its cells is drawn uniformly, so its weight
// is multiplied by the number of cells.
struct Anchor {
    double x = 0, y = 0;
    double weight = 1;
    BoxXYXY target;
};

Anchor draw_anchor(SimRandom& rng, int stride) {
    constexpr double kBeta = 0.54;
    const double h = std::exp(rng.uniform(std::log(5.0), std::log(77.0)));
    const double w = h / rng.uniform(1.0, 3.5);
    const double cx = 64.0 + rng.uniform(0.0, stride), cy = 64.0 + rng.uniform(0.0, stride);
    Anchor a;
    a.target = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
    const int rx = static_cast<int>(w / stride / 2 * kBeta), ry = static_cast<int>(h / stride / 2 * kBeta);
    const double sx = (2 * rx + 1) / 6.0, sy = (2 * ry + 1) / 6.0;
    // The gaussian is separable: its sum over the cells is the product of the sums along each axis.
    const auto gauss_1d = [](int d, double sigma) { return std::exp(-d * d / (2 * sigma * sigma)); };
    double sum_x = 0, sum_y = 0;
    for (int d = -rx; d <= rx; ++d) sum_x += gauss_1d(d, sx);
    for (int d = -ry; d <= ry; ++d) sum_y += gauss_1d(d, sy);
    const int cells_x = 2 * rx + 1, cells_y = 2 * ry + 1;
    const int dx = static_cast<int>(rng.uniform() * cells_x) - rx, dy = static_cast<int>(rng.uniform() * cells_y) - ry;
    a.x = (std::floor(cx / stride) + dx) * stride; // the cell's top-left corner, as the trainer decodes
    a.y = (std::floor(cy / stride) + dy) * stride;
    a.weight = gauss_1d(dx, sx) * gauss_1d(dy, sy) * std::log(w * h) / (sum_x * sum_y) * (cells_x * cells_y);
    return a;
}

} // namespace

double feature_scale_for_spread(double pre_std, double weight_std, int feature_dim) {
    if (!(pre_std > 0) || !(weight_std > 0) || feature_dim <= 0 || !std::isfinite(pre_std) || !std::isfinite(weight_std))
        return 0;
    const double rectified_std = std::sqrt(0.5 - 1.0 / (2.0 * 3.141592653589793)); // std(max(0, N(0, 1)))
    return pre_std / (weight_std * std::sqrt(static_cast<double>(feature_dim)) * rectified_std);
}

ChannelSimResult simulate_wh_head(const ChannelSimConfig& config) {
    const ChannelSimConfig c = clamped(config);
    const int dim = c.feature_dim, batch = c.batch;
    SimRandom rng(c.seed);

    // Parameters and their momentum buffers: weights [channel][dim], biases [channel].
    std::vector<double> w(static_cast<std::size_t>(kSimChannels * dim)), vw(w.size(), 0.0);
    std::array<double, kSimChannels> b{}, vb{};
    for (double& v : w) v = c.init_std * rng.normal();
    b.fill(c.bias_init);

    ChannelSimResult result;
    result.steps.reserve(static_cast<std::size_t>(c.steps));
    std::vector<double> x(static_cast<std::size_t>(dim));
    std::vector<double> gw(w.size());
    // The last step at which each channel passed gradient for some sample (0: never).
    std::array<int, kSimChannels> last_alive{};

    for (int step = 1; step <= c.steps; ++step) {
        ChannelSimStep rec;
        rec.step = step;
        rec.pre.assign(static_cast<std::size_t>(kSimChannels * batch), 0.0f);
        std::fill(gw.begin(), gw.end(), 0.0);
        std::array<double, kSimChannels> gb{}, passing{}, distance_sum{};
        rec.pre_min.fill(INFINITY);
        rec.pre_max.fill(-INFINITY);
        const double mu = c.feature_drift * c.feature_scale * (step - 1) / 100.0;
        double loss_sum = 0;
        // The batch's anchors first: the loss is their weighted mean, as the trainer's GIoU loss.
        std::vector<Anchor> anchors(static_cast<std::size_t>(batch));
        double weight_sum = 0;
        for (Anchor& a : anchors) {
            a = draw_anchor(rng, c.stride);
            weight_sum += a.weight;
        }

        for (int i = 0; i < batch; ++i) {
            const Anchor& a = anchors[static_cast<std::size_t>(i)];
            for (double& v : x) v = std::max(0.0, mu + c.feature_scale * rng.normal());
            std::array<double, kSimChannels> z{}, dist{};
            for (int ch = 0; ch < kSimChannels; ++ch) {
                double s = b[ch];
                for (int j = 0; j < dim; ++j) s += w[static_cast<std::size_t>(ch * dim + j)] * x[j];
                z[ch] = s;
                dist[ch] = activate(c.activation, s) * c.wh_offset_base;
                rec.pre[static_cast<std::size_t>(ch * batch + i)] = static_cast<float>(s);
                rec.pre_min[ch] = std::min(rec.pre_min[ch], s);
                rec.pre_max[ch] = std::max(rec.pre_max[ch], s);
                rec.pre_mean[ch] += s / batch;
                distance_sum[ch] += dist[ch];
            }
            const BoxXYXY pred{a.x - dist[0], a.y - dist[1], a.x + dist[2], a.y + dist[3]};
            const GiouLoss g = giou_loss(pred, a.target);
            const double share_of_loss = a.weight / weight_sum;
            loss_sum += g.loss * share_of_loss;
            // d loss / d distance: left and top move x1/y1 the other way.
            const std::array<double, kSimChannels> d_dist{-g.d_x1, -g.d_y1, g.d_x2, g.d_y2};
            for (int ch = 0; ch < kSimChannels; ++ch) {
                const double d_act = activation_derivative(c.activation, z[ch]);
                passing[ch] += d_act != 0.0 ? 1.0 : 0.0;
                const double d_z = d_dist[ch] * c.wh_offset_base * d_act * share_of_loss;
                gb[ch] += d_z;
                for (int j = 0; j < dim; ++j) gw[static_cast<std::size_t>(ch * dim + j)] += d_z * x[j];
            }
        }

        // SGD with momentum as torch.optim.SGD: v = momentum * v + g; p -= lr * v.
        for (int ch = 0; ch < kSimChannels; ++ch) {
            double norm2 = gb[ch] * gb[ch];
            for (int j = 0; j < dim; ++j) {
                const std::size_t k = static_cast<std::size_t>(ch * dim + j);
                norm2 += gw[k] * gw[k];
                vw[k] = c.momentum * vw[k] + gw[k];
                w[k] -= c.lr * vw[k];
            }
            vb[ch] = c.momentum * vb[ch] + gb[ch];
            b[ch] -= 2.0 * c.lr * vb[ch];
            rec.bias[ch] = b[ch];
            rec.grad_norm[ch] = std::sqrt(norm2);
            rec.share[ch] = passing[ch] / batch;
            rec.distance[ch] = distance_sum[ch] / batch;
            if (passing[ch] > 0) last_alive[ch] = step;
        }
        rec.loss = loss_sum;
        result.steps.push_back(std::move(rec));
    }

    for (int ch = 0; ch < kSimChannels; ++ch) {
        result.dead_since[ch] = last_alive[ch] == c.steps ? -1 : last_alive[ch] + 1;
        result.final_distance[ch] = result.steps.back().distance[ch];
    }
    return result;
}

} // namespace deadzone
