#include "deadzone/detection_metrics.h"

#include <gtest/gtest.h>

namespace deadzone {
namespace {

EvalBox box(float x1, float y1, float x2, float y2, int cls, float score = 1.0f) {
    EvalBox b;
    b.x1 = x1, b.y1 = y1, b.x2 = x2, b.y2 = y2, b.class_id = cls, b.score = score;
    return b;
}

TEST(DetectionMetrics, BoxIou) {
    EXPECT_DOUBLE_EQ(box_iou(box(0, 0, 10, 10, 0), box(0, 0, 10, 10, 0)), 1.0);
    EXPECT_DOUBLE_EQ(box_iou(box(0, 0, 10, 10, 0), box(5, 0, 15, 10, 0)), 50.0 / 150.0);
    EXPECT_DOUBLE_EQ(box_iou(box(0, 0, 10, 10, 0), box(10, 0, 20, 10, 0)), 0.0);
    EXPECT_DOUBLE_EQ(box_iou(box(0, 0, 0, 10, 0), box(0, 0, 0, 10, 0)), 0.0); // empty
}

TEST(DetectionMetrics, PerfectMatchIsOne) {
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0), box(20, 20, 40, 50, 0)};
    img.predictions = {box(0, 0, 10, 10, 0, 0.9f), box(20, 20, 40, 50, 0, 0.8f)};
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_DOUBLE_EQ(m.map50, 1.0);
    EXPECT_DOUBLE_EQ(m.map50_95, 1.0);
    EXPECT_DOUBLE_EQ(m.mean_iou, 1.0);
    EXPECT_EQ(m.matched, 2);
    EXPECT_EQ(m.classes_evaluated, 1);
}

TEST(DetectionMetrics, FalsePositiveRankedAboveTruePositive) {
    // Ranked: FP (0.9), TP (0.8). recall = [0, 1], precision = [0, 0.5]; monotone -> [0.5, 0.5];
    // every one of the 101 recall points finds precision 0.5 -> AP 0.5.
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0)};
    img.predictions = {box(50, 50, 60, 60, 0, 0.9f), box(0, 0, 10, 10, 0, 0.8f)};
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_NEAR(m.map50, 0.5, 1e-12);
    EXPECT_NEAR(m.map50_95, 0.5, 1e-12);
    // The same boxes ranked the other way round: the FP comes after full recall -> AP 1.
    img.predictions = {box(50, 50, 60, 60, 0, 0.7f), box(0, 0, 10, 10, 0, 0.8f)};
    EXPECT_NEAR(evaluate_detections({img}, 1).map50, 1.0, 1e-12);
}

TEST(DetectionMetrics, HalfRecallGivesFiftyOneOverHundredOne) {
    // Two GT, one found: recall 0.5 with precision 1 covers recall points 0..0.50 (51 of 101).
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0), box(30, 30, 40, 40, 0)};
    img.predictions = {box(0, 0, 10, 10, 0, 0.9f)};
    EXPECT_NEAR(evaluate_detections({img}, 1).map50, 51.0 / 101.0, 1e-12);
}

TEST(DetectionMetrics, TwoClassesAreAveraged) {
    // Class 0 perfect (AP 1), class 1 has a single FP then its TP (AP 0.5): mean 0.75.
    ImageDetections a, b;
    a.ground_truth = {box(0, 0, 10, 10, 0)};
    a.predictions = {box(0, 0, 10, 10, 0, 0.9f)};
    b.ground_truth = {box(0, 0, 20, 20, 1)};
    b.predictions = {box(0, 0, 20, 20, 1, 0.3f)};
    a.predictions.push_back(box(0, 0, 20, 20, 1, 0.6f)); // class 1 in an image without class-1 GT
    const DetectionMetrics m = evaluate_detections({a, b}, 2);
    EXPECT_NEAR(m.ap50_per_class[0], 1.0, 1e-12);
    EXPECT_NEAR(m.ap50_per_class[1], 0.5, 1e-12);
    EXPECT_NEAR(m.map50, 0.75, 1e-12);
    EXPECT_EQ(m.classes_evaluated, 2);
    EXPECT_EQ(m.predictions, 3);
    EXPECT_EQ(m.ground_truth, 2);
}

TEST(DetectionMetrics, IouThresholdsFiftyToNinetyFive) {
    // IoU 0.8 exactly (GT 0..10 x 0..10, prediction 0..8 x 0..10): a TP at 0.50..0.80 (7 of the 10
    // thresholds), a FP at 0.85..0.95 -> mAP@[.5:.95] = 0.7, mAP@0.5 = 1, mean IoU 0.8.
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0)};
    img.predictions = {box(0, 0, 8, 10, 0, 0.9f)};
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_NEAR(m.map50, 1.0, 1e-12);
    EXPECT_NEAR(m.map50_95, 0.7, 1e-12);
    EXPECT_NEAR(m.mean_iou, 0.8, 1e-6);
}

