// DeadZone's plot widget for ImGui (ImPlot is not available here): line series and min/max bands
// over steps, with axes and nice ticks (core's axis_ticks.h), hover read-out, legend, event
// markers, a step cursor, zoom (mouse wheel) and pan (drag) on the x axis, and linear or log y.
//
// Long series are decimated into 2-pixel columns with core's decimate_min_max, so a plot costs time in
// proportion to its width, not its point count; a NaN/Inf in a column is always marked.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

// The plot area's margins inside the widget (axis labels on the left): strips drawn under plots use
// them to line up with the plots' step axis.
constexpr float kPlotLeftMargin = 58, kPlotRightMargin = 10;

struct PlotLine {
    std::string label;         // legend and read-out
    const double* x = nullptr; // ascending steps
    const double* y = nullptr;
    std::size_t n = 0;
    ImU32 colour = IM_COL32_WHITE;
    float thickness = 2.0f; // pixels, rounded to a whole number (see plot.cpp's stroke)
};

// A filled band between lo and hi (e.g. pre-activation min..max), drawn under the lines.
struct PlotBand {
    std::string label;
    const double* x = nullptr;
    const double* lo = nullptr;
    const double* hi = nullptr;
    std::size_t n = 0;
    ImU32 colour = IM_COL32(255, 255, 255, 60);
};

// A vertical marker at a step (an event: death, NaN, rollback, ...), with its hover text.
struct PlotMarker {
    double x = 0;
    ImU32 colour = IM_COL32_WHITE;
    std::string text;
};

// The x range every plot of a view shares (zooming one zooms all, so they stay aligned).
struct PlotXRange {
    double min = 0, max = 1;           // visible range
    double data_min = 0, data_max = 1; // full extent, for reset and clamping
    bool changed = false;              // set when the user zoomed or panned this frame
};

struct PlotSpec {
    const char* id = "plot";
    const char* title = "";
    const char* tooltip = ""; // shown when hovering the title: what the plot means
    std::vector<PlotBand> bands;
    std::vector<PlotLine> lines;
    std::vector<PlotMarker> markers;
    // Log y axis: the widget draws a lin/log toggle beside the title and flips *log_y (the caller
    // keeps the setting); null for a linear-only plot (values that cross zero).
    bool* log_y = nullptr;
    bool zero_line = false; // a highlighted y = 0 (the ReLU boundary)
    double cursor_x = 0;    // the timeline's step, drawn as a vertical line
    bool has_cursor = true;
};

struct PlotResult {
    bool clicked = false; // a click without drag: x of the click (a step) in click_x
    double click_x = 0;
    bool hovered = false;
};

// Draws the plot into a box of `size` (pixels; x <= 0 takes the available width).
PlotResult plot(const PlotSpec& spec, PlotXRange& range, ImVec2 size);

} // namespace deadzone::explorer
