// ESLint (flat config) for the repository's JavaScript: the page's modules (web/), the tests, the
// benchmarks and the tools. scripts/lint.sh runs it; CI fails on any error. The rules are ESLint's
// recommended set, with the globals each kind of file really has.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "build/", "test-output/", "third_party/", "assets/", "ort/"] },
  js.configs.recommended,
  {
    // Node programs: tests, benchmarks, tools, scripts, the static server.
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // The page's modules and workers.
    files: ["web/**/*.js"],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // An Emscripten JS library: a script whose functions are copied into the generated module, where
    // Emscripten's runtime names (HEAPU8, ccall, ...) are in scope.
    files: ["web/explorer_library.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser } },
  },
  {
    // Code that page.evaluate() runs in the browser is written inside the Node tests.
    files: ["tests/e2e/**/*.mjs", "bench/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
