// What one frame cost to draw (partial_redraw.h), for the state hook and the benchmarks.
#pragma once

namespace deadzone::explorer {

struct RedrawStats {
    bool full = true;        // drawn in full (partial_redraw.h says when)
    int tiles = 0;           // tiles of the frame
    int dirty_tiles = 0;     // tiles redrawn (all of them on a full redraw)
    int rects = 0;           // rectangles the dirty tiles merged into
    int triangles = 0;       // triangles of the frame
    int triangles_drawn = 0; // triangles sent to WebGL (one touching two rectangles counts twice)
};

} // namespace deadzone::explorer
