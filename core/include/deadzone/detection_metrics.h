// Detection metrics, COCO-style: AP per class from 101-point interpolated precision, averaged over
// the classes that have ground truth; mAP@0.5 and mAP@[.5:.95] (IoU thresholds 0.50, 0.55, ...,
// 0.95); and the mean IoU of the predictions matched at IoU 0.5.
//
// Matching follows pycocotools (no area ranges, no per-image detection cap: pass at most the
// detections you want counted): per class and threshold, predictions of all images are ranked by
// score (descending; equal scores keep their input order), and each one is matched to the still
// unmatched ground-truth box of its image with the highest IoU >= threshold; otherwise it is a false
// positive. Crowd regions (COCO iscrowd, WiderPerson's ignore/crowd labels) are "don't care", as in
// pycocotools: a prediction is matched to one only when no ordinary box qualifies, with IoU measured
// as intersection / prediction area, any number of predictions may match the same region, and such
// predictions count neither as true nor as false positives; a region is never missed. Precision is made monotone (max over higher
// recalls) and sampled at recall 0, 0.01, ..., 1 (0 beyond the highest recall reached). A class with no ground truth is excluded
// from the mean (even if it has predictions); a class with ground truth and no predictions has AP 0. IoU is area-based without
// the +1 pixel convention.
#pragma once

#include <cstdint>
#include <vector>

namespace deadzone {

struct EvalBox {
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    int class_id = 0;
    float score = 1.0f; // predictions only
    bool crowd = false; // ground truth only: a crowd / ignore region (see above)
};

// Ground truth and predictions of one image, in the same pixel coordinates.
struct ImageDetections {
    std::vector<EvalBox> ground_truth;
    std::vector<EvalBox> predictions;
};

struct DetectionMetrics {
    double map50 = 0.0;                    // mean over evaluated classes of AP at IoU 0.5
    double map50_95 = 0.0;                 // mean over evaluated classes of AP averaged over IoU 0.50:0.05:0.95
    double mean_iou = 0.0;                 // mean IoU of the predictions matched at IoU 0.5 (0 when none matched)
    std::int64_t matched = 0;              // true positives at IoU 0.5
    std::int64_t ground_truth = 0;         // all GT boxes (classes in range), crowd regions not counted
    std::int64_t predictions = 0;          // all predictions (classes in range)
    int classes_evaluated = 0;             // classes with at least one GT box (0: all maps are 0)
    std::vector<double> ap50_per_class;    // -1 for classes without GT
    std::vector<double> ap50_95_per_class; // -1 for classes without GT
};

// IoU of two boxes (0 when either is empty or they do not overlap).
double box_iou(const EvalBox& a, const EvalBox& b);

// COCO's 101-point interpolated AP from the cumulative recall/precision of a ranked list
// (recall non-decreasing).
double interpolated_ap101(const std::vector<double>& recall, const std::vector<double>& precision);

// IoU of a prediction with a crowd region as pycocotools measures it: intersection / prediction area.
double crowd_iou(const EvalBox& prediction, const EvalBox& region);

// How one image's predictions match its ground truth at one IoU threshold: the matching
// evaluate_detections() does (predictions ranked by score, each taking the unmatched GT box of its
// class with the highest IoU >= threshold), reported per prediction, for the explorer's per-image
// read-out at the current score threshold. A prediction matched to a crowd region is ignored: its
// gt_of_prediction is -2 and it is left out of precision; crowd regions are left out of recall.
struct ImageMatch {
    std::vector<int> gt_of_prediction;     // per prediction, in input order: matched GT index, -1 when none, -2 ignored
    std::vector<double> iou_of_prediction; // per prediction: IoU with its match; unmatched: the best IoU
                                           // with any GT box of its class (0 when none), for display
    std::int64_t true_positives = 0;
    double precision = 0.0; // true positives / predictions not ignored, 0 when there are none
    double recall = 0.0;    // true positives / GT boxes not crowd, 0 when there are none
    double mean_iou = 0.0;  // mean IoU of the matched predictions, 0 when none matched
};
ImageMatch match_image(const std::vector<EvalBox>& ground_truth, const std::vector<EvalBox>& predictions,
                       double iou_threshold = 0.5);

// Boxes with class_id outside [0, num_classes) are ignored.
DetectionMetrics evaluate_detections(const std::vector<ImageDetections>& images, int num_classes);

} // namespace deadzone
