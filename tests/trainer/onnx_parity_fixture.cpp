// Writes what the ONNX parity test (tests/onnx/parity.test.mjs) compares: for every head-variant
// preset, an exported model, an input tensor, and LibTorch's outputs for that input; and for the
// dead-zone scan's check, two more inputs and, for every activation the model's ActivationTap records
// on them (the trainer's forward hooks), the per-channel count of dead units (zero on both inputs).
//
//   onnx_parity_fixture <out_dir> [input_size]
//
// Weights are not the init values: BN statistics and head weights are randomised so that BN
// folding and every activation are exercised with outputs of order 1, not ~0.001.
#include "ttfnet/onnx_export.h"

#include "eval_test_util.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

bool write_floats(const std::string& path, const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), static_cast<std::streamsize>(c.numel() * sizeof(float)));
    return static_cast<bool>(out);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: onnx_parity_fixture <out_dir> [input_size]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const int size = argc > 2 ? std::stoi(argv[2]) : 128;
    torch::set_num_threads(1);
    nlohmann::json manifest = nlohmann::json::array();
    for (const std::string preset : {"broken", "leaky", "bias-init", "softplus", "leaky-bias"}) {
        torch::manual_seed(7);
        ttfnet::ModelConfig config;
        ttfnet::head_variant_preset(preset, &config.variant);
        ttfnet::TtfNet model = ttfnet::make_ttfnet(config);
        ttfnet::eval_testing::randomise(*model);
        model->eval();

        ttfnet::OnnxExportOptions options;
        options.input_size = size;
        options.class_names = {"a", "b", "c"};
        const std::string onnx_path = dir + "/" + preset + ".onnx";
        auto exported = ttfnet::export_onnx(*model, options, onnx_path);
        if (!exported) {
            std::fprintf(stderr, "%s: %s\n", preset.c_str(), exported.error().c_str());
            return 1;
        }
        const torch::Tensor input = torch::randn({1, 3, size, size});
        torch::NoGradGuard no_grad;
        const ttfnet::TtfOutput out = model->forward(input);
        const std::string base = dir + "/" + preset;
        if (!write_floats(base + ".image.bin", input) || !write_floats(base + ".heatmap.bin", out.heatmap) ||
            !write_floats(base + ".wh.bin", out.wh) || !write_floats(base + ".wh_pre.bin", out.wh_pre)) {
            std::fprintf(stderr, "cannot write tensors under %s\n", dir.c_str());
            return 1;
        }
        auto shape = [](const torch::Tensor& t) { return std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()); };
        // Two inputs at once; a unit is dead when it is exactly 0 for both (the scan's rule).
        const torch::Tensor scan_input = torch::randn({2, 3, size, size});
        ttfnet::ActivationTap tap;
        model->forward(scan_input, &tap);
        if (!write_floats(base + ".scan_input.bin", scan_input)) return 1;
        nlohmann::json activations = nlohmann::json::array();
        for (const auto& [name, t] : tap.outputs) {
            const torch::Tensor dead_units = (t == 0).all(0).flatten(1).sum(1).to(torch::kLong).contiguous(); // [C]
            std::vector<std::int64_t> one = shape(t);
            one[0] = 1;
            activations.push_back(
                {{"name", name},
                 {"shape", one},
                 {"dead_units", std::vector<std::int64_t>(dead_units.data_ptr<std::int64_t>(),
                                                          dead_units.data_ptr<std::int64_t>() + dead_units.numel())}});
        }
        manifest.push_back(
            {{"variant", preset},
             {"model", preset + ".onnx"},
             {"nodes", exported.value().nodes},
             {"activations", activations},
             {"shapes",
              {{"image", shape(input)}, {"heatmap", shape(out.heatmap)}, {"wh", shape(out.wh)}, {"wh_pre", shape(out.wh_pre)}}}});
    }
    std::ofstream(dir + "/manifest.json") << manifest.dump(2) << "\n";
    std::printf("wrote %zu variants to %s\n", manifest.size(), dir.c_str());
    return 0;
}
