// Strips with steps on x, like the plots above them: the pre-activation density strip, and the
// layer x step strips of BN dead zones and dead units. Records are drawn one per pixel column at
// most (the last record in each column), so a long run costs the strip's width, not its length.
#include "replay_panels.h"

#include "plot.h"
#include "replay_view.h"
#include "textures.h" // colormap

#include "deadzone/diagnostics.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <functional>

namespace deadzone::explorer {

namespace {

struct StripArea {
    ImVec2 a, b;   // where records are drawn (aligned with the plots' inner area)
    double x0, x1; // visible steps
    float px(double x) const { return a.x + static_cast<float>((x - x0) / (x1 - x0)) * (b.x - a.x); }
    double x_at(float p) const { return x0 + (p - a.x) / (b.x - a.x) * (x1 - x0); }
};

// Reserves the strip, draws its frame; clicking it moves the timeline. Calls draw(record index,
// x0, x1) for each visible record spanning [x0, x1) in pixels.
StripArea begin_strip(AppState& state, const char* id, float height) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::InvisibleButton(id, ImVec2(width, height));
    StripArea s{ImVec2(origin.x + kPlotLeftMargin, origin.y), ImVec2(origin.x + width - kPlotRightMargin, origin.y + height),
                state.replay.x_min, state.replay.x_max};
    if (!(s.x1 > s.x0)) s.x1 = s.x0 + 1;
    ImGui::GetWindowDrawList()->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height), IM_COL32(18, 20, 24, 255));
    if (ImGui::IsItemClicked()) set_replay_step(state, static_cast<std::int64_t>(std::round(s.x_at(ImGui::GetIO().MousePos.x))));
    return s;
}

void for_visible_records(const StripArea& s, const std::vector<telemetry::StepRecord>& steps,
                         const std::function<void(std::size_t, float, float)>& draw) {
    if (steps.empty()) return;
    std::size_t i = telemetry::record_at(steps, static_cast<std::int64_t>(std::floor(s.x0)));
    float last_px = -1e9f;
    for (; i < steps.size(); ++i) {
        const double x = static_cast<double>(steps[i].step);
        if (x > s.x1) break;
        const double next = i + 1 < steps.size() ? static_cast<double>(steps[i + 1].step) : x + 1;
        const float p0 = std::max(s.a.x, s.px(x)), p1 = std::min(s.b.x, std::max(s.px(next), p0 + 1));
        // Records closer than a pixel: the next one that reaches a new column draws it.
        if (i + 1 < steps.size() && std::floor(s.px(next)) <= std::floor(p0) && std::floor(p0) == std::floor(last_px)) continue;
        last_px = p0;
        draw(i, p0, p1);
    }
}

void draw_cursor(const StripArea& s, std::int64_t step) {
    const float x = s.px(static_cast<double>(step));
    if (x >= s.a.x && x <= s.b.x)
        ImGui::GetWindowDrawList()->AddLine(ImVec2(x, s.a.y), ImVec2(x, s.b.y), IM_COL32(255, 255, 255, 170));
}

ImU32 heat(float t) {
    float rgb[3];
    colormap(std::clamp(t, 0.0f, 1.0f), rgb);
    return ImColor(rgb[0], rgb[1], rgb[2], 1.0f);
}

// A strip of one row per layer: colour(record, row) in [0, 1] or < 0 for "nothing" (background).
void layer_strip(AppState& state, const char* id, float height, std::size_t rows,
                 const std::function<float(const telemetry::StepRecord&, std::size_t)>& value,
                 const std::function<ImU32(float)>& colour, const std::function<std::string(std::size_t)>& row_name) {
    const ReplayRun* run = state.replay.primary_run();
    if (run == nullptr || rows == 0) return;
    const StripArea s = begin_strip(state, id, height);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float row_h = (s.b.y - s.a.y) / static_cast<float>(rows);
    for_visible_records(s, run->run().steps, [&](std::size_t i, float x0, float x1) {
        const telemetry::StepRecord& rec = run->run().steps[i];
        for (std::size_t r = 0; r < rows; ++r) {
            const float v = value(rec, r);
            if (v < 0) continue;
            dl->AddRectFilled(ImVec2(x0, s.a.y + r * row_h), ImVec2(x1, s.a.y + (r + 1) * row_h), colour(v));
        }
    });
    draw_cursor(s, state.replay.timeline.step);
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const auto r = static_cast<std::size_t>(std::clamp((m.y - s.a.y) / row_h, 0.0f, static_cast<float>(rows - 1)));
        const auto& steps = run->run().steps;
        const std::size_t i = telemetry::record_at(steps, static_cast<std::int64_t>(s.x_at(m.x)));
        const float v = value(steps[i], r);
        ImGui::SetTooltip("%s\nstep %lld: %s (click to go there)", row_name(r).c_str(), static_cast<long long>(steps[i].step),
                          v < 0 ? "-" : (std::to_string(static_cast<int>(std::round(v * 100))) + "%").c_str());
    }
}

} // namespace

