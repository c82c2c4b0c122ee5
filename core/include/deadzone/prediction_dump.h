// The raw prediction dump: the text DeadZone prints for a model's wh head on one image.
//
// ttfnet-eval prints it, and the explorer can print the identical text, because both format the
// numbers here. The statistics come from per_channel_stats() (channel_stats.h) and a channel is
// flagged with channel_is_dead() (diagnostics.h):
//
//   wh channel 0 (left): min=0.000, max=0.000, mean=0.000  <- DEAD
//   wh channel 1 (top): min=0.000, max=41.211, mean=7.802
//   ...
//   wh fraction zero: left=1.000, top=0.000, right=0.000, bottom=0.000
//
// Numbers are printed with 3 decimals ("%.3f"); "-0.000" is printed as "0.000".
#pragma once

#include "deadzone/box_encoding.h"

#include "deadzone/channel_stats.h"
#include "deadzone/decode.h"

#include <string>
#include <vector>

namespace deadzone {

// "left", "top", "right", "bottom" for channels 0..3, "?" otherwise.
const char* wh_channel_name(int channel);

// "%.3f" without a negative zero.
std::string format_fixed3(double value);

// "%.4g" (weight standard deviations are ~0.001: 3 decimals would hide them).
std::string format_g4(double value);

// One line, no trailing newline: "<label> channel <c> (<name>): min=.., max=.., mean=..[  <- DEAD]".
// Names are the box head's (box_encoding.h: left/top/right/bottom, or CenterNet's width/height/offsets).
std::string format_channel_line(const std::string& label, int channel, const ChannelStats& stats, bool dead,
                                BoxEncoding encoding = BoxEncoding::TtfnetLtrb);

// "<label> fraction zero: left=1.000, top=0.000, ..." (the share of exact zeros per channel), no newline.
std::string format_fraction_zero_line(const std::string& label, const std::vector<ChannelStats>& stats,
                                      BoxEncoding encoding = BoxEncoding::TtfnetLtrb);

// One line per channel of wh (post-activation, input pixels), each ending in '\n'; a channel is
// marked "  <- DEAD" when channel_is_dead(stats) holds. Then the fraction-zero line.
std::string format_wh_dump(const std::vector<ChannelStats>& wh_stats, BoxEncoding encoding = BoxEncoding::TtfnetLtrb);

// The same lines for the pre-activation (label "wh_pre"); never marked dead (a pre-activation is
// not zero when dead, it is negative: see the max).
std::string format_wh_pre_dump(const std::vector<ChannelStats>& wh_pre_stats);

// The final wh conv, one line per output channel:
//   "wh_out channel 0 (left): weight std=0.001023, bias=-5.000" (std "%.4g", bias 3 decimals)
// weight_std[c] is the population std of channel c's weights. Sizes must match.
std::string format_final_conv(const std::vector<double>& weight_std, const std::vector<double>& bias);

// One line per detection: "det 0: class=person score=0.912 box=(10.000, 20.000, 50.000, 90.000)
// centre=(30.000, 55.000)". class_names may be shorter than the class ids (then "class<id>").
std::string format_detections(const std::vector<Detection>& detections, const std::vector<std::string>& class_names);

// The detection part of ttfnet-eval's text: "detections: 3 (score >= 0.300, top 100)", the
// format_detections lines, and when the decode met NaN/Inf "warning: non-finite outputs: 2 heatmap
// cells, 0 wh cells, 0 peaks dropped". Every line ends in '\n'.
std::string format_decoded(const DecodeResult& decoded, const DecodeParams& params, const std::vector<std::string>& class_names);

} // namespace deadzone
