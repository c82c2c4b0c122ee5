// Answers the WebGL state queries that Dear ImGui's OpenGL3 back-end makes every frame from the
// values last set, instead of asking the GPU process.
//
// The back-end saves the GL state before drawing and restores it after (glGetIntegerv of the
// scissor box, the blend functions and the blend equations). Chromium answers those getParameter
// calls with a synchronous round trip to the GPU process, which first finishes every command queued
// before them: measured with a software GPU (SwiftShader, headless Chromium on a 2-core machine),
// about 30 ms of every frame went to waiting there (bench/flow_bench.mjs). Only the app draws on its
// canvas, so the state it last set is known here. The back-end's other queries (viewport, program,
// bindings) are answered by Chromium's client-side cache and still go to WebGL, as does everything
// else. After a context loss the shadow keeps the old values: harmless, as the back-end sets the
// scissor and blending itself before every draw.
//
// Initial values are those of the WebGL 2 specification (OpenGL ES 3.0 section 6.2, table 6.x): the
// scissor box is the drawing buffer, blending is ONE/ZERO with FUNC_ADD.

// Installs the shadow on a WebGL2 context (once).
export function shadowStateQueries(gl) {
  if (gl.__deadzoneShadow) return gl;
  gl.__deadzoneShadow = true;
  const scissor = new Int32Array([0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight]);
  const blend = new Map([
    [gl.BLEND_SRC_RGB, gl.ONE], [gl.BLEND_SRC_ALPHA, gl.ONE],
    [gl.BLEND_DST_RGB, gl.ZERO], [gl.BLEND_DST_ALPHA, gl.ZERO],
    [gl.BLEND_EQUATION_RGB, gl.FUNC_ADD], [gl.BLEND_EQUATION_ALPHA, gl.FUNC_ADD],
  ]);
  const wrap = (name, record) => {
    const original = gl[name].bind(gl);
    // The app passes only valid values (a refused call would leave WebGL's state and the shadow apart).
    gl[name] = (...args) => {
      original(...args);
      record(...args);
    };
  };
  wrap("scissor", (x, y, w, h) => scissor.set([x, y, w, h]));
  wrap("blendFunc", (s, d) => {
    blend.set(gl.BLEND_SRC_RGB, s).set(gl.BLEND_SRC_ALPHA, s).set(gl.BLEND_DST_RGB, d).set(gl.BLEND_DST_ALPHA, d);
  });
  wrap("blendFuncSeparate", (sRgb, dRgb, sA, dA) => {
    blend.set(gl.BLEND_SRC_RGB, sRgb).set(gl.BLEND_DST_RGB, dRgb).set(gl.BLEND_SRC_ALPHA, sA).set(gl.BLEND_DST_ALPHA, dA);
  });
  wrap("blendEquation", (m) => blend.set(gl.BLEND_EQUATION_RGB, m).set(gl.BLEND_EQUATION_ALPHA, m));
  wrap("blendEquationSeparate", (rgb, a) => blend.set(gl.BLEND_EQUATION_RGB, rgb).set(gl.BLEND_EQUATION_ALPHA, a));
  const getParameter = gl.getParameter.bind(gl);
  gl.getParameter = (pname) => {
    if (pname === gl.SCISSOR_BOX) return new Int32Array(scissor); // a copy, as WebGL returns
    if (blend.has(pname)) return blend.get(pname);
    return getParameter(pname);
  };
  return gl;
}

// Makes every WebGL2 context created on `canvas` answer from the shadow (SDL creates the app's).
export function shadowCanvasContexts(canvas) {
  const getContext = canvas.getContext.bind(canvas);
  canvas.getContext = (type, attributes) => {
    const context = getContext(type, attributes);
    return context && type === "webgl2" ? shadowStateQueries(context) : context;
  };
}
