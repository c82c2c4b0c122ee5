// File names and URLs as the tools meet them: "photo.JPG" from a phone, "runs/broken.jsonl.gz"
// from a server, "broken.onnx" dropped in the explorer. One reading for every side, so that a
// suffix means the same thing to the explorer's drop handler, its scan and its replay.
#pragma once

#include <string>
#include <string_view>

namespace deadzone {

// Whether `name` ends with `suffix`, exactly (byte for byte).
bool ends_with(std::string_view name, std::string_view suffix);

// Whether `name` ends with `extension` ignoring ASCII case: "IMG_0001.JPG" has ".jpg". The
// extension may have several dots (".jsonl.gz").
bool has_extension(std::string_view name, std::string_view extension);

// What follows the last '/': "assets/models/broken.onnx" -> "broken.onnx"; the whole text when it
// has no '/'.
std::string base_name(std::string_view url_or_path);

// A model's name from its file name: without a trailing ".onnx" in any case ("broken.ONNX" ->
// "broken"), unless that is all the name is.
std::string model_stem(std::string_view file_name);

} // namespace deadzone
