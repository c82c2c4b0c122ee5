// Class names from an Ultralytics-style data set description, `data.yaml`
// (docs.ultralytics.com/datasets/detect/#dataset-yaml-format), read with yaml-cpp:
//   names: [person, car]           a list: class id = position
//   names: {0: person, 1: car}     a map from class id (any order; the ids must be 0..n-1)
//   nc: 2                          optional; when given it must equal the number of names
// Other keys (path, train, val, download, ...) are not read: the images and labels are found by the
// YOLO folder layout (file_datasets.h).
#pragma once

#include "deadzone/result.h"

#include <string>
#include <vector>

namespace ttfnet {

// Errors name the file and, for YAML syntax, the line: a file that is not YAML, no `names`, names
// neither a list nor a map, an empty or non-string name, an id that is not an integer, a gap or a
// duplicate among the ids, `nc` disagreeing with the names.
deadzone::Result<std::vector<std::string>> read_data_yaml_names(const std::string& path);

} // namespace ttfnet