TEST(DetectionMetrics, MeanIouOfMatchedBoxesOnly) {
    // Matches with IoU 1 and 0.6 (0..10 vs 0..6 wide), one unmatched FP (IoU 0.2 < 0.5): mean 0.8.
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0), box(100, 0, 110, 10, 0)};
    img.predictions = {box(0, 0, 10, 10, 0, 0.9f), box(100, 0, 106, 10, 0, 0.8f), box(200, 0, 202, 10, 0, 0.7f)};
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_EQ(m.matched, 2);
    EXPECT_NEAR(m.mean_iou, 0.8, 1e-6);
}

TEST(DetectionMetrics, EachGroundTruthMatchesOnce) {
    // Two identical predictions on one GT: the second is a duplicate (FP). recall [1, 1], precision
    // [1, 0.5] -> AP 1 (the FP comes after full recall), matched 1.
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0)};
    img.predictions = {box(0, 0, 10, 10, 0, 0.9f), box(0, 0, 10, 10, 0, 0.8f)};
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_EQ(m.matched, 1);
    EXPECT_NEAR(m.map50, 1.0, 1e-12);
}

TEST(DetectionMetrics, EmptyPredictionsGiveZero) {
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0)};
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_EQ(m.map50, 0.0);
    EXPECT_EQ(m.map50_95, 0.0);
    EXPECT_EQ(m.mean_iou, 0.0);
    EXPECT_EQ(m.classes_evaluated, 1);
    EXPECT_EQ(m.ap50_per_class[0], 0.0);
}

TEST(DetectionMetrics, ClassWithoutGroundTruthIsExcluded) {
    // Class 1 has only (false) predictions and no GT: excluded, so class 0's AP 1 is the mean.
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0)};
    img.predictions = {box(0, 0, 10, 10, 0, 0.9f), box(50, 50, 60, 60, 1, 0.95f)};
    const DetectionMetrics m = evaluate_detections({img}, 3);
    EXPECT_NEAR(m.map50, 1.0, 1e-12);
    EXPECT_EQ(m.classes_evaluated, 1);
    EXPECT_EQ(m.ap50_per_class[1], -1.0);
    EXPECT_EQ(m.ap50_per_class[2], -1.0);
    // No GT at all: nothing evaluated, maps 0.
    ImageDetections none;
    none.predictions = {box(0, 0, 1, 1, 0, 0.5f)};
    const DetectionMetrics n = evaluate_detections({none}, 1);
    EXPECT_EQ(n.classes_evaluated, 0);
    EXPECT_EQ(n.map50, 0.0);
}

TEST(DetectionMetrics, PredictionsMatchOnlyWithinTheirImage) {
    ImageDetections a, b;
    a.ground_truth = {box(0, 0, 10, 10, 0)};
    b.predictions = {box(0, 0, 10, 10, 0, 0.9f)}; // same place, other image: FP
    const DetectionMetrics m = evaluate_detections({a, b}, 1);
    EXPECT_EQ(m.matched, 0);
    EXPECT_EQ(m.map50, 0.0);
}

TEST(DetectionMetrics, InterpolatedAp101) {
    EXPECT_EQ(interpolated_ap101({}, {}), 0.0);
    // recall [0.5, 1], precision [1, 0.5]: 51 points at 1, 50 at 0.5.
    EXPECT_NEAR(interpolated_ap101({0.5, 1.0}, {1.0, 0.5}), (51.0 + 25.0) / 101.0, 1e-12);
    // pycocotools samples at np.linspace(0, 1, 101) = k * 0.01: 70 * 0.01 is 0.7000000000000001, above
    // a recall of exactly 7/10, so 7 of 10 objects found at precision 1 covers 70 points, not 71.
    EXPECT_NEAR(interpolated_ap101({7.0 / 10.0}, {1.0}), 70.0 / 101.0, 1e-12);
    EXPECT_NEAR(interpolated_ap101({0.5}, {1.0}), 51.0 / 101.0, 1e-12); // 50 * 0.01 is exactly 0.5
}

