#include "deadzone/giou.h"

#include <algorithm>

namespace deadzone {

namespace {

constexpr double kEps = 1e-6; // as the trainer's giou_distance

// One axis of the three boxes involved: the overlap, the prediction and the enclosing box, with
// the derivative of each extent with respect to the predicted low and high edge.
struct AxisExtents {
    double overlap = 0, d_overlap_lo = 0, d_overlap_hi = 0;
    double pred = 0, d_pred_lo = 0, d_pred_hi = 0;
    double enclose = 0, d_enclose_lo = 0, d_enclose_hi = 0;
};

AxisExtents axis_extents(double p_lo, double p_hi, double t_lo, double t_hi) {
    AxisExtents a;
    const double overlap = std::min(p_hi, t_hi) - std::max(p_lo, t_lo) + 1;
    if (overlap > 0) {
        a.overlap = overlap;
        a.d_overlap_lo = p_lo >= t_lo ? -1 : 0;
        a.d_overlap_hi = p_hi <= t_hi ? 1 : 0;
    }
    const double pred = p_hi - p_lo + 1;
    if (pred > 0) {
        a.pred = pred;
        a.d_pred_lo = -1;
        a.d_pred_hi = 1;
    }
    const double enclose = std::max(p_hi, t_hi) - std::min(p_lo, t_lo) + 1;
    if (enclose > 0) {
        a.enclose = enclose;
        a.d_enclose_lo = p_lo <= t_lo ? -1 : 0;
        a.d_enclose_hi = p_hi >= t_hi ? 1 : 0;
    }
    return a;
}

} // namespace

GiouLoss giou_loss(const BoxXYXY& p, const BoxXYXY& t) {
    const AxisExtents x = axis_extents(p.x1, p.x2, t.x1, t.x2), y = axis_extents(p.y1, p.y2, t.y1, t.y2);
    const double inter = x.overlap * y.overlap;
    const double area_p = x.pred * y.pred;
    const double area_t = (t.x2 - t.x1 + 1) * (t.y2 - t.y1 + 1);
    const double uni = area_p + area_t - inter + kEps;
    const double enc = x.enclose * y.enclose + kEps;
    GiouLoss g;
    g.loss = 2.0 - inter / uni - uni / enc; // 1 - (I/U - (C - U)/C)
    // dL = -dI/U + I dU/U^2 - dU/C + U dC/C^2, with dU = dA_p - dI.
    auto grad = [&](double d_inter, double d_area_p, double d_enc) {
        const double d_uni = d_area_p - d_inter;
        return -d_inter / uni + inter * d_uni / (uni * uni) - d_uni / enc + uni * d_enc / (enc * enc);
    };
    g.d_x1 = grad(x.d_overlap_lo * y.overlap, x.d_pred_lo * y.pred, x.d_enclose_lo * y.enclose);
    g.d_x2 = grad(x.d_overlap_hi * y.overlap, x.d_pred_hi * y.pred, x.d_enclose_hi * y.enclose);
    g.d_y1 = grad(y.d_overlap_lo * x.overlap, y.d_pred_lo * x.pred, y.d_enclose_lo * x.enclose);
    g.d_y2 = grad(y.d_overlap_hi * x.overlap, y.d_pred_hi * x.pred, y.d_enclose_hi * x.enclose);
    return g;
}

} // namespace deadzone
