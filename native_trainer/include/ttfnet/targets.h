// TTFNet training targets (Liu et al. 2020, section 3.2), computed on the CPU per image.
//
// Conventions (shared with core/'s decode):
//   * boxes are (x1, y1, x2, y2) in input pixels (after letterbox and augmentation);
//   * the centre cell of a box is int(((x1+x2)/2, (y1+y2)/2) / stride) and the centre of cell (x, y)
//     is (x*stride, y*stride) in input pixels (no +0.5), as in core/include/deadzone/decode.h;
//   * areas use the reference's "+1" pixel convention: (x2-x1+1)*(y2-y1+1).
//
// Heatmap: one 2D gaussian per object with radii (h/2*alpha, w/2*alpha) feature cells (truncated to
// int), sigma = (2r+1)/6 per axis; element-wise max where objects overlap.
// Box targets: every cell where the beta-gaussian of an object is > 0 gets that object's box and a
// regression weight gaussian * log(area) / sum(gaussian of that object). Objects are drawn largest
// first, so where objects overlap the smaller one owns the cell.
// Crowd regions ("don't care": WiderPerson ignore/crowd labels, COCO iscrowd, objects the augmentation
// left too small or mostly cropped away): every cell whose centre lies inside one, and the cell that
// holds its centre (so a region narrower than the stride still covers the cell an object there would
// own), is marked in heatmap_ignore; the focal loss leaves those cells' negatives out. Positives are
// never ignored. A DeadZone addition: the reference trains crowd regions as background.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace ttfnet {

struct Box {
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    int cls = 0;
};

struct TargetParams {
    int stride = 4;
    int num_classes = 1;
    float alpha = 0.54f;
    float beta = 0.54f;
};

// One image's targets, row-major float buffers.
struct ImageTargets {
    int width = 0, height = 0;         // feature map size
    std::vector<float> heatmap;        // [num_classes, H, W]
    std::vector<float> box_target;     // [4, H, W] x1, y1, x2, y2 in input pixels
    std::vector<float> reg_weight;     // [H, W]
    std::vector<float> heatmap_ignore; // [H, W] 1 inside a crowd region, else 0
};

// The reference's truncated 2D gaussian: (2*h_radius+1) x (2*w_radius+1), peak 1, values below
// float epsilon set to 0. Row-major, height first.
std::vector<float> gaussian_2d(int h_radius, int w_radius);

// boxes and crowd (regions the heatmap loss ignores) in input pixels.
ImageTargets make_image_targets(const std::vector<Box>& boxes, int feat_width, int feat_height, const TargetParams& params,
                                const std::vector<Box>& crowd = {});

struct BatchTargets {
    torch::Tensor heatmap;        // [N, C, H, W]
    torch::Tensor box_target;     // [N, 4, H, W]
    torch::Tensor reg_weight;     // [N, 1, H, W]
    torch::Tensor heatmap_ignore; // [N, 1, H, W] 1 inside a crowd region; undefined: nothing ignored
};

// crowd: per image, crowd regions in input pixels (may be empty: no crowd regions anywhere).
BatchTargets make_batch_targets(const std::vector<std::vector<Box>>& boxes, int input_width, int input_height,
                                const TargetParams& params, const std::vector<std::vector<Box>>& crowd = {});

} // namespace ttfnet
