#include "ttfnet/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ttfnet {

namespace {
constexpr const char* kFormat = "deadzone-ttfnet-checkpoint-v1";
}

std::string serialize_checkpoint(TtfNetImpl& model, torch::optim::Optimizer& optimizer, const TrainState& state) {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("fingerprint", c10::IValue(model.config.architecture_fingerprint()));
    archive.write("variant", c10::IValue(model.config.variant.name));
    archive.write("step", c10::IValue(state.step));
    archive.write("position", c10::IValue(state.position));
    archive.write("lr_scale", c10::IValue(state.lr_scale));
    archive.write("seed", c10::IValue(state.seed));
    archive.write("batch_size", c10::IValue(state.batch_size));
    archive.write("total_steps", c10::IValue(state.total_steps));
    archive.write("world_size", c10::IValue(state.world_size));
    {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        archive.write("torch_rng", gen.get_state(), /*is_buffer=*/true);
    }
    torch::serialize::OutputArchive model_archive, optim_archive;
    model.save(model_archive);
    optimizer.save(optim_archive);
    archive.write("model", model_archive);
    archive.write("optimizer", optim_archive);
    std::ostringstream out;
    archive.save_to(out);
    return out.str();
}

deadzone::Result<TrainState> deserialize_checkpoint(const std::string& bytes, const std::string& what, TtfNetImpl& model,
                                                    torch::optim::Optimizer& optimizer) {
    torch::serialize::InputArchive archive;
    try {
        std::istringstream in(bytes);
        archive.load_from(in);
    } catch (const std::exception&) {
        return deadzone::Error{what + " is not a readable checkpoint (corrupt or truncated file?)"};
    }
    c10::IValue v;
    if (!archive.try_read("format", v) || !v.isString() || v.toStringRef() != kFormat) {
        return deadzone::Error{what + " is not a DeadZone TTFNet checkpoint (no '" + std::string(kFormat) + "' marker)"};
    }
    const std::string expected = model.config.architecture_fingerprint();
    if (!archive.try_read("fingerprint", v) || !v.isString() || v.toStringRef() != expected) {
        return deadzone::Error{what + " was saved from a different model (" +
                               (v.isString() ? v.toStringRef() : std::string("?")) + "); this run builds " + expected +
                               ": use the same --data classes and head flags"};
    }
    TrainState state;
    try {
        archive.read("step", v);
        state.step = v.toInt();
        archive.read("position", v);
        state.position = v.toInt();
        archive.read("lr_scale", v);
        state.lr_scale = v.toDouble();
        archive.read("seed", v);
        state.seed = v.toInt();
        archive.read("batch_size", v);
        state.batch_size = v.toInt();
        archive.read("total_steps", v);
        state.total_steps = v.toInt();
        state.world_size = archive.try_read("world_size", v) && v.isInt() ? v.toInt() : 1;
        torch::Tensor rng;
        archive.read("torch_rng", rng, /*is_buffer=*/true);
        torch::serialize::InputArchive model_archive, optim_archive;
        archive.read("model", model_archive);
        archive.read("optimizer", optim_archive);
        model.load(model_archive);
        optimizer.load(optim_archive);
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(rng);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        msg = msg.substr(0, msg.find('\n'));
        return deadzone::Error{what + " does not match this model: " + msg};
    }
    return state;
}

deadzone::Result<bool> write_file_atomic(const std::string& path, const std::string& bytes) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) return deadzone::Error{"cannot write " + tmp};
        f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        f.flush();
        if (!f) return deadzone::Error{"write failed for " + tmp + " (disk full?)"};
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return deadzone::Error{"cannot rename " + tmp + " to " + path + ": " + ec.message()};
    return true;
}

deadzone::Result<TrainState> load_checkpoint_file(const std::string& path, TtfNetImpl& model,
                                                  torch::optim::Optimizer& optimizer) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return deadzone::Error{"cannot open checkpoint " + path};
    std::ostringstream s;
    s << f.rdbuf();
    return deserialize_checkpoint(s.str(), "checkpoint " + path, model, optimizer);
}

} // namespace ttfnet
