#include "partial_redraw.h"

#include <GLES3/gl3.h>
#include <emscripten/html5_webgl.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace deadzone::explorer {

namespace {

// Most tiles changed: drawing the frame whole costs less than filtering it.
constexpr double kFullRedrawShare = 0.75;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    // boost::hash_combine's step, then part of SplitMix64's finaliser to spread the bits:
    // order-sensitive, so the same triangles drawn in another order (another z-order) differ.
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    return h;
}

std::uint64_t bits(float f) {
    std::uint32_t u = 0;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

std::uint64_t vertex_hash(const ImDrawVert& v) {
    return (bits(v.pos.x) << 32 | bits(v.pos.y)) ^ mix(bits(v.uv.x) << 32 | bits(v.uv.y), v.col);
}

struct Box {
    float x0, y0, x1, y1;
    bool empty() const { return !(x1 > x0 && y1 > y0); }
    Box intersect(const Box& o) const { return {std::max(x0, o.x0), std::max(y0, o.y0), std::min(x1, o.x1), std::min(y1, o.y1)}; }
    bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// The pixels the back-end's scissor covers for this command, in ImGui units: it truncates the
// corner and the size separately (imgui_impl_opengl3.cpp, RenderDrawData), so a fractional clip
// rectangle covers whole pixels that its float edges do not say. Exact for a scale of 1 or 2.
Box scissor_box(const ImDrawCmd& cmd, const ImDrawData& draw_data, int fb_height) {
    const ImVec2 o = draw_data.DisplayPos;
    const float s = draw_data.FramebufferScale.x;
    const ImVec4& c = cmd.ClipRect;
    const float min_x = (c.x - o.x) * s, min_y = (c.y - o.y) * s, max_x = (c.z - o.x) * s, max_y = (c.w - o.y) * s;
    if (!(max_x > min_x && max_y > min_y)) return {0, 0, 0, 0}; // the back-end skips it
    const int x = static_cast<int>(min_x), w = static_cast<int>(max_x - min_x);
    const int gl_y = static_cast<int>(static_cast<float>(fb_height) - max_y), h = static_cast<int>(max_y - min_y);
    const int top = fb_height - gl_y - h, bottom = fb_height - gl_y; // rows from the top
    return {o.x + x / s, o.y + top / s, o.x + (x + w) / s, o.y + bottom / s};
}

Box triangle_box(const ImDrawList& list, const ImDrawCmd& cmd, unsigned first_index) {
    const ImVec2& a = list.VtxBuffer[cmd.VtxOffset + list.IdxBuffer[first_index]].pos;
    const ImVec2& b = list.VtxBuffer[cmd.VtxOffset + list.IdxBuffer[first_index + 1]].pos;
    const ImVec2& c = list.VtxBuffer[cmd.VtxOffset + list.IdxBuffer[first_index + 2]].pos;
    return {std::min({a.x, b.x, c.x}), std::min({a.y, b.y, c.y}), std::max({a.x, b.x, c.x}), std::max({a.y, b.y, c.y})};
}

std::uint64_t triangle_hash(const ImDrawList& list, const ImDrawCmd& cmd, unsigned first_index, std::uint64_t cmd_hash) {
    std::uint64_t h = cmd_hash;
    for (unsigned k = 0; k < 3; ++k) h = mix(h, vertex_hash(list.VtxBuffer[cmd.VtxOffset + list.IdxBuffer[first_index + k]]));
    return h;
}

// The tile (0..count-1) holding coordinate v (ImGui units from the display's origin); NaN gives 0.
int tile_of(float v, int count) {
    const float t = std::floor(v / PartialRedraw::kTilePixels);
    return t >= 0 ? static_cast<int>(std::min(t, static_cast<float>(count - 1))) : 0;
}

// Whether the frame can only be drawn in full (see the header: textures and callbacks).
bool needs_full_redraw(const ImDrawData& draw_data) {
    const ImTextureID font_atlas = ImGui::GetIO().Fonts->TexID;
    for (int n = 0; n < draw_data.CmdListsCount; ++n)
        for (const ImDrawCmd& cmd : draw_data.CmdLists[n]->CmdBuffer)
            if (cmd.UserCallback != nullptr || cmd.GetTexID() != font_atlas) return true;
    return false;
}

// Scales whose snapped clip edges (whole pixels divided by the scale) are exact floats.
bool exact_scale(const ImDrawData& d) {
    return d.FramebufferScale.x == d.FramebufferScale.y && (d.FramebufferScale.x == 1.0f || d.FramebufferScale.x == 2.0f);
}

// Whether the canvas keeps its pixels from one frame to the next (WebGL's preserveDrawingBuffer,
// which web/app.js asks for). Without it the browser may clear the canvas after showing a frame.
bool canvas_preserved() {
    EmscriptenWebGLContextAttributes attributes;
    const EMSCRIPTEN_WEBGL_CONTEXT_HANDLE context = emscripten_webgl_get_current_context();
    return context != 0 && emscripten_webgl_get_context_attributes(context, &attributes) == EMSCRIPTEN_RESULT_SUCCESS &&
           attributes.preserveDrawingBuffer;
}

} // namespace

// One hash per tile over every triangle whose bounding box, inside its command's scissor, touches
// the tile. Conservative: a triangle that only grazes a tile's edge still counts for it.
void PartialRedraw::hash_tiles(const ImDrawData& draw_data, std::vector<std::uint64_t>& hashes) const {
    hashes.assign(static_cast<std::size_t>(cols_) * rows_, 0);
    const ImVec2 origin = draw_data.DisplayPos;
    for (int n = 0; n < draw_data.CmdListsCount; ++n) {
        const ImDrawList& list = *draw_data.CmdLists[n];
        for (const ImDrawCmd& cmd : list.CmdBuffer) {
            const Box clip = scissor_box(cmd, draw_data, fb_height_);
            if (clip.empty()) continue;
            const std::uint64_t cmd_hash = mix(mix(bits(clip.x0) << 32 | bits(clip.y0), bits(clip.x1) << 32 | bits(clip.y1)),
                                               static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(cmd.GetTexID())));
            for (unsigned i = cmd.IdxOffset; i + 2 < cmd.IdxOffset + cmd.ElemCount; i += 3) {
                const Box box = triangle_box(list, cmd, i).intersect(clip);
                if (!(box.x1 >= box.x0 && box.y1 >= box.y0)) continue; // outside its scissor: never drawn
                const std::uint64_t tri = triangle_hash(list, cmd, i, cmd_hash);
                const int tx0 = tile_of(box.x0 - origin.x, cols_), tx1 = tile_of(box.x1 - origin.x, cols_);
                const int ty0 = tile_of(box.y0 - origin.y, rows_), ty1 = tile_of(box.y1 - origin.y, rows_);
                for (int ty = ty0; ty <= ty1; ++ty)
                    for (int tx = tx0; tx <= tx1; ++tx) {
                        std::uint64_t& h = hashes[static_cast<std::size_t>(ty) * cols_ + tx];
                        h = mix(h, tri);
                    }
            }
        }
    }
}

