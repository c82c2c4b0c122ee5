// GL textures: the loaded image, and the colour-mapped model maps drawn over it (the heatmap's best
// class score or one class's score, as probabilities 0..1, or one wh channel). A wh channel is scaled
// by the largest value of all four wh channels (0..max input pixels), so a dead channel (all zeros) is
// visibly black next to its live neighbours.
#include "textures.h"

#include <GLES3/gl3.h>

#include <algorithm>
#include <cmath>

namespace deadzone::explorer {

// Inferno, as a polynomial fit (black -> purple -> orange -> pale yellow): perceptually ordered,
// and 0 is black, which is what "dead" should look like.
void colormap(float t, float rgb[3]) {
    t = std::clamp(t, 0.0f, 1.0f);
    const float c0[3] = {0.0002189f, 0.001651f, -0.01948f}, c1[3] = {0.1065f, 0.5639f, 3.9327f},
                c2[3] = {11.6024f, -3.9728f, -15.9423f}, c3[3] = {-41.7039f, 17.4363f, 44.3541f},
                c4[3] = {77.1629f, -33.4023f, -81.8073f}, c5[3] = {-71.3194f, 32.6260f, 73.2095f},
                c6[3] = {25.1311f, -12.2426f, -23.0703f};
    for (int k = 0; k < 3; ++k)
        rgb[k] = std::clamp(c0[k] + t * (c1[k] + t * (c2[k] + t * (c3[k] + t * (c4[k] + t * (c5[k] + t * c6[k]))))), 0.0f, 1.0f);
}

namespace {

unsigned upload(unsigned texture, int w, int h, GLenum format, const void* data, GLint filter) {
    GLuint id = texture;
    if (id == 0) glGenTextures(1, &id);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1); // RGB rows are not 4-byte aligned
    glTexImage2D(GL_TEXTURE_2D, 0, format == GL_RGB ? GL_RGB8 : GL_RGBA8, w, h, 0, format, GL_UNSIGNED_BYTE, data);
    return id;
}

} // namespace

unsigned upload_rgb_texture(unsigned texture, const RgbImage& image) {
    return upload(texture, image.width, image.height, GL_RGB, image.pixels.data(), GL_LINEAR);
}

void update_overlay_texture(Prediction& pred, int overlay, int heatmap_class) {
    pred.overlay_kind = overlay;
    pred.overlay_class = heatmap_class;
    if (overlay == kOverlayNone || !pred.valid) return;
    if (!pred.has_maps()) { // still on the GPU (pump_pipeline reads them; this runs again when they come)
        pred.overlay_kind = -1;
        return;
    }
    const ModelOutputs& o = pred.out;
    const size_t plane = static_cast<size_t>(o.height) * o.width;
    std::vector<float> values(plane, 0.0f);
    if (overlay == kOverlayHeatmap) {
        // Scores are probabilities: the bar spans 0..1 whatever the image.
        pred.overlay_range_max = 1.0f;
        const bool one_class = heatmap_class >= 0 && heatmap_class < o.classes;
        pred.overlay_shown_class = one_class ? heatmap_class : -1; // a class this model lacks: its best class
        for (size_t i = 0; i < plane; ++i) {
            float best = 0.0f;
            for (int c = one_class ? heatmap_class : 0; c < (one_class ? heatmap_class + 1 : o.classes); ++c)
                best = std::max(best, sigmoid(o.heatmap[c * plane + i]));
            values[i] = best;
        }
    } else {
        const int channel = std::clamp(overlay - kOverlayWh0, 0, 3);
        float scale = 0.0f;
        for (float v : o.wh) scale = std::max(scale, v);
        pred.overlay_range_max = scale;
        for (size_t i = 0; i < plane; ++i) values[i] = scale > 0 ? o.wh[channel * plane + i] / scale : 0.0f;
    }
    std::vector<unsigned char> rgba(plane * 4);
    for (size_t i = 0; i < plane; ++i) {
        float rgb[3];
        colormap(values[i], rgb);
        for (int k = 0; k < 3; ++k) rgba[i * 4 + k] = static_cast<unsigned char>(std::lround(rgb[k] * 255.0f));
        rgba[i * 4 + 3] = 255;
    }
    // NEAREST: one texel per feature-map cell, so hovering reads the cell you see.
    pred.overlay_texture = upload(pred.overlay_texture, o.width, o.height, GL_RGBA, rgba.data(), GL_NEAREST);
}

void update_overlay_textures(DetectState& detect) {
    for (Panel& p : detect.panels) update_overlay_texture(p.pred, detect.overlay, detect.heatmap_class);
}

} // namespace deadzone::explorer
