// Asks the browser which inference back-ends it offers (WebGPU adapter, wasm threads, SIMD).
// The answer comes back asynchronously into app_state().backends.
#pragma once

namespace deadzone::explorer {

void start_backend_probe();

} // namespace deadzone::explorer
