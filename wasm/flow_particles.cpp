#include "flow_panels.h"
#include "help_marker.h"

#include "deadzone/channel_death.h"
#include "deadzone/gradient_flow.h"
#include "deadzone/prediction_dump.h" // wh_channel_name

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace deadzone::explorer {

namespace {

constexpr int kParticles = 64;

double fract(double v) { return v - std::floor(v); }

std::string short_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

// Maps z (pre-activation) and values to the canvas.
struct CurveFrame {
    ImVec2 p0, p1; // plot area
    double x_lo, x_hi, y_lo, y_hi;
    float sx(double x) const { return p0.x + static_cast<float>((x - x_lo) / (x_hi - x_lo)) * (p1.x - p0.x); }
    float sy(double y) const { return p1.y - static_cast<float>((y - y_lo) / (y_hi - y_lo)) * (p1.y - p0.y); }
};

// The x range: symmetric around 0 so that the kink is always in view, wide enough for the samples.
CurveFrame curve_frame(const Activation& act, const std::vector<double>& samples, ImVec2 p0, ImVec2 p1) {
    double reach = 0;
    for (double s : {samples.front(), samples.back()}) reach = std::max(reach, std::fabs(s));
    if (!(reach > 0) || !std::isfinite(reach)) reach = 1;
    CurveFrame f{p0, p1, -1.25 * reach, 1.25 * reach, 0, 0};
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i <= 64; ++i) {
        const double y = activate(act, f.x_lo + (f.x_hi - f.x_lo) * i / 64.0);
        lo = std::min(lo, y);
        hi = std::max(hi, y);
    }
    const double pad = 0.08 * std::max(hi - lo, 1e-300);
    f.y_lo = lo - pad;
    f.y_hi = hi + pad;
    return f;
}

void draw_curve(ImDrawList* dl, const CurveFrame& f, const Activation& act, bool derivative, ImU32 colour) {
    // f' gets its own scale on the same x axis, 0 at the bottom and max(1, max f') at the top.
    constexpr int kPoints = 97;
    double d_hi = 1;
    if (derivative)
        for (int i = 0; i < kPoints; ++i)
            d_hi = std::max(d_hi, activation_derivative(act, f.x_lo + (f.x_hi - f.x_lo) * i / (kPoints - 1.0)));
    ImVec2 points[kPoints];
    for (int i = 0; i < kPoints; ++i) {
        const double x = f.x_lo + (f.x_hi - f.x_lo) * i / (kPoints - 1.0);
        if (derivative) {
            const double d = activation_derivative(act, x);
            points[i] = ImVec2(f.sx(x), f.p1.y - static_cast<float>(std::clamp(d, -0.2, d_hi) / d_hi) * (f.p1.y - f.p0.y) * 0.9f);
        } else {
            points[i] = ImVec2(f.sx(x), f.sy(activate(act, x)));
        }
    }
    dl->AddPolyline(points, kPoints, colour, ImDrawFlags_None, derivative ? 1.0f : 2.0f); // whole widths: textured lines
}

} // namespace