void draw_density_strip(AppState& state, float height) {
    const ReplayRun* run = state.replay.primary_run();
    if (run == nullptr || run->run().steps.empty()) return;
    const int c = state.replay.channel;
    const StripArea s = begin_strip(state, "density", height);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const auto& steps = run->run().steps;
    const auto channel_of = [c](const telemetry::StepRecord& r) { return telemetry::find_wh_channel(r, c); };
    // The value axis covers every visible histogram and 0.
    double lo = 0, hi = 0;
    for_visible_records(s, steps, [&](std::size_t i, float, float) {
        if (const auto* w = channel_of(steps[i]);
            w != nullptr && std::isfinite(w->pre_hist.lo) && std::isfinite(w->pre_hist.hi)) {
            lo = std::min(lo, w->pre_hist.lo);
            hi = std::max(hi, w->pre_hist.hi);
        }
    });
    if (!(hi > lo)) hi = lo + 1;
    const auto py = [&](double v) { return s.b.y - static_cast<float>((v - lo) / (hi - lo)) * (s.b.y - s.a.y); };
    for_visible_records(s, steps, [&](std::size_t i, float x0, float x1) {
        const auto* w = channel_of(steps[i]);
        if (w == nullptr || w->pre_hist.counts.empty()) return;
        const auto& counts = w->pre_hist.counts;
        const std::int64_t peak = *std::max_element(counts.begin(), counts.end());
        if (peak <= 0) return;
        const double bin = (w->pre_hist.hi - w->pre_hist.lo) / static_cast<double>(counts.size());
        for (std::size_t b = 0; b < counts.size(); ++b) {
            if (counts[b] == 0) continue;
            // log scale: a few stragglers stay visible next to the bulk
            const float t = 0.25f + 0.75f * static_cast<float>(std::log1p(counts[b]) / std::log1p(peak));
            const float y0 = py(w->pre_hist.lo + bin * (b + 1)), y1 = py(w->pre_hist.lo + bin * b);
            dl->AddRectFilled(ImVec2(x0, y0), ImVec2(x1, std::max(y1, y0 + 1)), heat(t));
        }
    });
    if (lo < 0 && hi > 0) dl->AddLine(ImVec2(s.a.x, py(0)), ImVec2(s.b.x, py(0)), IM_COL32(255, 90, 80, 220), 1.5f);
    char label[32];
    std::snprintf(label, sizeof label, "%.2g", hi);
    dl->AddText(ImVec2(s.a.x - ImGui::CalcTextSize(label).x - 4, s.a.y), IM_COL32(160, 165, 175, 255), label);
    std::snprintf(label, sizeof label, "%.2g", lo);
    dl->AddText(ImVec2(s.a.x - ImGui::CalcTextSize(label).x - 4, s.b.y - ImGui::GetTextLineHeight()),
                IM_COL32(160, 165, 175, 255), label);
    if (lo < 0 && hi > 0)
        dl->AddText(ImVec2(s.a.x - ImGui::CalcTextSize("0").x - 4, py(0) - ImGui::GetTextLineHeight() * 0.5f),
                    IM_COL32(255, 120, 100, 255), "0");
    draw_cursor(s, state.replay.timeline.step);
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const std::size_t i = telemetry::record_at(steps, static_cast<std::int64_t>(s.x_at(m.x)));
        const double v = lo + (s.b.y - m.y) / (s.b.y - s.a.y) * (hi - lo);
        if (const auto* w = channel_of(steps[i]))
            ImGui::SetTooltip(
                "step %lld: pre-activation %.4g .. %.4g, %.1f%% > 0\nvalue under the mouse %.4g (click to go to this step)",
                static_cast<long long>(steps[i].step), w->pre_min, w->pre_max, 100 * w->pre_frac_pos, v);
    }
}

void draw_bn_strip(AppState& state, float height) {
    const ReplayRun* run = state.replay.primary_run();
    if (run == nullptr || run->run().steps.empty()) return;
    const std::size_t rows = run->run().steps.back().bn.size();
    layer_strip(
        state, "bn-strip", height, rows,
        [](const telemetry::StepRecord& rec, std::size_t r) -> float {
            if (r >= rec.bn.size() || rec.bn[r].channels <= 0) return -1;
            const std::size_t n = rec.bn[r].dead_gamma.size() + rec.bn[r].dead_running.size();
            return n == 0 ? -1.0f : std::min(1.0f, static_cast<float>(n) / rec.bn[r].channels);
        },
        [](float v) { return IM_COL32(255, 80, 70, static_cast<int>(90 + 165 * v)); },
        [&](std::size_t r) {
            const auto& bn = run->run().steps.back().bn;
            return r < bn.size() ? bn[r].layer + ": share of channels in a dead zone" : std::string();
        });
}

void draw_dead_units_strip(AppState& state, float height) {
    const ReplayRun* run = state.replay.primary_run();
    if (run == nullptr || run->run().steps.empty()) return;
    const std::size_t rows = run->run().steps.back().activations.size();
    layer_strip(
        state, "dead-strip", height, rows,
        [](const telemetry::StepRecord& rec, std::size_t r) -> float {
            return r < rec.activations.size() ? static_cast<float>(rec.activations[r].frac_dead_units) : -1.0f;
        },
        [](float v) {
            const DeadLevel level = dead_level(v);
            return level == DeadLevel::Ok        ? IM_COL32(60, 160, 90, static_cast<int>(60 + 1500 * v))
                   : level == DeadLevel::Warning ? IM_COL32(240, 180, 60, 230)
                                                 : IM_COL32(255, 70, 60, 255);
        },
        [&](std::size_t r) {
            const auto& acts = run->run().steps.back().activations;
            return r < acts.size() ? acts[r].layer + ": dead units" : std::string();
        });
}

} // namespace deadzone::explorer
