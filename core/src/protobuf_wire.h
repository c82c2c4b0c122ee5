// A bounds-checked reader of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/),
// enough for ONNX's messages: varints, fixed 32/64-bit values and length-delimited fields. Private to
// core/ (onnx_info.cpp and onnx_graph.cpp): ONNX files are read without libprotobuf so that the
// same code runs in the browser.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace deadzone {

// A cursor over protobuf wire format. Every read is bounds-checked; a failure sets `bad` and all
// later reads return nothing, so callers check once at the end.
struct Wire {
    const std::uint8_t* p;
    const std::uint8_t* end;
    bool bad = false;

    bool more() const { return !bad && p < end; }

    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) break;
            const std::uint8_t b = *p++;
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        bad = true;
        return 0;
    }

    // Reads one field's tag; `wire_type` gets the low three bits.
    std::uint32_t tag(int& wire_type) {
        const std::uint64_t t = varint();
        wire_type = static_cast<int>(t & 7);
        return static_cast<std::uint32_t>(t >> 3);
    }

    Wire sub() { // a length-delimited field as its own cursor
        const std::uint64_t n = varint();
        if (bad || n > static_cast<std::uint64_t>(end - p)) {
            bad = true;
            return {end, end, true};
        }
        Wire w{p, p + n};
        p += n;
        return w;
    }

    std::string string() {
        Wire w = sub();
        return w.bad ? std::string() : std::string(reinterpret_cast<const char*>(w.p), w.end - w.p);
    }

    // A fixed32 field as a float (wire type 5). The bytes are little-endian, as on every target
    // DeadZone builds for (x86-64, aarch64, wasm32).
    float float32() {
        float f = 0.0f;
        if (end - p < 4) {
            bad = true;
            return f;
        }
        std::memcpy(&f, p, 4);
        p += 4;
        return f;
    }

    void skip(int wire_type) {
        switch (wire_type) {
        case 0: varint(); break;
        case 1:
            if (end - p < 8) bad = true;
            else p += 8;
            break;
        case 2: sub(); break;
        case 5:
            if (end - p < 4) bad = true;
            else p += 4;
            break;
        default: bad = true; // groups (3, 4) are not used by ONNX
        }
    }
};

} // namespace deadzone
