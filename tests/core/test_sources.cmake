# core/'s GoogleTest suites that run in both builds, native (core_tests, tests/CMakeLists.txt) and
# core/ compiled to wasm (tests/core_wasm/CMakeLists.txt): one list, so a suite added here runs in
# both. Suites that need what only the native build has (the shipped assets' folder, OpenCV, the
# eval CLI's metrics) are separate executables in tests/CMakeLists.txt.
set(DEADZONE_CORE_TEST_SOURCES
  channel_stats_test.cpp
  decode_test.cpp
  image_input_test.cpp
  letterbox_test.cpp
  png_decode_test.cpp
  telemetry_reader_test.cpp
  replay_test.cpp
  gradient_flow_test.cpp
  channel_sim_test.cpp
  polyline_test.cpp
  feature_grid_test.cpp
  yolo_labels_test.cpp
  widerperson_labels_test.cpp
  label_layout_test.cpp
  detector_interface_test.cpp
  box_encoding_test.cpp
  image_variants_test.cpp
  float16_test.cpp
  model_scan_test.cpp
  text_list_test.cpp
  model_metadata_test.cpp
  file_names_test.cpp
)
list(TRANSFORM DEADZONE_CORE_TEST_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
