// Files into the app: dropped anywhere on the page, picked with the Open button, or fetched from
// the server (model manifest, shipped models, sample images). SDL2's Emscripten backend has no
// SDL_DROPFILE, so JS copies the bytes onto the wasm heap and calls back into C++ with a pointer,
// and C++ copies them into its own vector. (The in-memory FS used before added a file write and a
// stream read byte by byte: about 1 ms per image in the drop-to-boxes latency.) Nothing leaves the
// browser: dropped files are only read locally.
#include "app.h"

#include <emscripten/emscripten.h>

#include <cstdint>
#include <string>
#include <vector>

// Calls C++ export `fn` with (pointer, length) of a heap copy of `buffer` followed by `rest`
// (strings and numbers); the copy is freed when the call returns (C++ keeps its own).
EM_JS(void, dz_js_install_heap_call, (), {
    globalThis.dzCallWithBytes = (fn, buffer, restTypes, rest) => {
        const bytes = new Uint8Array(buffer);
        const p = _malloc(Math.max(1, bytes.length));
        if (!p) throw new Error("out of memory for " + bytes.length + " bytes");
        try {
            HEAPU8.set(bytes, p);
            ccall(fn, null, ["number", "number", ...restTypes], [p, bytes.length, ...rest]);
        } finally {
            _free(p);
        }
    };
});

EM_JS(void, dz_js_install_file_drop, (), {
    // Hand one File to C++: bytes -> dz_on_file_dropped(bytes, size, name, t0).
    const deliver = (file, t0) => file.arrayBuffer().then((buffer) => {
        dzCallWithBytes("dz_on_file_dropped", buffer, ["string", "number"], [file.name, t0]);
    }).catch((e) => ccall("dz_on_file_error", null, ["string", "string"], [file.name, String(e)]));
    const accept = (files, t0) => { for (const f of files) deliver(f, t0); };
    window.addEventListener("dragover", (e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; });
    window.addEventListener("drop", (e) => {
        e.preventDefault();
        const t0 = performance.now();
        if (e.dataTransfer && e.dataTransfer.files) accept(e.dataTransfer.files, t0);
    });
    // The Open button clicks this hidden input (allowed: it follows the user's click).
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.accept = ".png,.jpg,.jpeg,.bmp,.gif,.onnx";
    input.style.display = "none";
    input.id = "dz-open-file";
    input.addEventListener("change", () => { accept(input.files, performance.now()); input.value = ""; });
    document.body.appendChild(input);
});

EM_JS(void, dz_js_open_file_dialog, (), {
    const input = document.getElementById("dz-open-file");
    if (input) input.click();
});

EM_JS(void, dz_js_fetch_file, (const char* url_c, const char* kind_c), {
    const url = UTF8ToString(url_c), kind = UTF8ToString(kind_c);
    const t0 = performance.now();
    const report = (buffer, status) =>
        dzCallWithBytes("dz_on_fetched", buffer, ["string", "string", "string", "number"], [kind, url, status, t0]);
    fetch(url).then((r) => {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.arrayBuffer();
    }).then((buffer) => report(buffer, ""))
      .catch((e) => report(new ArrayBuffer(0), String((e && e.message) || e)));
});

namespace {

std::vector<std::uint8_t> copy_bytes(const std::uint8_t* data, int size) {
    return std::vector<std::uint8_t>(data, data + size);
}

bool ends_with(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i) {
        char c = s[s.size() - suffix.size() + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

std::string base_name(const std::string& url) {
    const size_t slash = url.find_last_of('/');
    return slash == std::string::npos ? url : url.substr(slash + 1);
}

} // namespace

namespace deadzone::explorer {
void on_manifest_fetched(AppState& state, const std::string& kind, const std::string& url,
                         const std::vector<std::uint8_t>& bytes, const std::string& error);
} // namespace deadzone::explorer

extern "C" {

EMSCRIPTEN_KEEPALIVE void dz_on_file_dropped(const std::uint8_t* data, int size, const char* name, double t0) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    std::vector<std::uint8_t> bytes = copy_bytes(data, size);
    // .onnx by name; everything else is treated as an image and the decoder's sniffing decides.
    if (ends_with(name, ".onnx")) accept_model_bytes(app_state(), name, "dropped", std::move(bytes));
    else accept_image_bytes(app_state(), name, bytes, t0);
}

EMSCRIPTEN_KEEPALIVE void dz_on_file_error(const char* name, const char* message) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    post_message(app_state(), std::string("could not read '") + name + "': " + message, true);
}

EMSCRIPTEN_KEEPALIVE void dz_on_fetched(const std::uint8_t* data, int size, const char* kind_c, const char* url_c,
                                        const char* error, double t0) {
    using namespace deadzone::explorer;
    AppState& state = app_state();
    request_redraw(state);
    const std::string kind = kind_c, url = url_c;
    std::vector<std::uint8_t> bytes;
    if (error[0] == '\0') bytes = copy_bytes(data, size);
    if (kind == "warm-up image") {
        if (error[0] == '\0') warm_up_image_path(bytes);
    } else if (kind == "image") {
        if (error[0] != '\0') post_message(state, "could not fetch sample image " + url + ": " + error, true);
        else accept_image_bytes(state, base_name(url), bytes, t0);
    } else if (kind == "model" || kind == "test model") {
        std::string name = base_name(url);
        if (ends_with(name, ".onnx")) name.resize(name.size() - 5);
        if (error[0] != '\0') post_message(state, "could not fetch model " + url + ": " + error, true);
        else accept_model_bytes(state, name, kind == "model" ? "shipped" : kind, std::move(bytes));
    } else {
        on_manifest_fetched(state, kind, url, bytes, error);
    }
}

} // extern "C"

namespace deadzone::explorer {

void install_file_drop() {
    dz_js_install_heap_call();
    dz_js_install_file_drop();
}
void open_file_dialog() { dz_js_open_file_dialog(); }
void fetch_file(const std::string& url, const std::string& kind) { dz_js_fetch_file(url.c_str(), kind.c_str()); }

} // namespace deadzone::explorer
