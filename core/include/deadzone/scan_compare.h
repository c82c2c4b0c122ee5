// Where two runs of the same scan disagree: the explorer scans a model on WebGPU and on wasm and
// names the first activation layer (graph order) whose outputs differ, because users who see wrong
// WebGPU results cannot tell where in the graph they start.
//
// The comparison uses what the scan keeps of every channel (min, max and mean over all images and
// positions), so it needs no second copy of any activation. Two values a, b disagree when
// |a - b| > tolerance * max(1, |a|, |b|) (absolute near 0, relative for large values); NaN/Inf
// counts must match exactly.
#pragma once

#include "deadzone/model_scan.h"

#include <string>

namespace deadzone {

struct ScanComparison {
    bool comparable = true; // same layers, shapes and images; false: `why` says what differs
    std::string why;
    int layer = -1; // index of the first layer that disagrees, -1 when all agree
    int channel = -1;
    std::string quantity;        // "min", "max", "mean", "NaN/Inf count"
    double a = 0.0, b = 0.0;     // its values in the two runs
    double max_difference = 0.0; // the largest |a - b| over every channel of every layer compared
};

// Compares run `a` with run `b` of the same model on the same images. Default tolerance 1e-3.
ScanComparison compare_scans(const ScanReport& a, const ScanReport& b, double tolerance = 1e-3);

} // namespace deadzone
