// Helpers for the ONNX import and ttfnet-eval tests.
#pragma once

#include "ttfnet/model/ttfnet.h"

#include "test_util.h"

#include <string>

namespace ttfnet::eval_testing {

inline std::string temp_dir(const std::string& name) { return testing::temp_dir("eval_" + name); }

// Small heads so the tests run fast; the backbone is the real one.
inline ModelConfig small_config(const std::string& preset) {
    ModelConfig c;
    head_variant_preset(preset, &c.variant);
    c.neck_planes = {32, 16, 16};
    c.hm_head_channels = 16;
    c.wh_head_channels = 8;
    return c;
}

// BN statistics and head weights away from their init so BN folding and both sides of every
// activation are exercised, with outputs of order 1 rather than ~0.001 (shared by the import tests
// and the onnxruntime-node parity fixture).
inline void randomise(TtfNetImpl& model) {
    torch::NoGradGuard no_grad;
    for (auto& m : model.modules(false)) {
        if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
            bn->running_mean.normal_(0.0, 0.2);
            bn->running_var.uniform_(0.5, 2.0);
            bn->weight.uniform_(0.5, 1.5);
            bn->bias.normal_(0.0, 0.1);
        }
    }
    for (auto* convs : {&model.hm_convs, &model.wh_convs})
        for (auto& c : *convs) c->weight.normal_(0.0, 0.05);
    model.hm_out->weight.normal_(0.0, 0.05);
    model.wh_out->weight.normal_(0.0, 0.05);
    model.wh_out->bias.normal_(0.0, 0.5);
}

} // namespace ttfnet::eval_testing
