// WiderPerson annotation files (http://www.cbsr.ia.ac.cn/users/sfzhang/WiderPerson/,
// Annotations/<id>.jpg.txt): the one reader the trainer's data set and any other tool use.
//
// Format: the first row is the number of objects, then one "label x1 y1 x2 y2" row per object, in
// image pixels. Labels 1 (pedestrian), 2 (rider) and 3 (partially visible person) are objects of the
// one class "person"; 4 (ignore region) and 5 (crowd) are crowd regions: "don't care" areas, neither
// objects nor background.
//
// Policy, the same as for YOLO files (yolo_labels.h): files as people write them (BOM, CRLF, tabs,
// blank rows, "1.0" or exponents) parse like plain ones; a row that cannot be an object (not five
// values, a non-number, NaN/Inf, a coordinate beyond 1e7, a label outside 1-5, x2 <= x1 or y2 <= y1)
// is dropped and listed with
// its 1-based line number and the reason, and the file's other rows are kept. The count row is
// advisory: when it disagrees with the rows (edited copies of the data set often do), the rows are
// used and count_mismatch() says so, for the caller to warn about.
#pragma once

#include "deadzone/detection_metrics.h" // EvalBox
#include "deadzone/result.h"
#include "deadzone/yolo_labels.h" // DroppedLabelRow

#include <string_view>
#include <vector>

namespace deadzone {

struct WiderPersonLabels {
    std::vector<EvalBox> boxes;           // labels 1-3: class 0, score 1, pixels as written (not clipped)
    std::vector<EvalBox> crowd;           // labels 4 and 5: crowd = true
    std::vector<DroppedLabelRow> dropped; // in file order
    long long declared_count = 0;         // the count row's value
    int object_rows = 0;                  // rows after the count row, kept or dropped

    bool count_mismatch() const { return declared_count != object_rows; }
};

// Fails only when the text is not an annotation file: it holds binary data, or its first row is not
// one non-negative integer (the message quotes it).
Result<WiderPersonLabels> parse_widerperson_labels(std::string_view text);

} // namespace deadzone
