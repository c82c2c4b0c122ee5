// ttfnet-synth: writes images of the synthetic data set as PNG files, with their boxes as YOLO
// labels, so a seed the models were not trained on can be looked at (and shipped as samples).
//
//   ttfnet-synth --seed 99 --count 3 --out assets/images
#include "ttfnet/data/synthetic.h"
#include "ttfnet/eval.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"ttfnet-synth: write images of the seeded synthetic data set as PNG (+ YOLO labels)"};
    app.option_defaults()->always_capture_default();
    std::uint64_t seed = 99;
    int count = 3, size = 320;
    std::string out = ".", prefix = "synthetic";
    app.add_option("--seed", seed, "Synthetic data seed (the shipped models were trained with seed 1)");
    app.add_option("--count", count, "Number of images")->check(CLI::Range(1, 10000));
    app.add_option("--size", size, "Base image size in pixels")->check(CLI::Range(32, 4096));
    app.add_option("--out", out, "Output folder");
    app.add_option("--prefix", prefix, "File name prefix: <prefix>-<seed>-<index>.png");
    CLI11_PARSE(app, argc, argv);

    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) {
        std::cerr << "error: cannot create '" << out << "': " << ec.message() << "\n";
        return 1;
    }
    const ttfnet::SyntheticDataset data(seed, static_cast<std::size_t>(count), 0, size);
    for (std::size_t i = 0; i < data.size(); ++i) {
        auto sample = data.get(i);
        if (!sample) {
            std::cerr << "error: " << sample.error() << "\n";
            return 1;
        }
        const std::string stem = out + "/" + prefix + "-" + std::to_string(seed) + "-" + std::to_string(i);
        if (auto w = ttfnet::write_png(stem + ".png", sample.value().image); !w) {
            std::cerr << "error: " << w.error() << "\n";
            return 1;
        }
        // YOLO labels: class cx cy w h, normalised to the image size.
        std::ofstream labels(stem + ".txt");
        const double iw = sample.value().image.width, ih = sample.value().image.height;
        for (const auto& b : sample.value().boxes) {
            char line[128];
            std::snprintf(line, sizeof line, "%d %.6f %.6f %.6f %.6f\n", b.cls, (b.x1 + b.x2) / 2 / iw, (b.y1 + b.y2) / 2 / ih,
                          (b.x2 - b.x1) / iw, (b.y2 - b.y1) / ih);
            labels << line;
        }
        std::cout << stem << ".png (" << sample.value().boxes.size() << " objects)\n";
    }
    return 0;
}