bool draw_activation_particles(AppState& state, const Activation& act, ImVec2 size) {
    FlowState& flow = state.flow;
    const telemetry::WhChannelRecord* rec = flow_channel_record(state);
    const std::vector<double>& samples = flow_samples(state);
    const std::string channel = wh_channel_name(state.replay.channel);
    ImGui::Text("The %s channel through %s at step %lld", channel.c_str(), activation_info(act.kind).name,
                static_cast<long long>(state.replay.timeline.step));
    static_assert(kParticles == 64, "the help text below counts the particles");
    help_marker("Orange: 64 samples drawn from the pre-activation histogram the run recorded at this step travel\n"
                "forward through the activation curve (input z on x, output f(z) on y).\n"
                "White: the loss's gradient comes back from the output to the curve. Blue: past the curve, scaled by\n"
                "the derivative f'(z) (pink curve, its own scale), it travels down to the input. Where f'(z) = 0 it\n"
                "stops at the curve as a grey ring: that sample passes no gradient to the weights.\n"
                "P pauses the animation; in the Replay view it moves while the mouse is over it.");
    if (rec == nullptr || samples.empty()) {
        ImGui::TextColored(kFlowDimText,
                           rec == nullptr ? "No record of this channel at this step." : "The record's histogram is empty.");
        ImGui::Dummy(ImVec2(size.x, 20));
        return false;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##particles", ImVec2(std::max(size.x, 1.0f), size.y));
    const bool hovered = ImGui::IsItemHovered();
    remember_item_rect(state, "flow:particles");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p0(origin.x + 46, origin.y + 8), p1(origin.x + size.x - 12, origin.y + size.y - 22);
    dl->AddRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), kFlowPanelFrame, 4);
    const CurveFrame f = curve_frame(act, samples, p0, p1);

    // The samples' histogram, faint, along the bottom: where the distribution sits relative to 0.
    constexpr int kBins = 48;
    int bins[kBins] = {};
    for (double s : samples) bins[std::clamp(static_cast<int>((s - f.x_lo) / (f.x_hi - f.x_lo) * kBins), 0, kBins - 1)]++;
    const int peak = *std::max_element(bins, bins + kBins);
    for (int b = 0; b < kBins; ++b) {
        if (bins[b] == 0) continue;
        const float x0 = p0.x + (p1.x - p0.x) * b / kBins, x1 = p0.x + (p1.x - p0.x) * (b + 1) / kBins;
        const float h = (p1.y - p0.y) * 0.25f * bins[b] / peak;
        dl->AddRectFilled(ImVec2(x0, p1.y - h), ImVec2(x1 - 1, p1.y), IM_COL32(230, 159, 0, 40));
    }
    // Axes: z = 0 (the kink) and f = 0.
    dl->AddLine(ImVec2(f.sx(0), p0.y), ImVec2(f.sx(0), p1.y), kFlowZero, 1.0f);
    if (f.y_lo < 0 && f.y_hi > 0) dl->AddLine(ImVec2(p0.x, f.sy(0)), ImVec2(p1.x, f.sy(0)), IM_COL32(255, 255, 255, 40));
    dl->AddRect(p0, p1, IM_COL32(255, 255, 255, 40));
    draw_curve(dl, f, act, true, with_alpha(kFlowDerivative, 0.8f));
    draw_curve(dl, f, act, false, kFlowCurve);
    const ImU32 label = IM_COL32(170, 175, 185, 255);
    dl->AddText(ImVec2(p0.x, p1.y + 3), label, short_number(f.x_lo).c_str());
    dl->AddText(ImVec2(f.sx(0) - 3, p1.y + 3), label, "0");
    const std::string hi = short_number(f.x_hi);
    dl->AddText(ImVec2(p1.x - ImGui::CalcTextSize(hi.c_str()).x, p1.y + 3), label, hi.c_str());
    dl->AddText(ImVec2(origin.x + 4, p0.y), label, "f(z)");
    dl->AddText(ImVec2(origin.x + 4, p0.y + 16), kFlowDerivative, "f'(z)");
    dl->AddText(ImVec2(f.sx(0) + 40, p1.y + 3), label, "pre-activation z");
    const char* out_label = "output f(z) ->";
    dl->AddText(ImVec2(p1.x - ImGui::CalcTextSize(out_label).x - 4, p0.y + 2), label, out_label);

    // Particles: one cycle is forward (phase 0..0.5) then backward (0.5..1), each staggered a little.
    const std::size_t n = samples.size();
    for (int k = 0; k < kParticles; ++k) {
        const double z = samples[std::min(n - 1, static_cast<std::size_t>((k + 0.5) / kParticles * n))];
        const double out = activate(act, z), d = activation_derivative(act, z);
        const ImVec2 bottom(f.sx(z), p1.y), on_curve(f.sx(z), f.sy(out)), exit(p1.x, f.sy(out));
        const double t = fract(flow.phase + 0.04 * (k % 7) / 7.0);
        const auto lerp = [](ImVec2 a, ImVec2 b, double u) {
            return ImVec2(a.x + (b.x - a.x) * static_cast<float>(u), a.y + (b.y - a.y) * static_cast<float>(u));
        };
        if (t < 0.5) { // forward: up to the curve, then across to the output
            const double u = t / 0.5;
            const ImVec2 p = u < 0.5 ? lerp(bottom, on_curve, u / 0.5) : lerp(on_curve, exit, (u - 0.5) / 0.5);
            dl->AddCircleFilled(p, 3.0f, with_alpha(kFlowForward, 0.85f), kParticleSegments);
        } else { // backward: from the output back to the curve, then down scaled by f'(z), or stopped
            const double u = (t - 0.5) / 0.5;
            if (u < 0.5) { // the loss's gradient arriving at the output: whether it passes is decided at the curve
                dl->AddCircleFilled(lerp(exit, on_curve, u / 0.5), 3.0f, with_alpha(kFlowCurve, 0.75f), kParticleSegments);
            } else if (d == 0.0) {
                dl->AddCircle(on_curve, 3.5f, kFlowBlocked, kParticleSegments, 1.0f); // stopped: no gradient below this point
            } else {
                const float r = 1.5f + 2.5f * static_cast<float>(std::min(1.5, std::sqrt(std::fabs(d))));
                dl->AddCircleFilled(lerp(on_curve, bottom, (u - 0.5) / 0.5), r,
                                    with_alpha(kFlowPass, 0.35f + 0.6f * static_cast<float>(std::min(1.0, std::fabs(d)))),
                                    kParticleSegments);
            }
        }
    }

    // The numbers, computed by core over the same samples.
    const GradientPass pass = gradient_pass(act, samples);
    const bool none = pass.share == 0.0;
    ImGui::TextColored(none ? kFlowWarnText : kFlowPassText, "passes gradient: %.1f%% of samples", 100.0 * pass.share);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Share of the channel's pre-activations z with f'(z) != 0, i.e. the samples whose gradient reaches\n"
                          "the conv's weights and bias. 0%% means the channel cannot learn at this step.");
    ImGui::SameLine(0, 18);
    ImGui::Text("mean |f'(z)| %.3g", pass.mean_abs_derivative);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Mean absolute derivative of the activation over the samples: the factor by which the activation\n"
                          "scales the gradient on its way back, on average.");
    ImGui::TextColored(kFlowDimText, "recorded over the batch: z > 0 for %.1f%%; gradient norm = %.3g", 100.0 * rec->pre_frac_pos,
                       rec->grad_norm);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("From the telemetry, over the whole batch: the exact fraction of pre-activations above 0 (ReLU's\n"
                          "share of gradient, which the histogram's estimate should match to a bin) and the norm of the\n"
                          "gradient of the loss with respect to the channel's weights and bias at this step.");
    return hovered;
}

