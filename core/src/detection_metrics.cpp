#include "deadzone/detection_metrics.h"

#include <algorithm>
#include <cstddef>

namespace deadzone {

namespace {

// Width * height of the overlap of a and b, 0 when they do not overlap.
double intersection_area(const EvalBox& a, const EvalBox& b) {
    const double iw = std::min<double>(a.x2, b.x2) - std::max<double>(a.x1, b.x1);
    const double ih = std::min<double>(a.y2, b.y2) - std::max<double>(a.y1, b.y1);
    return iw > 0 && ih > 0 ? iw * ih : 0.0;
}

} // namespace

double box_iou(const EvalBox& a, const EvalBox& b) {
    const double aw = static_cast<double>(a.x2) - a.x1, ah = static_cast<double>(a.y2) - a.y1;
    const double bw = static_cast<double>(b.x2) - b.x1, bh = static_cast<double>(b.y2) - b.y1;
    if (!(aw > 0) || !(ah > 0) || !(bw > 0) || !(bh > 0)) return 0.0;
    const double inter = intersection_area(a, b);
    return inter > 0 ? inter / (aw * ah + bw * bh - inter) : 0.0;
}

double crowd_iou(const EvalBox& prediction, const EvalBox& region) {
    const double pw = static_cast<double>(prediction.x2) - prediction.x1, ph = static_cast<double>(prediction.y2) - prediction.y1;
    if (!(pw > 0) || !(ph > 0)) return 0.0;
    return intersection_area(prediction, region) / (pw * ph);
}

double interpolated_ap101(const std::vector<double>& recall, const std::vector<double>& precision) {
    const std::size_t n = std::min(recall.size(), precision.size());
    if (n == 0) return 0.0;
    std::vector<double> p(precision.begin(), precision.begin() + static_cast<std::ptrdiff_t>(n));
    for (std::size_t i = n - 1; i > 0; --i) p[i - 1] = std::max(p[i - 1], p[i]);
    double sum = 0.0;
    for (int k = 0; k <= 100; ++k) {
        // pycocotools' recThrs = np.linspace(0, 1, 101): k * 0.01 (not k / 100: at k = 70 that is
        // 0.7000000000000001, above a recall of exactly 7/10), and exactly 1 at the end.
        const double r = k == 100 ? 1.0 : k * 0.01;
        // First index whose recall >= r (numpy searchsorted, side='left').
        const auto it = std::lower_bound(recall.begin(), recall.begin() + static_cast<std::ptrdiff_t>(n), r);
        if (it == recall.begin() + static_cast<std::ptrdiff_t>(n)) break; // 0 from here on
        sum += p[static_cast<std::size_t>(it - recall.begin())];
    }
    return sum / 101.0;
}

namespace {

struct Ranked {
    std::size_t image;
    const EvalBox* box;
};

// pycocotools' match of one prediction: among the unused ordinary GT boxes of its class, the one with
// the highest IoU >= min(threshold, 1 - 1e-10) (the last of equals, as pycocotools' loop keeps it);
// only when there is none, the crowd region of its class with the highest crowd_iou (regions are
// never used up). -1 when nothing qualifies. Sets `iou` on a match.
int best_unmatched_gt(const EvalBox& pred, const std::vector<const EvalBox*>& gt, const std::vector<bool>& used, double threshold,
                      double& iou) {
    for (const bool crowd : {false, true}) {
        double best = std::min(threshold, 1.0 - 1e-10);
        int best_j = -1;
        for (std::size_t j = 0; j < gt.size(); ++j) {
            if (gt[j]->crowd != crowd || (!crowd && used[j]) || gt[j]->class_id != pred.class_id) continue;
            const double v = crowd ? crowd_iou(pred, *gt[j]) : box_iou(pred, *gt[j]);
            if (v < best) continue;
            best = v;
            best_j = static_cast<int>(j);
        }
        if (best_j >= 0) {
            iou = best;
            return best_j;
        }
    }
    return -1;
}

} // namespace

ImageMatch match_image(const std::vector<EvalBox>& ground_truth, const std::vector<EvalBox>& predictions, double iou_threshold) {
    ImageMatch m;
    m.gt_of_prediction.assign(predictions.size(), -1);
    m.iou_of_prediction.assign(predictions.size(), 0.0);
    std::vector<const EvalBox*> gt;
    for (const EvalBox& b : ground_truth) gt.push_back(&b);
    std::vector<bool> used(gt.size(), false);
    std::vector<std::size_t> order(predictions.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return predictions[a].score > predictions[b].score; });
    double iou_sum = 0.0;
    std::int64_t ignored = 0;
    for (std::size_t i : order) {
        double iou = 0.0;
        const int j = best_unmatched_gt(predictions[i], gt, used, iou_threshold, iou);
        if (j >= 0 && gt[static_cast<std::size_t>(j)]->crowd) {
            m.gt_of_prediction[i] = -2;
            m.iou_of_prediction[i] = iou;
            ++ignored;
        } else if (j >= 0) {
            used[static_cast<std::size_t>(j)] = true;
            m.gt_of_prediction[i] = j;
            m.iou_of_prediction[i] = iou;
            iou_sum += iou;
            ++m.true_positives;
        } else {
            for (const EvalBox& g : ground_truth)
                if (g.class_id == predictions[i].class_id && !g.crowd)
                    m.iou_of_prediction[i] = std::max(m.iou_of_prediction[i], box_iou(predictions[i], g));
        }
    }
    const auto tp = static_cast<double>(m.true_positives);
    const auto counted = static_cast<std::int64_t>(predictions.size()) - ignored;
    const auto objects = std::count_if(ground_truth.begin(), ground_truth.end(), [](const EvalBox& g) { return !g.crowd; });
    if (counted > 0) m.precision = tp / static_cast<double>(counted);
    if (objects > 0) m.recall = tp / static_cast<double>(objects);
    if (m.true_positives > 0) m.mean_iou = iou_sum / tp;
    return m;
}

