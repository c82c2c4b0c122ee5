#include "plot.h"

#include "deadzone/axis_ticks.h"
#include "deadzone/decimate.h"
#include "deadzone/polyline.h"

#include <imgui_internal.h> // SetItemKeyOwner: the wheel zooms the plot instead of scrolling the view

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace deadzone::explorer {

namespace {

constexpr float kLeftMargin = kPlotLeftMargin, kBottomMargin = 18, kTopMargin = 4, kRightMargin = kPlotRightMargin;
// Series are decimated into columns this many pixels wide: half the vertices of one-pixel columns,
// and at this density a line looks the same (the vertex count sets the frame rate; see stroke()).
constexpr int kColumnPixels = 2;
constexpr float kSimplifyPixels = 0.35f; // well under a line's width
constexpr double kLogFloor = 1e-12;      // log axes clamp values <= 0 here (drawn at the bottom)
const ImU32 kGrid = IM_COL32(255, 255, 255, 22), kAxisText = IM_COL32(160, 165, 175, 255), kZero = IM_COL32(255, 120, 100, 150),
            kCursor = IM_COL32(255, 255, 255, 170), kNonFinite = IM_COL32(255, 70, 70, 255), kFrame = IM_COL32(255, 255, 255, 40);

// Maps data to pixels inside the plot's inner rectangle.
struct Mapping {
    ImVec2 a, b;           // inner rectangle
    double x0, x1, y0, y1; // y0, y1 already log10 on a log axis
    bool log_y;
    float px(double x) const { return a.x + static_cast<float>((x - x0) / (x1 - x0)) * (b.x - a.x); }
    double ty(double y) const { return log_y ? std::log10(std::max(y, kLogFloor)) : y; }
    float py(double y) const { return b.y - static_cast<float>((ty(y) - y0) / (y1 - y0)) * (b.y - a.y); }
    double x_at(float px_) const { return x0 + (px_ - a.x) / (b.x - a.x) * (x1 - x0); }
};

struct Decimated {
    std::vector<PlotColumn> cols;
    std::size_t first = 0, last = 0; // visible point indices [first, last)
};

Decimated decimate(const double* x, const double* y, std::size_t n, const PlotXRange& r, int columns) {
    Decimated d;
    d.cols = decimate_min_max(x, y, n, r.min, std::nextafter(r.max, INFINITY), columns);
    d.first = static_cast<std::size_t>(std::lower_bound(x, x + n, r.min) - x);
    d.last = static_cast<std::size_t>(std::upper_bound(x, x + n, r.max) - x);
    return d;
}

void grow(double& lo, double& hi, double v, bool log_y) {
    if (!std::isfinite(v) || (log_y && v <= 0)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
}

// The value of a series at the last point with x <= at (the read-out), or NaN.
double value_at(const double* x, const double* y, std::size_t n, double at) {
    const double* it = std::upper_bound(x, x + n, at);
    return it == x ? std::numeric_limits<double>::quiet_NaN() : y[it - x - 1];
}

// Lines are drawn as few long polylines, never one AddLine per segment: ImGui shares the vertices of
// a polyline's joints, and an integer width takes its textured anti-aliasing path (2 vertices per
// point instead of 8 per separate segment). With a software GPU the vertex count sets the frame rate
// (bench/flow_bench.mjs), and plots are most of a frame's vertices.
// Points within kSimplifyPixels of the line anyway are dropped first (core's simplify_polyline):
// a flat stretch (a dead channel's zeros) then costs one point per 65 columns instead of one each.
void stroke(ImDrawList* dl, std::vector<ImVec2>& points, ImU32 colour, float thickness) {
    if (points.size() > 2) {
        std::vector<Point2f> simple(points.size());
        for (std::size_t i = 0; i < points.size(); ++i) simple[i] = {points[i].x, points[i].y};
        simple.resize(simplify_polyline(simple.data(), simple.size(), kSimplifyPixels));
        points.resize(simple.size());
        for (std::size_t i = 0; i < simple.size(); ++i) points[i] = ImVec2(simple[i].x, simple[i].y);
    }
    if (points.size() >= 2) dl->AddPolyline(points.data(), static_cast<int>(points.size()), colour, ImDrawFlags_None, thickness);
    else if (points.size() == 1) dl->AddCircleFilled(points[0], 2.5f, colour, 8);
    points.clear();
}

void draw_line(ImDrawList* dl, const Mapping& m, const PlotLine& line, const Decimated& d) {
    const int columns = static_cast<int>(d.cols.size());
    const float thickness = std::max(1.0f, std::round(line.thickness));
    std::vector<ImVec2> points;
    if (d.last - d.first <= static_cast<std::size_t>(columns)) {
        // Few points: join the real points (a NaN breaks the line).
        points.reserve(d.last - d.first + 2);
        const std::size_t begin = d.first > 0 ? d.first - 1 : 0, end = std::min(line.n, d.last + 1);
        for (std::size_t i = begin; i < end; ++i) {
            if (!std::isfinite(line.y[i])) {
                stroke(dl, points, line.colour, thickness);
                continue;
            }
            points.emplace_back(m.px(line.x[i]), m.py(line.y[i]));
        }
        stroke(dl, points, line.colour, thickness);
        return;
    }
    // Many points: per column a vertical stroke over its min..max, entered from the end nearer the
    // column's first value, so one polyline covers every pixel the points would.
    points.reserve(2 * static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
        const PlotColumn& col = d.cols[static_cast<std::size_t>(c)];
        if (col.finite == 0) {
            if (col.count > 0) stroke(dl, points, line.colour, thickness); // a NaN column breaks the line
            continue;
        }
        const float x = m.a.x + (c + 0.5f) * kColumnPixels, y_min = m.py(col.y_min), y_max = m.py(col.y_max);
        const bool down_first = std::fabs(m.py(col.y_first) - y_max) < std::fabs(m.py(col.y_first) - y_min);
        points.emplace_back(x, down_first ? y_max : y_min);
        if (std::fabs(y_min - y_max) >= 1.0f) points.emplace_back(x, down_first ? y_min : y_max); // else one point will do
    }
    stroke(dl, points, line.colour, thickness);
}

// The band as one triangle strip over its columns (or its points): 2 vertices per column.
void draw_band(ImDrawList* dl, const Mapping& m, const PlotBand& band, const Decimated& lo, const Decimated& hi) {
    std::vector<ImVec2> top, bottom; // one contiguous run of finite columns
    const auto flush = [&]() {
        const int n = static_cast<int>(top.size());
        if (n >= 2) {
            dl->PrimReserve(6 * (n - 1), 2 * n);
            const ImVec2 uv = dl->_Data->TexUvWhitePixel;
            const ImDrawIdx base = static_cast<ImDrawIdx>(dl->_VtxCurrentIdx);
            for (int i = 0; i < n; ++i) {
                dl->PrimWriteVtx(top[static_cast<std::size_t>(i)], uv, band.colour);
                dl->PrimWriteVtx(bottom[static_cast<std::size_t>(i)], uv, band.colour);
            }
            for (int i = 0; i + 1 < n; ++i) {
                const ImDrawIdx t0 = static_cast<ImDrawIdx>(base + 2 * i), b0 = static_cast<ImDrawIdx>(t0 + 1);
                const ImDrawIdx t1 = static_cast<ImDrawIdx>(t0 + 2), b1 = static_cast<ImDrawIdx>(t0 + 3);
                dl->PrimWriteIdx(t0), dl->PrimWriteIdx(t1), dl->PrimWriteIdx(b1);
                dl->PrimWriteIdx(t0), dl->PrimWriteIdx(b1), dl->PrimWriteIdx(b0);
            }
        } else if (n == 1) { // a lone column or point: one pixel wide
            dl->AddRectFilled(ImVec2(top[0].x - 0.5f, top[0].y), ImVec2(top[0].x + 0.5f, bottom[0].y), band.colour);
        }
        top.clear();
        bottom.clear();
    };
    if (lo.last - lo.first <= lo.cols.size()) { // few points: between neighbours
        const std::size_t begin = lo.first > 0 ? lo.first - 1 : 0, end = std::min(band.n, lo.last + 1);
        for (std::size_t i = begin; i < end; ++i) {
            if (!std::isfinite(band.lo[i]) || !std::isfinite(band.hi[i])) {
                flush();
                continue;
            }
            const float x = m.px(band.x[i]);
            top.emplace_back(x, m.py(band.hi[i]));
            bottom.emplace_back(x, m.py(band.lo[i]));
        }
        flush();
        return;
    }
    for (std::size_t c = 0; c < lo.cols.size(); ++c) {
        if (lo.cols[c].finite == 0 || hi.cols[c].finite == 0) {
            flush();
            continue;
        }
        const float x = m.a.x + (c + 0.5f) * kColumnPixels;
        top.emplace_back(x, m.py(hi.cols[c].y_max));
        bottom.emplace_back(x, std::max(m.py(lo.cols[c].y_min), m.py(hi.cols[c].y_max) + 1)); // at least a pixel tall
    }
    flush();
}

void draw_axes(ImDrawList* dl, const Mapping& m, bool log_y, bool zero_line) {
    const int max_x = std::max(2, static_cast<int>((m.b.x - m.a.x) / 90));
    const AxisTicks xt = linear_ticks(m.x0, m.x1, max_x);
    for (double v : xt.values) {
        const float x = m.px(v);
        dl->AddLine(ImVec2(x, m.a.y), ImVec2(x, m.b.y), kGrid);
        const std::string label = format_tick(v, xt.step);
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        dl->AddText(ImVec2(x - w * 0.5f, m.b.y + 2), kAxisText, label.c_str());
    }
    const int max_y = std::max(2, static_cast<int>((m.b.y - m.a.y) / 28));
    const AxisTicks yt = log_y ? log_ticks(std::pow(10.0, m.y0), std::pow(10.0, m.y1), max_y) : linear_ticks(m.y0, m.y1, max_y);
    for (double v : yt.values) {
        const float y = m.py(v);
        dl->AddLine(ImVec2(m.a.x, y), ImVec2(m.b.x, y), kGrid);
        const std::string label = format_tick(v, yt.step);
        const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
        dl->AddText(ImVec2(m.a.x - ts.x - 4, y - ts.y * 0.5f), kAxisText, label.c_str());
    }
    if (zero_line && !log_y && m.y0 < 0 && m.y1 > 0) dl->AddLine(ImVec2(m.a.x, m.py(0)), ImVec2(m.b.x, m.py(0)), kZero, 1.5f);
    dl->AddRect(m.a, m.b, kFrame);
}

void draw_legend(ImDrawList* dl, const Mapping& m, const PlotSpec& spec) {
    float x = m.a.x + 6;
    const float y = m.a.y + 3, sw = ImGui::GetTextLineHeight() * 0.6f;
    const auto entry = [&](const std::string& label, ImU32 colour) {
        if (label.empty()) return;
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        dl->AddRectFilled(ImVec2(x - 2, y - 1), ImVec2(x + sw + 6 + w + 2, y + ImGui::GetTextLineHeight() + 1),
                          IM_COL32(20, 22, 26, 235));
        dl->AddRectFilled(ImVec2(x, y + sw * 0.4f), ImVec2(x + sw, y + sw * 1.4f), colour | IM_COL32_A_MASK);
        dl->AddText(ImVec2(x + sw + 4, y), IM_COL32(220, 222, 228, 255), label.c_str());
        x += sw + 14 + w;
    };
    for (const PlotBand& b : spec.bands) entry(b.label, b.colour);
    for (const PlotLine& l : spec.lines) entry(l.label, l.colour);
}

void handle_zoom_and_pan(const Mapping& m, PlotXRange& range, bool hovered, bool active) {
    const ImGuiIO& io = ImGui::GetIO();
    const double span = range.max - range.min, full = std::max(1.0, range.data_max - range.data_min);
    double lo = range.min, hi = range.max;
    if (hovered && io.MouseWheel != 0.0f) {
        const double at = m.x_at(io.MousePos.x), f = std::pow(0.85, io.MouseWheel);
        lo = at - (at - range.min) * f;
        hi = at + (range.max - at) * f;
    }
    if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 3.0f)) {
        const double dx = -io.MouseDelta.x / (m.b.x - m.a.x) * span;
        lo += dx;
        hi += dx;
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) lo = range.data_min, hi = range.data_max;
    if (lo == range.min && hi == range.max) return;
    hi = std::max(hi, lo + std::min(4.0, full)); // at least a few steps wide
    if (hi - lo > full) lo = range.data_min, hi = range.data_max;
    if (lo < range.data_min) hi += range.data_min - lo, lo = range.data_min;
    if (hi > range.data_max) lo -= hi - range.data_max, hi = range.data_max;
    range.min = std::max(range.data_min, lo);
    range.max = hi;
    range.changed = true;
}

void hover_readout(ImDrawList* dl, const Mapping& m, const PlotSpec& spec) {
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (mouse.x < m.a.x || mouse.x > m.b.x) return;
    dl->AddLine(ImVec2(mouse.x, m.a.y), ImVec2(mouse.x, m.b.y), IM_COL32(255, 255, 255, 60));
    const double at = m.x_at(mouse.x);
    ImGui::BeginTooltip();
    ImGui::Text("step %.0f", std::floor(at));
    for (const PlotBand& b : spec.bands)
        if (!b.label.empty())
            ImGui::TextColored(ImColor(b.colour | IM_COL32_A_MASK), "%s: %.4g .. %.4g", b.label.c_str(),
                               value_at(b.x, b.lo, b.n, at), value_at(b.x, b.hi, b.n, at));
    for (const PlotLine& l : spec.lines) {
        const double v = value_at(l.x, l.y, l.n, at);
        if (std::isfinite(v)) ImGui::TextColored(ImColor(l.colour), "%s: %.5g", l.label.c_str(), v);
        else ImGui::TextColored(ImColor(kNonFinite), "%s: %s", l.label.c_str(), std::isnan(v) ? "NaN / none" : "Inf");
    }
    for (const PlotMarker& mk : spec.markers)
        if (std::abs(m.px(mk.x) - mouse.x) <= 4) ImGui::TextColored(ImColor(mk.colour), "%s", mk.text.c_str());
    ImGui::EndTooltip();
}

} // namespace