void draw_wh_head_graph(AppState& state, ImVec2 size) {
    const ReplayRun* run = state.replay.primary_run();
    ImGui::Text("Backward flow through the wh head%s", run != nullptr ? (" (" + run->name + ")").c_str() : "");
    help_marker("wh = act(conv(x)) * wh_offset_base, decoded into a box and trained with the GIoU loss. The gradient\n"
                "flows back from the loss along four channels (left, top, right, bottom); each lane is as wide as\n"
                "log10 of the channel's gradient norm recorded at this step (1e-6 .. 10). A channel with no\n"
                "gradient is drawn dark: nothing reaches its conv. 'dead since N': the run recorded the channel's death\n"
                "then (its output 0 for every sample from that step on); '0 this step': no gradient in this batch only.");
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##whgraph", size);
    remember_item_rect(state, "flow:graph");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRect(o, ImVec2(o.x + size.x, o.y + size.y), kFlowPanelFrame, 4);
    const telemetry::StepRecord* record = run != nullptr ? run->record_at(state.replay.timeline.step) : nullptr;
    if (record == nullptr) {
        dl->AddText(ImVec2(o.x + 10, o.y + 10), IM_COL32(150, 150, 150, 255), "No run loaded.");
        return;
    }
    const telemetry::StepRecord& rec = *record;
    const std::optional<Activation> act = run_activation(run->run().header.variant);
    const char* act_name = act ? activation_info(act->kind).name : run->run().header.variant.wh_act.c_str();
    char base[32];
    std::snprintf(base, sizeof base, "x %g", run->run().header.wh_offset_base);
    const char* nodes[] = {"conv 1x1", act_name, base, "box decode", "GIoU loss"};
    constexpr int kNodes = 5;
    const float left = o.x + 150, right = o.x + size.x - 10, top = o.y + 14, bottom = o.y + size.y - 12;
    const float node_w = std::min(66.0f, (right - left) / (kNodes + 0.8f * (kNodes - 1))); // narrow panels shrink the nodes
    const float gap = (right - left - node_w * kNodes) / (kNodes - 1);
    const float lane_y0 = top + 16, lane_dy = (bottom - lane_y0 - 8) / 4;
    const auto node_x = [&](int i) { return left + i * (node_w + gap); };

    // Lanes first (under the nodes), labelled on the left, then particles moving right to left.
    for (int c = 0; c < telemetry::kWhChannels; ++c) {
        const telemetry::WhChannelRecord* ch = telemetry::find_wh_channel(rec, c);
        const double g = ch != nullptr ? ch->grad_norm : 0.0;
        if (ch != nullptr && !std::isfinite(g)) { // a NaN/Inf gradient: say so, it is not a dead channel
            const float y = lane_y0 + lane_dy * (c + 0.5f);
            dl->AddLine(ImVec2(node_x(0) + node_w, y), ImVec2(node_x(4), y), kFlowDerivative, 1.5f);
            dl->AddText(ImVec2(o.x + 6, y - 7), kFlowDerivative, (std::string(wh_channel_name(c)) + ": grad non-finite").c_str());
            continue;
        }
        const float y = lane_y0 + lane_dy * (c + 0.5f);
        const bool dead = !(g > 0);
        const float width = dead ? 1.5f : 1.5f + 9.0f * static_cast<float>(std::clamp((std::log10(g) + 6.0) / 7.0, 0.0, 1.0));
        const ImU32 lane = dead ? IM_COL32(70, 70, 75, 255) : with_alpha(kFlowPass, 0.45f);
        dl->AddLine(ImVec2(node_x(0) + node_w, y), ImVec2(node_x(4), y), lane, width);
        if (!dead) {
            const std::string label = std::string(wh_channel_name(c)) + " " + short_number(g);
            dl->AddText(ImVec2(o.x + 6, y - 7), kFlowPass, label.c_str());
        }
        if (dead) {
            std::string since = std::string(wh_channel_name(c)) + ": 0 this step"; // e.g. every z < 0 in this batch only
            for (const DeathEpisode& e : run->deaths)
                if (e.channel == c && e.died_at <= state.replay.timeline.step &&
                    (e.revived_at < 0 || e.revived_at > state.replay.timeline.step))
                    since = std::string(wh_channel_name(c)) + ": dead since " + std::to_string(e.died_at);
            dl->AddText(ImVec2(o.x + 6, y - 7), IM_COL32(160, 160, 160, 255), since.c_str());
            // The particles that still arrive from the loss stop at the activation, grey.
            for (int k = 0; k < 3; ++k) {
                const double t = fract(state.flow.phase * 2 + k / 3.0);
                const float x = node_x(4) - static_cast<float>(t) * (node_x(4) - node_x(1) - node_w);
                dl->AddCircle(ImVec2(x, y), 3.0f, kFlowBlocked, kParticleSegments, 1.0f);
            }
            continue;
        }
        const int count = 2 + static_cast<int>(width / 2);
        for (int k = 0; k < count; ++k) {
            const double t = fract(state.flow.phase * 2 + static_cast<double>(k) / count);
            const float x = node_x(4) - static_cast<float>(t) * (node_x(4) - node_x(0) - node_w);
            dl->AddCircleFilled(ImVec2(x, y), 1.5f + width * 0.3f, with_alpha(kFlowPass, 0.9f), kParticleSegments);
        }
    }
    for (int i = 0; i < kNodes; ++i) {
        const ImVec2 a(node_x(i), top), b(node_x(i) + node_w, bottom);
        dl->AddRectFilled(a, b, IM_COL32(48, 52, 62, 235), 5);
        dl->AddRect(a, b, IM_COL32(255, 255, 255, 60), 5);
        const ImVec2 ts = ImGui::CalcTextSize(nodes[i]);
        dl->AddText(ImVec2(a.x + (node_w - ts.x) / 2, top + 2), IM_COL32(230, 230, 230, 255), nodes[i]);
    }
}

} // namespace deadzone::explorer
