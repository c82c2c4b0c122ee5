#include "ttfnet/data/synthetic.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

namespace ttfnet {

namespace {

using Rng = std::mt19937_64;

double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
int uniform_int(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

struct Color {
    double r, g, b;
};

Color random_color(Rng& rng) { return {uniform(rng, 0, 255), uniform(rng, 0, 255), uniform(rng, 0, 255)}; }

// The canvas remembers which object painted each pixel last, so visibility can be measured, and
// each object's painted extent, so its box is exact.
class Canvas {
public:
    Canvas(int w, int h) : w_(w), h_(h), rgb_(static_cast<std::size_t>(w) * h * 3), owner_(static_cast<std::size_t>(w) * h, -1) {}

    int width() const { return w_; }
    int height() const { return h_; }
    double* px(int x, int y) { return &rgb_[(static_cast<std::size_t>(y) * w_ + x) * 3]; }

    void begin_object(int id, Color base, Color stripe, double stripe_period) {
        id_ = id;
        base_ = base;
        stripe_ = stripe;
        period_ = stripe_period;
        extents_.push_back({w_, h_, -1, -1});
        painted_.push_back(0);
    }

    // Paints the pixels whose centres are inside the shape described by inside(x+0.5, y+0.5).
    template <typename Inside>
    void paint(double x0, double y0, double x1, double y1, Inside inside) {
        const int ix0 = std::max(0, static_cast<int>(std::floor(x0))), iy0 = std::max(0, static_cast<int>(std::floor(y0)));
        const int ix1 = std::min(w_ - 1, static_cast<int>(std::ceil(x1))),
                  iy1 = std::min(h_ - 1, static_cast<int>(std::ceil(y1)));
        auto& e = extents_.back();
        for (int y = iy0; y <= iy1; ++y) {
            for (int x = ix0; x <= ix1; ++x) {
                if (!inside(x + 0.5, y + 0.5)) continue;
                // Faint diagonal stripes give objects a texture of their own.
                const bool s = std::fmod((x + y) / period_, 2.0) < 1.0;
                const Color& c = s ? stripe_ : base_;
                double* p = px(x, y);
                p[0] = c.r;
                p[1] = c.g;
                p[2] = c.b;
                std::size_t i = static_cast<std::size_t>(y) * w_ + x;
                if (owner_[i] != id_) {
                    owner_[i] = id_;
                    ++painted_.back();
                }
                e[0] = std::min(e[0], x);
                e[1] = std::min(e[1], y);
                e[2] = std::max(e[2], x);
                e[3] = std::max(e[3], y);
            }
        }
    }

    void rect(double x0, double y0, double x1, double y1) {
        paint(x0, y0, x1, y1, [&](double x, double y) { return x >= x0 && x < x1 && y >= y0 && y < y1; });
    }
    void ellipse(double cx, double cy, double rx, double ry) {
        paint(cx - rx, cy - ry, cx + rx, cy + ry, [&](double x, double y) {
            const double dx = (x - cx) / rx, dy = (y - cy) / ry;
            return dx * dx + dy * dy <= 1.0;
        });
    }
    void diamond(double cx, double cy, double r) {
        paint(cx - r, cy - r, cx + r, cy + r, [&](double x, double y) { return std::abs(x - cx) + std::abs(y - cy) <= r; });
    }

    // Pixels each object still owns after everything was painted.
    std::vector<std::int64_t> visible_counts(int objects) const {
        std::vector<std::int64_t> v(static_cast<std::size_t>(objects), 0);
        for (int o : owner_)
            if (o >= 0) ++v[static_cast<std::size_t>(o)];
        return v;
    }
    const std::vector<std::array<int, 4>>& extents() const { return extents_; }
    const std::vector<std::int64_t>& painted() const { return painted_; }
    std::vector<double>& rgb() { return rgb_; }

private:
    int w_, h_;
    std::vector<double> rgb_;
    std::vector<int> owner_;
    int id_ = -1;
    Color base_{}, stripe_{};
    double period_ = 4;
    std::vector<std::array<int, 4>> extents_;
    std::vector<std::int64_t> painted_;
};

// Smooth value noise: a coarse random grid, bilinearly interpolated.
void paint_background(Canvas& c, Rng& rng) {
    const Color a = random_color(rng), b = random_color(rng);
    const int gw = uniform_int(rng, 3, 12), gh = uniform_int(rng, 3, 12);
    std::vector<double> grid(static_cast<std::size_t>(gw + 1) * (gh + 1));
    for (double& g : grid) g = uniform(rng, 0, 1);
    const int pattern = uniform_int(rng, 0, 2); // 0 none, 1 stripes, 2 checks
    const double period = uniform(rng, 4, 40), angle = uniform(rng, 0, M_PI);
    const double pattern_amp = uniform(rng, 10, 50), noise_amp = uniform(rng, 0, 25);
    std::normal_distribution<double> noise(0, 1);
    for (int y = 0; y < c.height(); ++y) {
        for (int x = 0; x < c.width(); ++x) {
            const double gx = static_cast<double>(x) / c.width() * gw, gy = static_cast<double>(y) / c.height() * gh;
            const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
            const double fx = gx - x0, fy = gy - y0;
            auto at = [&](int i, int j) { return grid[static_cast<std::size_t>(j) * (gw + 1) + i]; };
            const double t = (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
                             (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
            double pat = 0;
            if (pattern == 1) {
                pat = std::sin((x * std::cos(angle) + y * std::sin(angle)) / period * 2 * M_PI);
            } else if (pattern == 2) {
                pat = ((static_cast<int>(x / period) + static_cast<int>(y / period)) % 2) ? 1 : -1;
            }
            const double n = noise(rng) * noise_amp;
            double* p = c.px(x, y);
            p[0] = a.r * (1 - t) + b.r * t + pat * pattern_amp + n;
            p[1] = a.g * (1 - t) + b.g * t + pat * pattern_amp + n;
            p[2] = a.b * (1 - t) + b.b * t + pat * pattern_amp + n;
        }
    }
}

void begin(Canvas& c, int id, Rng& rng) {
    const Color base = random_color(rng);
    Color stripe = base;
    const double d = uniform(rng, -40, 40);
    stripe.r += d;
    stripe.g += d;
    stripe.b += d;
    c.begin_object(id, base, stripe, uniform(rng, 2, 8));
}

// A person standing at (x, y_top) of height h; one arm reaches out to a random side.
void paint_person(Canvas& c, int id, Rng& rng, double x, double top, double h) {
    begin(c, id, rng);
    const double w = h / uniform(rng, 2.0, 3.5); // body width
    const double head_r = w * uniform(rng, 0.22, 0.3);
    const double cx = x + w / 2;
    c.ellipse(cx, top + head_r, head_r, head_r * 1.15);
    const double torso_top = top + head_r * 2.1, torso_bottom = top + h * 0.58;
    c.rect(x + w * 0.12, torso_top, x + w * 0.88, torso_bottom);
    c.rect(x + w * 0.15, torso_bottom, x + w * 0.45, top + h); // legs
    c.rect(x + w * 0.55, torso_bottom, x + w * 0.85, top + h);
    const double reach = w * uniform(rng, 0.1, 0.9);
    const double arm_y = torso_top + (torso_bottom - torso_top) * uniform(rng, 0.05, 0.4);
    if (uniform(rng, 0, 1) < 0.5) c.rect(x + w * 0.12 - reach, arm_y, x + w * 0.12, arm_y + w * 0.14);
    else c.rect(x + w * 0.88, arm_y, x + w * 0.88 + reach, arm_y + w * 0.14);
}

void paint_car(Canvas& c, int id, Rng& rng, double x, double top, double h) {
    begin(c, id, rng);
    const double w = h * uniform(rng, 1.4, 3.0);
    const double cabin_h = h * uniform(rng, 0.25, 0.4), wheel_r = h * uniform(rng, 0.15, 0.22);
    const double body_top = top + cabin_h, body_bottom = top + h - wheel_r;
    const double cabin_x0 = x + w * uniform(rng, 0.1, 0.35), cabin_x1 = x + w * uniform(rng, 0.6, 0.85);
    c.rect(cabin_x0, top, cabin_x1, body_top + 1);
    c.rect(x, body_top, x + w, body_bottom);
    c.ellipse(x + w * 0.22, body_bottom, wheel_r, wheel_r);
    c.ellipse(x + w * 0.78, body_bottom, wheel_r, wheel_r);
}

void paint_sign(Canvas& c, int id, Rng& rng, double x, double top, double h) {
    begin(c, id, rng);
    const double r = h * uniform(rng, 0.2, 0.3);
    const double cx = x + r;
    if (uniform(rng, 0, 1) < 0.5) c.ellipse(cx, top + r, r, r);
    else c.diamond(cx, top + r, r);
    c.rect(cx - r * 0.12, top + 2 * r - 1, cx + r * 0.12, top + h);
}

} // namespace

SyntheticDataset::SyntheticDataset(std::uint64_t seed, std::size_t count, std::size_t index_offset, int base_size,
                                   std::int64_t cache_bytes)
    : seed_(seed), count_(count), offset_(index_offset), base_size_(base_size), cache_(count),
      cache_capacity_(std::max<std::int64_t>(0, cache_bytes)), cache_left_(cache_capacity_) {}

std::int64_t SyntheticDataset::cached_bytes() const {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    return cache_capacity_ - cache_left_;
}

std::string SyntheticDataset::describe(std::size_t index) const { return "synthetic#" + std::to_string(offset_ + index); }

deadzone::Result<Sample> SyntheticDataset::get(std::size_t index) const {
    if (index >= count_) return deadzone::Error{"synthetic index out of range: " + std::to_string(index)};
    std::shared_ptr<const Sample> kept;
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        kept = cache_[index];
    }
    if (kept) return *kept; // copied outside the lock
    Sample s = draw(index);
    const auto bytes = static_cast<std::int64_t>(s.image.pixels.size());
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (!cache_[index] && bytes <= cache_left_) {
        cache_left_ -= bytes;
        cache_[index] = std::make_shared<const Sample>(s);
    }
    return s;
}

Sample SyntheticDataset::draw(std::size_t index) const {
    Rng rng(mix_seed(seed_ ^ 0x5e7e7a11ULL, offset_ + index));
    const int w = static_cast<int>(base_size_ * uniform(rng, 0.75, 1.3));
    const int h = static_cast<int>(base_size_ * uniform(rng, 0.75, 1.3));
    Canvas c(std::max(w, 32), std::max(h, 32));
    paint_background(c, rng);

    struct Planned {
        int cls;
        double x, top, h;
    };
    std::vector<Planned> plan;
    const double min_h = 0.04 * c.height(), max_h = 0.6 * c.height();
    auto random_height = [&] { return std::exp(uniform(rng, std::log(min_h), std::log(max_h))); };
    const int n = uniform_int(rng, 1, 8);
    for (int i = 0; i < n; ++i) {
        const int cls = uniform_int(rng, 0, 5) < 3 ? 0 : uniform_int(rng, 1, 2); // half are people
        const double oh = random_height();
        plan.push_back({cls, uniform(rng, -0.1, 0.9) * c.width(), uniform(rng, -0.05, 1.0) * (c.height() - oh), oh});
    }
    if (uniform(rng, 0, 1) < 0.33) { // a crowd: a row of overlapping people of similar height
        const double oh = random_height(), top = uniform(rng, 0, 1) * (c.height() - oh);
        double x = uniform(rng, 0, 0.5) * c.width();
        const int k = uniform_int(rng, 3, 6);
        for (int i = 0; i < k; ++i) {
            plan.push_back({0, x, top + uniform(rng, -0.1, 0.1) * oh, oh * uniform(rng, 0.85, 1.15)});
            x += oh * uniform(rng, 0.15, 0.4);
        }
    }
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const Planned& p = plan[i];
        const int id = static_cast<int>(i);
        if (p.cls == 0) paint_person(c, id, rng, p.x, p.top, p.h);
        else if (p.cls == 1) paint_car(c, id, rng, p.x, p.top, p.h);
        else paint_sign(c, id, rng, p.x, p.top, p.h);
    }

    Sample s;
    const std::vector<std::int64_t> visible = c.visible_counts(static_cast<int>(plan.size()));
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& e = c.extents()[i];
        if (e[2] < e[0] || c.painted()[i] == 0) continue; // entirely outside the image
        if (static_cast<double>(visible[i]) < 0.25 * static_cast<double>(c.painted()[i])) continue;
        // Exact: the painted pixel extent, as [x1, x2) pixel edges.
        s.boxes.push_back(Box{static_cast<float>(e[0]), static_cast<float>(e[1]), static_cast<float>(e[2] + 1),
                              static_cast<float>(e[3] + 1), plan[i].cls});
    }
    s.image.width = c.width();
    s.image.height = c.height();
    s.image.pixels.resize(c.rgb().size());
    for (std::size_t i = 0; i < c.rgb().size(); ++i) {
        s.image.pixels[i] = static_cast<std::uint8_t>(std::clamp(std::lround(c.rgb()[i]), 0L, 255L));
    }
    return s;
}

} // namespace ttfnet
