// TTFNet losses.
//
//   heatmap: CenterNet focal loss on sigmoid(logits) clamped to [1e-4, 1-1e-4]
//            pos (gt == 1): (1-p)^2 log p;  neg: (1-gt)^4 p^2 log(1-p);  -sum / max(#pos, 1)
//            negatives in crowd regions (BatchTargets::heatmap_ignore) are left out
//   wh:      GIoU loss between each regression cell's decoded box
//            (x*s - wh0, y*s - wh1, x*s + wh2, y*s + wh3) and its target box, weighted by the
//            regression weights, divided by their sum + 1e-4. Areas use the reference's +1 pixel
//            convention; an inverted predicted box (negative distances, leaky heads only) has area 0.
//   total = hm_weight * heatmap + wh_weight * wh (TTFNet: 1 and 5).
#pragma once

#include "ttfnet/model/ttfnet.h"
#include "ttfnet/targets.h"

namespace ttfnet {

// The two losses' batch-level divisors before their floors: the number of positive heatmap cells
// (gt == 1) and the sum of the regression weights, as scalar tensors. One process divides by its own
// batch's; data-parallel ranks divide by the sums over all ranks, so that the averaged gradients are
// those of one process with the whole global batch.
struct LossNormalizers {
    torch::Tensor positives;
    torch::Tensor reg_weight_sum;
};
LossNormalizers loss_normalizers(const BatchTargets& targets);

// heatmap_logits, heatmap_gt: [N,C,H,W]; ignore: [N,1,H,W] (1: leave that cell's negatives out) or
// undefined (nothing ignored). positives: the divisor before max(., 1); undefined: this batch's.
torch::Tensor focal_loss(const torch::Tensor& heatmap_logits, const torch::Tensor& heatmap_gt, const torch::Tensor& ignore = {},
                         const torch::Tensor& positives = {});

// Elementwise GIoU loss (1 - GIoU) between [M,4] boxes.
torch::Tensor giou_distance(const torch::Tensor& pred, const torch::Tensor& target);

// reg_weight_sum: the divisor before + 1e-4; undefined: this batch's.
torch::Tensor giou_loss(const torch::Tensor& wh, const torch::Tensor& box_target, const torch::Tensor& reg_weight, int stride,
                        const torch::Tensor& reg_weight_sum = {});

struct LossWeights {
    double heatmap = 1.0;
    double wh = 5.0;
};

struct LossParts {
    torch::Tensor heatmap; // weighted, scalar
    torch::Tensor wh;      // weighted, scalar
    torch::Tensor total;
};

// normalizers: the divisors to use (data parallel: summed over ranks); null: this batch's.
LossParts ttfnet_loss(const TtfOutput& out, const BatchTargets& targets, const LossWeights& weights, int stride = 4,
                      const LossNormalizers* normalizers = nullptr);

} // namespace ttfnet
