// The metadata ttfnet-train writes into an exported ONNX model (ModelProto.metadata_props), written
// once: the trainer's exporter writes it with to_metadata_props(), the trainer's import reads it
// back with read_trainer_metadata(), and the explorer's detector interface (detector_interface.h)
// reads the keys it shows by metadata_key_name(). Models from other code may carry any of the keys
// or none; the explorer treats each as optional, the trainer's import requires the ones it cannot
// rebuild a model without.
//
//   key              value                                       example
//   variant          the preset the model was trained with       broken
//   activation       the wh head's activation                    relu | leaky | softplus
//   leaky_slope      LeakyReLU's negative slope (0 otherwise)    0.010000
//   wh_offset_base   the wh scale: wh = act(conv(x)) * base      16.000000
//   stride           input pixels per output cell                4
//   input_size       the square input side, pixels               320
//   mean, std        per colour R,G,B, on [0,1] pixel values     0.485,0.456,0.406
//   class_names      comma-separated                             person
//   training_steps   optimizer steps the weights come from       2000
//   heatmap_encoding "probabilities" when the heatmap is after   (not written by ttfnet-train)
//                    its sigmoid, else logits
#pragma once

#include "deadzone/image_input.h" // Normalization
#include "deadzone/result.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace deadzone {

enum class MetadataKey {
    Variant,
    Activation,
    LeakySlope,
    WhOffsetBase,
    Stride,
    InputSize,
    Mean,
    Std,
    ClassNames,
    TrainingSteps,
    HeatmapEncoding,
};

// The key's name in metadata_props ("wh_offset_base").
const char* metadata_key_name(MetadataKey key);

// The output stride of every model ttfnet-train builds (TTFNet's heads run at 1/4 of the input).
constexpr int kTrainerStride = 4;
// The input sides ttfnet-train trains, exports and imports: MobileNetV3-Small's last stage is 1/32
// of the input and needs at least a 2x2 map.
constexpr int kMinTrainerInputSize = 64;
constexpr int kMaxTrainerInputSize = 4096;

// Whether ttfnet-train can train, export and import a square input of `size` pixels: a multiple of
// 32 (the backbone's total stride) from kMinTrainerInputSize to kMaxTrainerInputSize.
bool is_trainer_input_size(int size);
// That rule in words, for error messages: "a multiple of 32 from 64 to 4096".
std::string trainer_input_size_rule();

// What ttfnet-train records about a model in its ONNX export.
struct TrainerMetadata {
    std::string variant;    // preset name; "" when absent
    std::string activation; // "relu", "leaky" or "softplus"
    double leaky_slope = 0;
    double wh_offset_base = 0;
    int stride = kTrainerStride;
    int input_size = 0;                   // 0 when absent (the graph's input shape then says it)
    Normalization normalization;          // ImageNet's when absent
    std::vector<std::string> class_names; // empty when absent
    std::int64_t training_steps = 0;
};

// `m` as metadata_props: every key of the table but heatmap_encoding, and input_size only when it
// is set (not 0). Numbers: std::to_string for leaky_slope and wh_offset_base ("%f", the format of
// every shipped model), six significant digits for mean and std.
std::map<std::string, std::string> to_metadata_props(const TrainerMetadata& m);

// Reads what to_metadata_props() wrote. `activation`, `leaky_slope` and `wh_offset_base` are
// required; the others fall back as TrainerMetadata documents. Errors name the key and its value:
// "metadata 'leaky_slope' is not a number: 'x'", "metadata 'input_size' is 100: not a multiple of
// 32 from 64 to 4096", "metadata 'std' is not three positive numbers: '0,1,1'". The activation name
// is returned as written; the caller maps it to its enum.
Result<TrainerMetadata> read_trainer_metadata(const std::map<std::string, std::string>& props);

// The key's whole text as an integer in [lo, hi] (text_list.h's number syntax, one item). Errors:
// "metadata 'stride' is missing", "metadata 'stride' is not a number: 'x'", "metadata 'stride' is
// 4.5: not a whole number from 1 to 64".
Result<std::int64_t> read_metadata_integer(const std::map<std::string, std::string>& props, MetadataKey key, std::int64_t lo,
                                           std::int64_t hi);

// The `mean` and `std` keys as a Normalization (ImageNet's for an absent or empty key): each three numbers
// (parse_metadata_triple), std's positive. For the trainer's models and any other model's metadata
// alike; the error is read_trainer_metadata's.
Result<Normalization> read_normalization(const std::map<std::string, std::string>& props);

// "0.485,0.456,0.406" -> {0.485, 0.456, 0.406}: exactly three finite numbers separated by commas
// and/or spaces (exports from other code write "0.485, 0.456, 0.406"). Errors quote the text.
Result<std::array<float, 3>> parse_metadata_triple(std::string_view text);

} // namespace deadzone