// The changed tiles as disjoint rectangles: runs along each row, merged down the rows while a run
// has the same span as one in the row above.
std::vector<PartialRedraw::Rect> PartialRedraw::dirty_rects(int& dirty_tiles) const {
    std::vector<Rect> rects;
    dirty_tiles = 0;
    const auto changed = [&](int x, int y) {
        const std::size_t t = static_cast<std::size_t>(y) * cols_ + x;
        return hashes_[t] != next_hashes_[t];
    };
    for (int y = 0; y < rows_; ++y)
        for (int x = 0; x < cols_;) {
            if (!changed(x, y)) {
                ++x;
                continue;
            }
            int end = x;
            while (end < cols_ && changed(end, y)) ++end;
            dirty_tiles += end - x;
            const auto above =
                std::find_if(rects.begin(), rects.end(), [&](const Rect& r) { return r.x0 == x && r.x1 == end && r.y1 == y; });
            if (above != rects.end()) above->y1 = y + 1;
            else rects.push_back({x, y, end, y + 1});
            x = end;
        }
    return rects;
}

// Fills filtered_lists_ with, for each command and each rectangle it reaches, the command clipped to
// its scissor and the rectangle, with only its triangles that touch both. A list with no piece is
// left empty (its vertices are not copied). Returns the triangles kept.
int PartialRedraw::build_filtered(const ImDrawData& draw_data, const std::vector<Rect>& rects) {
    const ImVec2 origin = draw_data.DisplayPos;
    while (static_cast<int>(filtered_lists_.size()) < draw_data.CmdListsCount)
        filtered_lists_.push_back(std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData()));
    const auto area_of = [&](const Rect& r) {
        return Box{origin.x + static_cast<float>(r.x0 * kTilePixels), origin.y + static_cast<float>(r.y0 * kTilePixels),
                   origin.x + static_cast<float>(r.x1 * kTilePixels), origin.y + static_cast<float>(r.y1 * kTilePixels)};
    };
    int kept = 0;
    for (int n = 0; n < draw_data.CmdListsCount; ++n) {
        const ImDrawList& list = *draw_data.CmdLists[n];
        ImDrawList& out = *filtered_lists_[static_cast<std::size_t>(n)];
        out.CmdBuffer.resize(0);
        out.IdxBuffer.resize(0);
        for (const ImDrawCmd& cmd : list.CmdBuffer)
            for (const Rect& r : rects) {
                const Box clip = scissor_box(cmd, draw_data, fb_height_).intersect(area_of(r));
                if (clip.empty()) continue;
                ImDrawCmd piece = cmd;
                piece.ClipRect = ImVec4(clip.x0, clip.y0, clip.x1, clip.y1);
                piece.IdxOffset = static_cast<unsigned>(out.IdxBuffer.Size);
                for (unsigned i = cmd.IdxOffset; i + 2 < cmd.IdxOffset + cmd.ElemCount; i += 3)
                    if (triangle_box(list, cmd, i).overlaps(clip))
                        for (unsigned k = 0; k < 3; ++k) out.IdxBuffer.push_back(list.IdxBuffer[i + k]);
                piece.ElemCount = static_cast<unsigned>(out.IdxBuffer.Size) - piece.IdxOffset;
                if (piece.ElemCount == 0) continue;
                kept += static_cast<int>(piece.ElemCount / 3);
                out.CmdBuffer.push_back(piece);
            }
        // The vertices, only for a list that draws something; resize keeps the buffer's capacity.
        out.VtxBuffer.resize(out.CmdBuffer.empty() ? 0 : list.VtxBuffer.Size);
        if (!out.CmdBuffer.empty())
            std::memcpy(out.VtxBuffer.Data, list.VtxBuffer.Data, sizeof(ImDrawVert) * list.VtxBuffer.Size);
    }
    return kept;
}

