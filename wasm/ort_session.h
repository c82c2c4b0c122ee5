// ONNX Runtime Web, called from C++ (ort_session.cpp over web/ort_bridge.js). Calls return at once;
// results come back to pipeline.h's on_session_created / on_run_finished.
#pragma once

#include "detect_state.h"

#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

// external: the files the model keeps its weights in (named as the model names them).
void ort_create_session(int session_id, const std::vector<std::uint8_t>& bytes, const std::vector<ExternalFile>& external,
                        Backend backend);
void ort_release_session(int session_id);
// input: NCHW floats [1, 3, height, width], fed and read as `model` says (its input and output names).
void ort_run(int session_id, int request_id, const std::vector<float>& input, int width, int height,
             const DetectorInterface& model);
bool ort_in_worker(); // wasm sessions run in web/ort_worker.js, off the main thread
// Any outputs by name, for the Scan view: input is [1,3,height,width] float32 values, or float16 bit
// patterns when `half`. Each output comes back to scan_pipeline.h's on_scan_output, in the order of
// `outputs`, then on_scan_run_done.
void ort_run_outputs(int session_id, int request_id, const void* input, int count, bool half, int width, int height,
                     const std::string& input_name, const std::vector<std::string>& outputs);

} // namespace deadzone::explorer
