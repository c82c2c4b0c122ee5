// Draws a frame by redrawing only the parts of the canvas that changed since the last one.
//
// Why: where there is no GPU (headless Chromium's SwiftShader: the CI, the 2-core test machine, a
// browser with GPU access blocked), every triangle and every filled pixel of a frame costs CPU time
// in the GPU process. A view of plots, tables and text is about 9k triangles, drawn whole at 30 fps
// on that machine (bench/flow_bench.mjs), while an animation there moves a few hundred of them.
//
// How: the canvas keeps its pixels between frames (WebGL's preserveDrawingBuffer, asked for by
// web/app.js). The frame is cut into square tiles (kTilePixels, in ImGui's coordinates); every tile
// gets a hash of the triangles that touch it, in drawing order: their vertices (position, UV,
// colour), clip rectangle and texture. Tiles whose hash changed since the last frame are merged into
// rectangles; those are cleared on the canvas and the triangles that touch them are drawn again with
// ImGui's OpenGL3 back-end, clipped to them. A frame where nothing changed makes no GL call at all.
// The pixels equal a full redraw's (tests/e2e/partial_redraw.test.mjs compares the two).
//
// Every clip rectangle is first snapped to the whole pixels the back-end's scissor covers, so cutting
// a command at a tile edge draws exactly the pixels the uncut command would.
//
// A frame is drawn in full instead when the canvas may not hold the last frame (the first frame, a
// size change, invalidate(), a context without preserveDrawingBuffer), when the framebuffer scale is
// not 1 or 2 (the snapped edges must be exact in floating point), when a texture other than the font atlas is drawn
// (an image can change under the same texture id, and pixels are not in the hash), for a draw
// callback, or when most tiles changed anyway.
#pragma once

#include "redraw_stats.h"

#include <imgui.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace deadzone::explorer {

class PartialRedraw {
public:
    // Tiles are this many ImGui units (CSS pixels) square: a particle's move dirties a few tiles,
    // and a 1280x800 canvas has 1000 of them to hash.
    static constexpr int kTilePixels = 32;

    // Draws `draw_data` (after ImGui::Render) onto the canvas, the default framebuffer, on a
    // background of `clear_rgba` (0..1). `allow_partial` false draws in full (a test switch); the
    // next partial frame then starts from that one. Needs the app's WebGL2 context current.
    RedrawStats render(ImDrawData& draw_data, const float clear_rgba[4], bool allow_partial);
    // The canvas may have lost its pixels (a window event, a context restored): the next frame is
    // drawn in full.
    void invalidate() { base_valid_ = false; }

private:
    struct Rect {
        int x0, y0, x1, y1; // tiles, [x0, x1) x [y0, y1)
    };
    void hash_tiles(const ImDrawData& draw_data, std::vector<std::uint64_t>& hashes) const;
    std::vector<Rect> dirty_rects(int& dirty_tiles) const;
    int build_filtered(const ImDrawData& draw_data, const std::vector<Rect>& rects);
    void clear_rects(const float clear_rgba[4], const std::vector<Rect>& rects, int scale) const;
    void draw_filtered(const ImDrawData& draw_data);

    int fb_width_ = 0, fb_height_ = 0;
    int canvas_preserved_ = -1; // the context's preserveDrawingBuffer: -1 not asked yet, 0 no, 1 yes
    int cols_ = 0, rows_ = 0;
    bool base_valid_ = false; // the canvas holds the last frame, drawn from hashes_
    std::vector<std::uint64_t> hashes_, next_hashes_;
    // The dirty parts of the frame as draw lists, reused across frames (their buffers keep capacity).
    std::vector<std::unique_ptr<ImDrawList>> filtered_lists_;
};

} // namespace deadzone::explorer