// Clears the rectangles of tiles on the canvas (in its pixels: tile edges times the whole scale).
void PartialRedraw::clear_rects(const float clear_rgba[4], const std::vector<Rect>& rects, int scale) const {
    glClearColor(clear_rgba[0], clear_rgba[1], clear_rgba[2], clear_rgba[3]);
    glEnable(GL_SCISSOR_TEST);
    for (const Rect& r : rects) {
        const int x0 = r.x0 * kTilePixels * scale, x1 = std::min(fb_width_, r.x1 * kTilePixels * scale);
        const int y0 = r.y0 * kTilePixels * scale, y1 = std::min(fb_height_, r.y1 * kTilePixels * scale);
        glScissor(x0, fb_height_ - y1, x1 - x0, y1 - y0);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    glDisable(GL_SCISSOR_TEST);
}

// Draws filtered_lists_. Only the lists with something to draw: the back-end uploads every list it
// is given, and an empty one reaches WebGL as bufferData(..., length 0), which WebGL 2 reads as "the
// rest of the wasm heap" (tens of MB copied, hundreds of ms with a software GPU).
void PartialRedraw::draw_filtered(const ImDrawData& draw_data) {
    ImDrawData filtered = draw_data;
    filtered.CmdLists.resize(0);
    for (int n = 0; n < draw_data.CmdListsCount; ++n)
        if (!filtered_lists_[static_cast<std::size_t>(n)]->CmdBuffer.empty())
            filtered.CmdLists.push_back(filtered_lists_[static_cast<std::size_t>(n)].get());
    filtered.CmdListsCount = filtered.CmdLists.Size;
    ImGui_ImplOpenGL3_RenderDrawData(&filtered);
}

RedrawStats PartialRedraw::render(ImDrawData& draw_data, const float clear_rgba[4], bool allow_partial) {
    RedrawStats stats;
    const int fb_width = static_cast<int>(draw_data.DisplaySize.x * draw_data.FramebufferScale.x);
    const int fb_height = static_cast<int>(draw_data.DisplaySize.y * draw_data.FramebufferScale.y);
    if (fb_width <= 0 || fb_height <= 0) {
        base_valid_ = false; // a canvas of no size holds nothing to build on
        return stats;
    }
    if (fb_width != fb_width_ || fb_height != fb_height_) base_valid_ = false; // a resized canvas is blank
    fb_width_ = fb_width;
    fb_height_ = fb_height;
    cols_ = static_cast<int>(std::ceil(draw_data.DisplaySize.x / kTilePixels));
    rows_ = static_cast<int>(std::ceil(draw_data.DisplaySize.y / kTilePixels));
    stats.tiles = cols_ * rows_;
    stats.triangles = draw_data.TotalIdxCount / 3;

    hash_tiles(draw_data, next_hashes_);
    if (canvas_preserved_ < 0) canvas_preserved_ = canvas_preserved() ? 1 : 0; // fixed for the context's life
    bool full = !allow_partial || canvas_preserved_ == 0 || !base_valid_ || hashes_.size() != next_hashes_.size() ||
                !exact_scale(draw_data) || needs_full_redraw(draw_data);
    std::vector<Rect> rects;
    if (!full) {
        rects = dirty_rects(stats.dirty_tiles);
        full = stats.dirty_tiles > kFullRedrawShare * stats.tiles;
    }
    hashes_.swap(next_hashes_);
    base_valid_ = true;
    stats.full = full;
    if (full) {
        stats.dirty_tiles = stats.tiles;
        stats.rects = 1;
        stats.triangles_drawn = stats.triangles;
        glViewport(0, 0, fb_width, fb_height);
        glDisable(GL_SCISSOR_TEST);
        glClearColor(clear_rgba[0], clear_rgba[1], clear_rgba[2], clear_rgba[3]);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(&draw_data);
    } else if (!rects.empty()) {
        stats.rects = static_cast<int>(rects.size());
        stats.triangles_drawn = build_filtered(draw_data, rects);
        glViewport(0, 0, fb_width, fb_height);
        clear_rects(clear_rgba, rects, static_cast<int>(draw_data.FramebufferScale.x));
        draw_filtered(draw_data);
    } // else nothing changed: no GL call, so the page keeps showing the last frame
    return stats;
}

} // namespace deadzone::explorer
