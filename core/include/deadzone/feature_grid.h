// Where the cells of a stride-s feature map sit on the model input and on the source image.
//
// The decode convention (decode.h, the TTFNet reference) puts the centre of cell (x, y) at input
// pixel (x * stride, y * stride). A point of the input therefore belongs to the cell whose centre is
// nearest to it; points past the map's last centre belong to the last cell. The explorer uses these
// two functions for everything it draws per cell (the colour map, the hovered cell), so what is drawn
// over a pixel and what hovering it reads out are the same cell. Source points map to the input by
// the letterbox's exact scale (source * scale + pad), as boxes are mapped back; preprocessing resizes
// to the rounded resized_width/height, which differs from that by under half an input pixel.
#pragma once

#include "deadzone/letterbox.h"

namespace deadzone {

// The cell (0 .. cells-1) whose centre is nearest to input-pixel coordinate `input`:
// round(input / stride), clamped to the map. NaN maps to cell 0. stride and cells must be positive.
int nearest_cell(float input, int stride, int cells);

// Texture coordinates of a feature-map texture (cells_x x cells_y texels, one per cell, texel k
// spanning [k/cells, (k+1)/cells)) at the source image's top-left (u0, v0) and bottom-right
// (u1, v1) corners. Drawn over exactly the source image's rectangle with nearest filtering and
// clamp-to-edge, every source point shows the cell nearest_cell() gives for its input position: the
// colour map covers the whole image, and cells that lie only in the letterbox padding are never
// drawn. Values may fall outside [0, 1] (clamping then repeats the edge cells, which is right: those
// points are nearest to them).
struct FeatureMapUv {
    float u0 = 0, v0 = 0, u1 = 1, v1 = 1;
};
FeatureMapUv feature_map_uv(const Letterbox& letterbox, int stride, int cells_x, int cells_y);

} // namespace deadzone
