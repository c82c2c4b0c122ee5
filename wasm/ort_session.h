// ONNX Runtime Web, called from C++ (ort_session.cpp over web/ort_bridge.js). Calls return at once;
// results come back to pipeline.h's on_session_created / on_run_finished.
#pragma once

#include "detect_state.h"

#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

// external: the files the model keeps its weights in (named as the model names them).
// outputs_on_gpu (WebGPU): outputs stay on the GPU, for ort_run_outputs' `accumulate`.
void ort_create_session(int session_id, const std::vector<std::uint8_t>& bytes, const std::vector<ExternalFile>& external,
                        Backend backend, bool outputs_on_gpu = false);
void ort_release_session(int session_id);
// input: NCHW floats [1, 3, height, width], fed and read as `model` says (its input and output names).
// gpu_decode: "" or the JSON of web/ort_runner.js's feed.decode: decode on the GPU, answered by
// pipeline.h's on_run_decoded when it was done there (else on_run_finished, as without it).
void ort_run(int session_id, int request_id, const std::vector<float>& input, int width, int height,
             const DetectorInterface& model, const std::string& gpu_decode = "");
// The maps run `handle` left on the GPU: read back (to pipeline.h's on_maps_read) or let go.
void ort_read_kept_maps(int request_id, int handle, const DetectorInterface& model);
void ort_drop_kept_maps(int handle);
bool ort_in_worker(); // wasm sessions run in web/ort_worker.js, off the main thread
// Any outputs by name, for the Scan view: input is [1,3,height,width] float32 values, or float16 bit
// patterns when `half`. Each output comes back to scan_pipeline.h's on_scan_output, in the order of
// `outputs`, then on_scan_run_done.
// accumulate: "" or the JSON list of outputs to add to their layer's counts on the GPU instead of
// handing them over (web/ort_runner.js feed.accumulate); ort_read_totals reads those counts back.
void ort_run_outputs(int session_id, int request_id, const void* input, int count, bool half, int width, int height,
                     const std::string& input_name, const std::vector<std::string>& outputs, const std::string& accumulate = "");
// The counts session `session_id`'s runs gathered on the GPU: each layer's to scan_pipeline.h's
// on_scan_layer_totals, then on_scan_run_done(request_id).
void ort_read_totals(int session_id, int request_id);

} // namespace deadzone::explorer
