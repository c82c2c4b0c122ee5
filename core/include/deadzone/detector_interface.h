// The detector interface DeadZone runs, written once: what the explorer (and any tool) needs to feed a
// TTFNet/CenterNet-style ONNX model an image and read its heatmap and box map back.
//
//   input      one tensor NCHW [1,3,H,W], any name; H and W fixed (square or not) or symbolic (the
//              caller picks a size per image: pick_input_size); float32 or float16 (a .half() export)
//   heatmap    [1,C,H/s,W/s]: logits, or probabilities when a Sigmoid writes it (or metadata
//              `heatmap_encoding` = "probabilities")
//   wh         [1,4,H/s,W/s]: TTFNet's left/top/right/bottom distances from the cell centre, in input
//              pixels (after the activation and wh_offset_base), or in cells;
//              or CenterNet's [1,2,H/s,W/s] box size with an `offset` [1,2,H/s,W/s] (box_encoding.h)
//   wh_pre     optional [1,4,H/s,W/s]: wh before its activation; without it, dead channels are judged
//              on wh itself (exactly zero everywhere). TTFNet layout only.
//   outputs are all float32 or all float16 (callers convert with float16.h)
//
// Outputs are found by name (the DeadZone names heatmap / wh / wh_pre, which ttfnet-train exports),
// else by shape: 4-D outputs of one spatial size, the 4-channel ones being wh (and wh_pre: the one
// whose name says "pre", or the one not written by an activation), the other one the heatmap; or,
// with no 4-channel output, two 2-channel ones: CenterNet's size and offset (the offset is the one
// whose name says "off" or "reg", else the second), sizes in cells as CenterNet's reference has them. The
// stride s is the metadata's `stride`, else input size / heatmap size when both are fixed, else 4.
// Metadata the trainer writes (variant, activation, class_names, mean, std, training_steps; the keys
// are model_metadata.h's) is read when present. Source of the layout: TTFNet (Liu et al., AAAI 2020) and its mmdetection head.
#pragma once

#include "deadzone/box_encoding.h"
#include "deadzone/image_input.h" // Normalization
#include "deadzone/onnx_info.h"
#include "deadzone/result.h"

#include <string>
#include <vector>

namespace deadzone {

enum class HeatmapEncoding { Logits, Probabilities };
// How the model wants its input pixels: (x/255 - ImageNet mean) / ImageNet std, x/255, or x as is.
enum class InputScaling { ImageNet, ZeroToOne, ZeroTo255 };

struct DetectorInterface {
    std::string input_name;
    bool half_input = false;               // the input is float16
    bool half_outputs = false;             // heatmap, wh and wh_pre are float16
    int input_width = 0, input_height = 0; // 0: symbolic, picked per image (pick_input_size)
    std::string heatmap_name, wh_name;
    std::string wh_pre_name; // "" when the model has no pre-activation output
    std::string offset_name; // CenterNet's centre offset; "" for TTFNet's ltrb
    HeatmapEncoding heatmap_encoding = HeatmapEncoding::Logits;
    BoxEncoding box_encoding = BoxEncoding::TtfnetLtrb;
    BoxUnits box_units = BoxUnits::InputPixels;
    int stride = 4;
    int num_classes = 0;                             // 0 when the heatmap's channel count is symbolic and no names are given
    std::vector<std::string> class_names;            // metadata `class_names` (comma-separated), may be empty
    Normalization norm;                              // metadata `mean` / `std`, else ImageNet's
    std::string variant, activation, training_steps; // trainer metadata, "" when absent
    std::vector<std::string> external_data;          // files the weights live in, to be given with the model
    std::string found_by;                            // how the outputs were identified, for the user ("by name", ...)

    bool fixed_input() const { return input_width > 0 && input_height > 0; }
};

// The interface of a parsed model, or an error that says what does not fit, fit to show a user
// (names the inputs/outputs seen and what was expected).
Result<DetectorInterface> find_detector_interface(const OnnxInfo& info);

// The user's corrections to a guessed interface (the explorer's interface step), remembered per model.
struct InterfaceMapping {
    std::string heatmap, wh, wh_pre; // output names; wh_pre "" for none
    std::string offset;              // CenterNet's offset output; "" for TTFNet's ltrb
    HeatmapEncoding heatmap_encoding = HeatmapEncoding::Logits;
    BoxEncoding box_encoding = BoxEncoding::TtfnetLtrb;
    BoxUnits box_units = BoxUnits::InputPixels;
    int stride = 4;
    InputScaling scaling = InputScaling::ImageNet;
    ChannelOrder channel_order = ChannelOrder::Rgb;
};

// The mapping that describes `d` as it is (the starting point the user corrects).
InterfaceMapping mapping_of(const DetectorInterface& d);

// `d` with the mapping applied; fails (naming the output) when an output is missing from `info`,
// is not 4-D, the box maps do not have the encoding's channels (4 for ltrb, 2 + 2 for CenterNet, whose
// size and offset must differ and which takes no wh_pre) or differ in size from the heatmap, or the
// stride is outside 1..64 or does not divide a fixed input.
Result<DetectorInterface> apply_mapping(DetectorInterface d, const OnnxInfo& info, const InterfaceMapping& m);

// The mean/std that give a scaling (core's Normalization works on x/255).
Normalization normalization_for(InputScaling scaling);

// A mapping as one line of JSON ({"heatmap": .., "wh": .., "wh_pre": .., "offset": .., "heatmap_encoding":
// "logits"|"probabilities", "box_encoding": "ltrb"|"centernet", "box_units": "input_px"|"stride",
// "stride": 4, "scaling": "imagenet"|"0-1"|"0-255", "channel_order": "rgb"|"bgr"}), and back; reading
// fails with the field that is wrong. offset, box_encoding and channel_order may be absent (mappings
// remembered before they existed): "", ltrb and rgb.
std::string mapping_to_json(const InterfaceMapping& m);
Result<InterfaceMapping> mapping_from_json(const std::string& text);

struct InputSize {
    int width = 0, height = 0;
};

// The input size for an image: the model's fixed size; for symbolic H/W, the image's aspect kept, the
// longer side the image's own rounded to a multiple of 32 (every stride up to 32 divides it) and held
// to [64, max_side], the shorter side scaled alike, rounded to 32, at least 32.
InputSize pick_input_size(const DetectorInterface& model, int image_width, int image_height, int max_side = 640);

} // namespace deadzone
