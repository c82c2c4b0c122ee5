// The GIoU loss of one predicted box against its target, with its gradient: the box loss TTFNet
// trains its wh head with, written once in plain C++ for the what-if simulation (channel_sim.h).
//
// Same loss as the trainer's giou_distance (native_trainer/src/losses.cpp, after mmdetection's
// legacy boxes): widths and heights count pixels inclusively (x2 - x1 + 1), a predicted box with
// negative width or height has area 0, and 1e-6 keeps the union and enclosing areas positive. The
// gradient is the same except on ties, a set of measure zero (see giou_loss).
// GIoU = IoU - (C - U) / C, loss = 1 - GIoU (Rezatofighi et al., CVPR 2019).
//
// Why it matters here: a degenerate prediction (every distance ~0, a 1x1 box) gets almost no pull
// from the IoU term (its gradient scales with the overlap's other side, 1 px), while the enclosing
// term pushes a distance *down* whenever the box's anchor lies outside the target on that side. On a
// fresh TTFNet head that push is what drives the left channel below zero.
#pragma once

namespace deadzone {

struct BoxXYXY {
    double x1 = 0, y1 = 0, x2 = 0, y2 = 0; // pixels, inclusive convention (see above)
};

struct GiouLoss {
    double loss = 0;                               // 1 - GIoU, in [0, 2)
    double d_x1 = 0, d_y1 = 0, d_x2 = 0, d_y2 = 0; // d loss / d predicted coordinate
};

// Loss and gradient with respect to the predicted box's four coordinates. Where a max/min of a
// predicted and a target edge ties, the whole gradient goes to the predicted edge (autograd through
// torch::max/min splits it), and an extent of exactly 0 passes none. Non-finite input gives a
// non-finite loss.
GiouLoss giou_loss(const BoxXYXY& pred, const BoxXYXY& target);

} // namespace deadzone