DetectionMetrics evaluate_detections(const std::vector<ImageDetections>& images, int num_classes) {
    DetectionMetrics m;
    if (num_classes <= 0) return m;
    m.ap50_per_class.assign(static_cast<std::size_t>(num_classes), -1.0);
    m.ap50_95_per_class.assign(static_cast<std::size_t>(num_classes), -1.0);
    double iou_sum = 0.0;
    double sum50 = 0.0, sum50_95 = 0.0;

    for (int cls = 0; cls < num_classes; ++cls) {
        // Per image: this class's GT boxes; globally: its predictions ranked by score.
        std::vector<std::vector<const EvalBox*>> gt(images.size());
        std::vector<Ranked> preds;
        std::int64_t num_gt = 0;
        for (std::size_t i = 0; i < images.size(); ++i) {
            for (const EvalBox& b : images[i].ground_truth)
                if (b.class_id == cls) gt[i].push_back(&b), num_gt += b.crowd ? 0 : 1;
            for (const EvalBox& b : images[i].predictions)
                if (b.class_id == cls) preds.push_back({i, &b});
        }
        m.ground_truth += num_gt;
        m.predictions += static_cast<std::int64_t>(preds.size());
        if (num_gt == 0) continue; // excluded, as COCO does (AP -1)
        std::stable_sort(preds.begin(), preds.end(),
                         [](const Ranked& a, const Ranked& b) { return a.box->score > b.box->score; });

        double ap_sum = 0.0, ap50 = 0.0;
        for (int t = 0; t < 10; ++t) {
            const double threshold = 0.5 + 0.05 * t;
            std::vector<std::vector<bool>> used(images.size());
            for (std::size_t i = 0; i < images.size(); ++i) used[i].assign(gt[i].size(), false);
            std::vector<double> recall, precision;
            recall.reserve(preds.size());
            precision.reserve(preds.size());
            std::int64_t tp = 0, fp = 0;
            for (const Ranked& r : preds) {
                double best = 0.0;
                const int best_j = best_unmatched_gt(*r.box, gt[r.image], used[r.image], threshold, best);
                if (best_j >= 0 && gt[r.image][static_cast<std::size_t>(best_j)]->crowd) continue; // ignored
                if (best_j >= 0) {
                    used[r.image][static_cast<std::size_t>(best_j)] = true;
                    ++tp;
                    if (t == 0) {
                        iou_sum += best;
                        ++m.matched;
                    }
                } else {
                    ++fp;
                }
                recall.push_back(static_cast<double>(tp) / static_cast<double>(num_gt));
                precision.push_back(static_cast<double>(tp) / static_cast<double>(tp + fp));
            }
            const double ap = interpolated_ap101(recall, precision);
            if (t == 0) ap50 = ap;
            ap_sum += ap;
        }
        m.ap50_per_class[static_cast<std::size_t>(cls)] = ap50;
        m.ap50_95_per_class[static_cast<std::size_t>(cls)] = ap_sum / 10.0;
        sum50 += ap50;
        sum50_95 += ap_sum / 10.0;
        ++m.classes_evaluated;
    }
    if (m.classes_evaluated > 0) {
        m.map50 = sum50 / m.classes_evaluated;
        m.map50_95 = sum50_95 / m.classes_evaluated;
    }
    m.mean_iou = m.matched > 0 ? iou_sum / static_cast<double>(m.matched) : 0.0;
    return m;
}

} // namespace deadzone
