#include "ttfnet/losses.h"

namespace ttfnet {

LossNormalizers loss_normalizers(const BatchTargets& t) { return {t.heatmap.eq(1).sum().to(torch::kFloat), t.reg_weight.sum()}; }

torch::Tensor focal_loss(const torch::Tensor& heatmap_logits, const torch::Tensor& gt, const torch::Tensor& ignore,
                         const torch::Tensor& positives) {
    const torch::Tensor p = torch::sigmoid(heatmap_logits).clamp(1e-4, 1 - 1e-4);
    const torch::Tensor pos = gt.eq(1).to(p.dtype());
    torch::Tensor neg = gt.lt(1).to(p.dtype());
    if (ignore.defined()) neg = neg * (1 - ignore); // [N,1,H,W] broadcasts over the classes
    const torch::Tensor pos_loss = torch::log(p) * (1 - p).pow(2) * pos;
    const torch::Tensor neg_loss = torch::log(1 - p) * p.pow(2) * (1 - gt).pow(4) * neg;
    const torch::Tensor num_pos = (positives.defined() ? positives : pos.sum()).clamp_min(1);
    return -(pos_loss.sum() + neg_loss.sum()) / num_pos;
}

torch::Tensor giou_distance(const torch::Tensor& pred, const torch::Tensor& target) {
    using torch::indexing::Slice;
    const auto p_lt = pred.index({Slice(), Slice(0, 2)}), p_rb = pred.index({Slice(), Slice(2, 4)});
    const auto t_lt = target.index({Slice(), Slice(0, 2)}), t_rb = target.index({Slice(), Slice(2, 4)});
    const auto inter_wh = (torch::min(p_rb, t_rb) - torch::max(p_lt, t_lt) + 1).clamp_min(0);
    const auto enclose_wh = (torch::max(p_rb, t_rb) - torch::min(p_lt, t_lt) + 1).clamp_min(0);
    const auto overlap = inter_wh.select(1, 0) * inter_wh.select(1, 1);
    // A leaky wh head can predict negative distances, i.e. an inverted box. Its area counts as 0
    // (not negative, which could cancel the target's area in the union and blow the IoU up); the
    // enclosing-box term still pulls it back. For ReLU/softplus heads this changes nothing.
    const auto ap = (p_rb - p_lt + 1).clamp_min(0).prod(1);
    const auto ag = (t_rb - t_lt + 1).prod(1);
    const double eps = 1e-6;
    const auto union_area = ap + ag - overlap + eps;
    const auto iou = overlap / union_area;
    const auto enclose = enclose_wh.select(1, 0) * enclose_wh.select(1, 1) + eps;
    const auto giou = iou - (enclose - union_area) / enclose;
    return 1 - giou;
}

torch::Tensor giou_loss(const torch::Tensor& wh, const torch::Tensor& box_target, const torch::Tensor& reg_weight, int stride,
                        const torch::Tensor& reg_weight_sum) {
    const int64_t h = wh.size(2), w = wh.size(3);
    const auto opts = wh.options();
    const auto ys = torch::arange(h, opts).mul(stride).view({1, h, 1}).expand({wh.size(0), h, w});
    const auto xs = torch::arange(w, opts).mul(stride).view({1, 1, w}).expand({wh.size(0), h, w});
    const auto mask = reg_weight.select(1, 0) > 0; // [N,H,W]
    const auto weight = reg_weight.select(1, 0).masked_select(mask);
    const auto avg = (reg_weight_sum.defined() ? reg_weight_sum : reg_weight.sum()) + 1e-4;
    if (weight.numel() == 0) return (wh * 0).sum(); // keeps the graph; no boxes in this batch
    const auto cx = xs.masked_select(mask), cy = ys.masked_select(mask);
    const auto pred = torch::stack({cx - wh.select(1, 0).masked_select(mask), cy - wh.select(1, 1).masked_select(mask),
                                    cx + wh.select(1, 2).masked_select(mask), cy + wh.select(1, 3).masked_select(mask)},
                                   1);
    const auto target = torch::stack({box_target.select(1, 0).masked_select(mask), box_target.select(1, 1).masked_select(mask),
                                      box_target.select(1, 2).masked_select(mask), box_target.select(1, 3).masked_select(mask)},
                                     1);
    return (giou_distance(pred, target) * weight).sum() / avg;
}

LossParts ttfnet_loss(const TtfOutput& out, const BatchTargets& t, const LossWeights& weights, int stride,
                      const LossNormalizers* normalizers) {
    const LossNormalizers none;
    const LossNormalizers& n = normalizers != nullptr ? *normalizers : none;
    LossParts l;
    l.heatmap = focal_loss(out.heatmap, t.heatmap, t.heatmap_ignore, n.positives) * weights.heatmap;
    l.wh = giou_loss(out.wh, t.box_target, t.reg_weight, stride, n.reg_weight_sum) * weights.wh;
    l.total = l.heatmap + l.wh;
    return l;
}

} // namespace ttfnet
