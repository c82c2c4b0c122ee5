// ONNX Runtime Web, called from C++ (ort_session.cpp over web/ort_bridge.js). Calls return at once;
// results come back to pipeline.h's on_session_created / on_run_finished.
#pragma once

#include "detect_state.h"

#include <cstdint>
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

} // namespace deadzone::explorer
