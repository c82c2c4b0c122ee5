// Comma-separated lists, as DeadZone's flags and ONNX metadata write them: "0.75,0.92" (lr steps),
// "person,car" (class names), "0.485,0.456,0.406" (a normalisation mean). One reading for every
// tool, so that "a,b," means the same thing to the trainer, the eval CLI and the explorer.
#pragma once

#include "deadzone/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace deadzone {

// The items between commas, as written (no trimming). An empty text is an empty list; every other
// text gives one more item than it has commas, so "a,,b" and "a,b," hold an empty item that the
// caller can refuse instead of silently getting a shorter list.
std::vector<std::string> split_comma_list(std::string_view text);

// The items of split_comma_list as numbers: each item must be a whole finite number in the C
// locale's strtod syntax (leading spaces allowed, nothing after the number). Errors name the
// item: "item 2 of '0.5,x' is not a number". An empty text is an empty list.
Result<std::vector<double>> parse_number_list(std::string_view text);

} // namespace deadzone
