// DeadZone explorer: the platform shell. SDL2 window + WebGL2 context + Dear ImGui, driven by the
// browser's animation frames. Everything the user sees is drawn by app.cpp.
#include "app.h"
#include "js_bindings.h"
#include "backend_probe.h"
#include "pipeline.h"
#include "scan_pipeline.h"
#include "replay_view.h"
#include "flow_view.h"
#include "partial_redraw.h"
#include "telemetry_loader.h"

#include <SDL.h>
#include <SDL_opengles2.h>
#include <emscripten/emscripten.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl2.h>

#include <cstdio>
#include <cstring>

namespace {

struct Shell {
    SDL_Window* window = nullptr;
    SDL_GLContext gl = nullptr;
    deadzone::explorer::PartialRedraw redraw;
};

// The page owns the layout: the canvas fills the window, so follow the window's CSS size.
// True when the size changed.
bool follow_window_size(SDL_Window* window) {
    int w = 0, h = 0;
    SDL_GetWindowSize(window, &w, &h);
    const int want_w = dz_js_window_width(), want_h = dz_js_window_height();
    if (want_w <= 0 || want_h <= 0 || (want_w == w && want_h == h)) return false;
    SDL_SetWindowSize(window, want_w, want_h);
    return true;
}

// Frame pacing. The browser calls frame() at the display's rate, but drawing (ImGui + WebGL,
// rasterised in software where there is no GPU) is only worth it when something can change:
//   full rate  for 750 ms after input or a resize (long enough for ImGui's hover delays);
//   next frame after a JS callback or test setter (request_redraw): the change is drawn at once;
//   2 fps      while a model runs: the spinner turns, and ONNX Runtime's threads keep the CPU;
//   1 fps      idle, so anything that changed without a wake-up still shows up.
//   held      for up to 100 ms after a new image arrives, until its first detections come: the
//             image and its boxes then appear in one frame, still within what reads as "at once".
// Why so sparing: on a machine without a GPU (software WebGL) one frame costs tens of milliseconds
// of CPU, and every frame drawn during a run is taken from ONNX Runtime's threads, which slows the
// run; the hold keeps the frame that shows a dropped image out of the way of its first run
// (bench/explorer_bench.mjs measures both against a bare session.run; README).
bool should_draw(deadzone::explorer::AppState& state, double now) {
    if (now < state.hold_frames_until_ms) return false; // a pending redraw waits for the hold to end
    if (now < state.input_until_ms) return true;
    if (state.redraw_frames > 0) {
        --state.redraw_frames;
        return true;
    }
    if (state.view != deadzone::explorer::View::Detect && state.replay.timeline.playing) return true; // playback
    if (deadzone::explorer::flow_animating(state)) return true; // particles, what-if playback
    const bool busy = state.ort_busy || deadzone::explorer::any_run_pending(state);
    return now - state.last_draw_ms >= (busy ? 500.0 : 1000.0);
}

void frame(void* arg) {
    auto* shell = static_cast<Shell*>(arg);
    deadzone::explorer::AppState& state = deadzone::explorer::app_state();

    SDL_Event event;
    bool input = false;
    while (SDL_PollEvent(&event)) {
        ImGui_ImplSDL2_ProcessEvent(&event);
        input = true;
        if (event.type == SDL_WINDOWEVENT) shell->redraw.invalidate(); // the canvas may have been reset
    }
    if (follow_window_size(shell->window)) {
        input = true;
        shell->redraw.invalidate();
    }
    const double now = emscripten_get_now();
    if (input) state.input_until_ms = now + 750.0;
    deadzone::explorer::pump_pipeline(state); // starts the next ORT call, never waits for one
    deadzone::explorer::pump_scan(state);
    deadzone::explorer::advance_replay(state, now);
    deadzone::explorer::advance_flow(state, now);
    if (state.view == deadzone::explorer::View::Replay && state.replay.live_listed)
        deadzone::explorer::poll_runs_index(state, now);
    if (!should_draw(state, now)) return; // the canvas keeps showing the last frame
    state.last_draw_ms = now;
    const double draw_start = emscripten_get_now();

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    // Headless Chromium can deliver two frames with the same timestamp; ImGui asserts on dt == 0.
    ImGuiIO& io = ImGui::GetIO();
    if (io.DeltaTime <= 0.0f) io.DeltaTime = 1.0f / 1000.0f;
    ImGui::NewFrame();
    deadzone::explorer::draw_ui(state);
    ImGui::Render();

    SDL_GL_GetDrawableSize(shell->window, &state.framebuffer_width, &state.framebuffer_height);
    ImDrawData* draw_data = ImGui::GetDrawData();
    state.counters.draw_vertices = draw_data->TotalVtxCount;
    state.counters.draw_commands = 0;
    for (const ImDrawList* list : draw_data->CmdLists) state.counters.draw_commands += list->CmdBuffer.Size;
    constexpr float kBackground[4] = {0.08f, 0.09f, 0.11f, 1.0f};
    state.counters.redraw = shell->redraw.render(*draw_data, kBackground, state.partial_redraw);
    ++(state.counters.redraw.full              ? state.counters.frames_full
       : state.counters.redraw.dirty_tiles > 0 ? state.counters.frames_partial
                                               : state.counters.frames_unchanged);
    ++state.frame;
    deadzone::explorer::note_replay_frame_drawn(state, emscripten_get_now());
    state.counters.frame_ms[state.counters.frame_times++ % deadzone::explorer::Counters::kFrameTimes] =
        static_cast<float>(emscripten_get_now() - draw_start);
}

// Page options arrive as arguments (web/app.js turns the URL's query into them):
//   --first-sample=none   start without the first sample image (tests and the bench start empty)
void apply_arguments(int argc, char** argv, deadzone::explorer::AppState& state) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--first-sample=none") == 0) state.detect.show_first_sample = false;
}

} // namespace

int main(int argc, char** argv) {
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        std::fprintf(stderr, "SDL_Init failed: %s\n", SDL_GetError());
        return 1;
    }
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3); // WebGL2
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);

    static Shell shell; // lives for the page's lifetime; the main loop never returns
    shell.window = SDL_CreateWindow("DeadZone", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, dz_js_window_width(),
                                    dz_js_window_height(), SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (shell.window == nullptr || (shell.gl = SDL_GL_CreateContext(shell.window)) == nullptr) {
        std::fprintf(stderr, "Could not create a WebGL2 context: %s\n", SDL_GetError());
        return 1;
    }
    SDL_GL_MakeCurrent(shell.window, shell.gl);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // no imgui.ini in the browser's virtual file system
    ImGui::StyleColorsDark();
    ImGui_ImplSDL2_InitForOpenGL(shell.window, shell.gl);
    ImGui_ImplOpenGL3_Init("#version 300 es");

    deadzone::explorer::start_backend_probe();
    apply_arguments(argc, argv, deadzone::explorer::app_state());
    deadzone::explorer::start_explorer(deadzone::explorer::app_state());
    emscripten_set_main_loop_arg(frame, &shell, 0, true);
    return 0;
}
