// Makes the app's WebGL2 canvas keep its pixels from one frame to the next.
//
// The app redraws only the tiles that changed since the last frame (wasm/partial_redraw.h), which
// needs the rest of the last frame still on the canvas: WebGL's preserveDrawingBuffer. SDL creates
// the context through Emscripten's EGL, which has no way to ask for it, so the attribute is added
// here, where the context is created. The app checks the attribute it got and draws every frame
// whole without it, so a failure here costs speed, never correctness.

// Adds preserveDrawingBuffer to every WebGL2 context created on `canvas` from now on.
export function preserveCanvasPixels(canvas) {
  const getContext = canvas.getContext.bind(canvas);
  canvas.getContext = (type, attributes) =>
    getContext(type, type === "webgl2" ? { ...attributes, preserveDrawingBuffer: true } : attributes);
}
