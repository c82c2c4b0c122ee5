// The C interface of core's dead-zone scan (model_scan.h) for tools/deadzone-scan.mjs, which runs
// it as wasm beside onnxruntime-node: the scan's analysis is the one C++ implementation the explorer
// also uses; this file only passes bytes and strings across.
//
// A ScanSession owns everything the JS side reads back (strings, the prepared input); pointers into
// it stay valid until the next call on the same session. Every call that can fail returns 0/null
// and leaves the reason in dz_scan_error().
#pragma once

#include <cstdint>

// One scan: the model, its analysis so far, and the last string or tensor handed out.
struct ScanSession;

extern "C" {

// Opens a scan of the ONNX model in `bytes`; never null. Thresholds as StaticThresholds.
ScanSession* dz_scan_open(const std::uint8_t* bytes, int size, double gamma_eps, double running_eps, double weight_eps);
void dz_scan_close(ScanSession* s);
const char* dz_scan_error(ScanSession* s);
// {inputs: [{name, dims, elem_type}], external_data: [file], layers: [{tensor, node, op, can_die}],
//  static_findings: n}
const char* dz_scan_info_json(ScanSession* s);
// The input the scan feeds (model_scan.h scan_input): {name, width, height, symbolic, half}, or null
// with the reason in dz_scan_error.
const char* dz_scan_input_json(ScanSession* s, int symbolic_width, int symbolic_height);
// The model with every activation output exposed; its size in *size.
const std::uint8_t* dz_scan_exposed_model(ScanSession* s, int* size);
// Frees the exposed model once the caller has its own copy.
void dz_scan_release_exposed_model(ScanSession* s);
// [[layer, ...], ...] for a memory budget in bytes (ModelScan::fetch_groups).
const char* dz_scan_fetch_groups_json(ScanSession* s, double budget_bytes);
// Decodes an image and letterboxes it into [1,3,height,width] with the scaling (0 ImageNet, 1 0-1,
// 2 0-255: detector_interface.h InputScaling), planes in BGR order when `bgr` (image_input.h
// ChannelOrder). Returns the float32 tensor, or its float16 bit patterns when `as_half` (float16.h,
// as the explorer feeds half models); null on a bad image.
const void* dz_scan_prepare_image(ScanSession* s, const std::uint8_t* bytes, int size, int width, int height, int scaling,
                                  int bgr, int as_half);
// One activation output: `values` (float32, or float16 bit patterns when `is_half`), dims[rank].
int dz_scan_add_output(ScanSession* s, int layer, const void* values, int is_half, const double* dims, int rank);
void dz_scan_end_image(ScanSession* s, const char* name);
// An image left out (e.g. dz_scan_prepare_image could not decode it), with the reason.
void dz_scan_skip_image(ScanSession* s, const char* name, const char* reason);
// The report (scan_report.h) as JSON (format 0) or Markdown (format 1). scaling / bgr: as given to
// dz_scan_prepare_image, recorded as the report's preprocessing; scaling -1: the caller fed its own
// tensors (no preprocessing to record).
const char* dz_scan_report(ScanSession* s, const char* model_name, const double* input_dims, int rank, int scaling, int bgr,
                           int format);

} // extern "C"