PlotResult plot(const PlotSpec& spec, PlotXRange& range, ImVec2 size) {
    PlotResult result;
    ImGui::PushID(spec.id);
    ImGui::TextUnformatted(spec.title);
    if (spec.tooltip[0] != '\0' && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", spec.tooltip);
    if (spec.log_y != nullptr) {
        ImGui::SameLine();
        if (ImGui::SmallButton(*spec.log_y ? "log y" : "linear y")) *spec.log_y = !*spec.log_y;
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Switch the y axis between linear and log (values <= 0 are not drawn on log)");
    }
    const bool log_y = spec.log_y != nullptr && *spec.log_y;
    const float width = size.x > 0 ? size.x : ImGui::GetContentRegionAvail().x;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("area", ImVec2(width, size.y));
    ImGui::SetItemKeyOwner(ImGuiKey_MouseWheelY);
    result.hovered = ImGui::IsItemHovered();
    const bool active = ImGui::IsItemActive();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    Mapping m{ImVec2(origin.x + kLeftMargin, origin.y + kTopMargin),
              ImVec2(origin.x + width - kRightMargin, origin.y + size.y - kBottomMargin),
              range.min,
              range.max,
              0,
              1,
              log_y};
    const int columns = std::max(1, static_cast<int>(m.b.x - m.a.x) / kColumnPixels);
    if (!(m.x1 > m.x0)) m.x1 = m.x0 + 1;

    // Decimate everything once; the visible columns also give the y range.
    std::vector<Decimated> lines, band_lo, band_hi;
    double lo = INFINITY, hi = -INFINITY;
    for (const PlotLine& l : spec.lines) {
        lines.push_back(decimate(l.x, l.y, l.n, range, columns));
        for (const PlotColumn& c : lines.back().cols)
            if (c.finite > 0) grow(lo, hi, c.y_min, log_y), grow(lo, hi, c.y_max, log_y);
        // Neighbours just outside the range keep the lines' ends in view.
        if (lines.back().first > 0) grow(lo, hi, l.y[lines.back().first - 1], log_y);
    }
    for (const PlotBand& b : spec.bands) {
        band_lo.push_back(decimate(b.x, b.lo, b.n, range, columns));
        band_hi.push_back(decimate(b.x, b.hi, b.n, range, columns));
        for (const PlotColumn& c : band_lo.back().cols)
            if (c.finite > 0) grow(lo, hi, c.y_min, log_y);
        for (const PlotColumn& c : band_hi.back().cols)
            if (c.finite > 0) grow(lo, hi, c.y_max, log_y);
    }
    if (spec.zero_line && !log_y && std::isfinite(lo)) grow(lo, hi, 0.0, false);
    // No background fill: the old one was within a few levels of the window behind it, and with a
    // software GPU every filled pixel costs (bench/flow_bench.mjs). The frame marks the plot area.
    if (!(hi >= lo)) {
        const char* text = "no data in this range";
        dl->AddText(ImVec2(m.a.x + 8, m.a.y + 8), kAxisText, text);
        dl->AddRect(m.a, m.b, kFrame);
        ImGui::PopID();
        return result;
    }
    m.y0 = m.ty(lo);
    m.y1 = m.ty(hi);
    const double pad = m.y1 > m.y0 ? (m.y1 - m.y0) * 0.06 : std::max(std::abs(m.y0) * 0.1, 1e-6);
    m.y0 -= pad;
    m.y1 += pad;

    dl->PushClipRect(origin, ImVec2(origin.x + width, origin.y + size.y), true);
    draw_axes(dl, m, log_y, spec.zero_line);
    dl->PushClipRect(m.a, m.b, true);
    for (std::size_t i = 0; i < spec.bands.size(); ++i) draw_band(dl, m, spec.bands[i], band_lo[i], band_hi[i]);
    for (std::size_t i = 0; i < spec.lines.size(); ++i) {
        draw_line(dl, m, spec.lines[i], lines[i]);
        for (std::size_t c = 0; c < lines[i].cols.size(); ++c) // NaN/Inf: never decimated away
            if (lines[i].cols[c].nonfinite) {
                const float x = m.a.x + (c + 0.5f) * kColumnPixels;
                dl->AddTriangleFilled(ImVec2(x - 4, m.a.y), ImVec2(x + 4, m.a.y), ImVec2(x, m.a.y + 7), kNonFinite);
            }
    }
    for (const PlotMarker& mk : spec.markers) {
        const float x = m.px(mk.x);
        for (float y = m.a.y; y < m.b.y; y += 6)
            dl->AddRectFilled(ImVec2(x - 0.75f, y), ImVec2(x + 0.75f, std::min(y + 3, m.b.y)), mk.colour);
    }
    if (spec.has_cursor && spec.cursor_x >= m.x0 && spec.cursor_x <= m.x1) {
        const float x = m.px(spec.cursor_x);
        dl->AddLine(ImVec2(x, m.a.y), ImVec2(x, m.b.y), kCursor, 1.0f);
    }
    dl->PopClipRect();
    draw_legend(dl, m, spec);
    dl->PopClipRect();

    if (result.hovered && !active) hover_readout(dl, m, spec);
    handle_zoom_and_pan(m, range, result.hovered, active);
    if (ImGui::IsItemDeactivated() && !ImGui::IsMouseDragPastThreshold(ImGuiMouseButton_Left, 3.0f) &&
        !ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
        result.clicked = true;
        result.click_x = std::round(m.x_at(ImGui::GetIO().MousePos.x));
    }
    ImGui::PopID();
    return result;
}

} // namespace deadzone::explorer