TEST(DetectionMetrics, MatchImageReportsEachPredictionsMatchAndIou) {
    // GT: two class-0 boxes and one class-1 box. Predictions (input order): a loose box on GT 0 (IoU
    // 0.75, but the tight one, scored higher, takes GT 0), the tight one, a box on GT 1, a class-1 box on GT 0's
    // place (wrong class), a box on nothing.
    const std::vector<EvalBox> gt = {box(0, 0, 10, 10, 0), box(20, 0, 30, 10, 0), box(40, 0, 50, 10, 1)};
    const std::vector<EvalBox> pred = {box(0, 0, 10, 7.5f, 0, 0.6f), box(0, 0, 10, 10, 0, 0.9f), box(21, 0, 30, 10, 0, 0.8f),
                                       box(0, 0, 10, 10, 1, 0.7f), box(60, 60, 70, 70, 0, 0.95f)};
    const ImageMatch m = match_image(gt, pred, 0.5);
    EXPECT_EQ(m.gt_of_prediction, (std::vector<int>{-1, 0, 1, -1, -1}));
    EXPECT_NEAR(m.iou_of_prediction[0], 0.75, 1e-9); // unmatched: its best IoU with a class-0 box still shown
    EXPECT_NEAR(m.iou_of_prediction[1], 1.0, 1e-9);
    EXPECT_NEAR(m.iou_of_prediction[2], 0.9, 1e-9);
    EXPECT_EQ(m.iou_of_prediction[3], 0.0); // no overlap with the class-1 GT box
    EXPECT_EQ(m.true_positives, 2);
    EXPECT_NEAR(m.precision, 2.0 / 5.0, 1e-12);
    EXPECT_NEAR(m.recall, 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(m.mean_iou, (1.0 + 0.9) / 2.0, 1e-9);
    // The same matching as the data-set metrics, for this one image.
    ImageDetections img;
    img.ground_truth = gt;
    img.predictions = pred;
    EXPECT_EQ(evaluate_detections({img}, 2).matched, m.true_positives);
}

EvalBox crowd(float x1, float y1, float x2, float y2, int cls) {
    EvalBox b = box(x1, y1, x2, y2, cls);
    b.crowd = true;
    return b;
}

TEST(DetectionMetrics, CrowdRegionsAreDontCareAsInPycocotools) {
    // Worked by hand from pycocotools' evaluateImg/accumulate. One person (0,0)-(10,10), one crowd
    // region (20,0)-(60,40). Predictions by score: 0.9 inside the crowd (IoU with it, measured as
    // intersection / prediction area, = 1), 0.8 on the person, 0.7 half inside the crowd (0.5: still
    // matches it at 0.5, not above), 0.6 elsewhere (FP).
    ImageDetections img;
    img.ground_truth = {box(0, 0, 10, 10, 0), crowd(20, 0, 60, 40, 0)};
    img.predictions = {box(25, 5, 35, 15, 0, 0.9f), box(0, 0, 10, 10, 0, 0.8f), box(55, 5, 65, 15, 0, 0.7f),
                       box(100, 100, 110, 110, 0, 0.6f)};
    EXPECT_DOUBLE_EQ(crowd_iou(img.predictions[2], img.ground_truth[1]), 0.5);
    // At 0.5: 0.9 and 0.7 ignored; ranked list TP (0.8), FP (0.6): recall [1, 1], precision [1, 0.5]
    // -> AP 1. At thresholds > 0.5: 0.7 no longer matches the crowd and becomes an FP ranked after
    // full recall -> AP still 1. Without the crowd flag, 0.9 would be an FP ranked first (AP 0.5).
    const DetectionMetrics m = evaluate_detections({img}, 1);
    EXPECT_NEAR(m.map50, 1.0, 1e-12);
    EXPECT_NEAR(m.map50_95, 1.0, 1e-12);
    EXPECT_EQ(m.ground_truth, 1); // the region is not an object to find
    EXPECT_EQ(m.matched, 1);
    ImageDetections plain = img;
    plain.ground_truth[1].crowd = false;
    EXPECT_LT(evaluate_detections({plain}, 1).map50, 0.6);

    // An ordinary box wins over a region even when the region overlaps more; a region takes any
    // number of predictions; a class with only a region has no ground truth (excluded).
    ImageDetections both;
    both.ground_truth = {box(0, 0, 10, 10, 0), crowd(0, 0, 10, 10, 0), crowd(0, 0, 100, 100, 1)};
    both.predictions = {box(1, 1, 10, 10, 0, 0.9f), box(0, 0, 10, 10, 0, 0.8f), box(0, 0, 50, 50, 1, 0.9f)};
    const ImageMatch match = match_image(both.ground_truth, both.predictions);
    EXPECT_EQ(match.gt_of_prediction, (std::vector<int>{0, -2, -2})); // 0.9 takes the box, 0.8 the region
    EXPECT_EQ(match.true_positives, 1);
    EXPECT_DOUBLE_EQ(match.precision, 1.0); // the ignored ones are not counted
    EXPECT_DOUBLE_EQ(match.recall, 1.0);    // nor is the region
    const DetectionMetrics mb = evaluate_detections({both}, 2);
    EXPECT_EQ(mb.classes_evaluated, 1);
    EXPECT_DOUBLE_EQ(mb.ap50_per_class[1], -1.0);
}

TEST(DetectionMetrics, MatchImageWithNothingIsAllZero) {
    const ImageMatch none = match_image({}, {}, 0.5);
    EXPECT_EQ(none.precision, 0.0);
    EXPECT_EQ(none.recall, 0.0);
    const ImageMatch only_gt = match_image({box(0, 0, 1, 1, 0)}, {}, 0.5);
    EXPECT_EQ(only_gt.recall, 0.0);
    EXPECT_TRUE(only_gt.gt_of_prediction.empty());
}

} // namespace
} // namespace deadzone
