// Small building blocks shared by the backbone, neck and heads.
//
// Every block takes an optional ActivationTap so the trainer can look at what each activation layer
// produced on a telemetry step (to count units that are zero for the whole batch) without hooks or
// global state: when the tap is null nothing is recorded and nothing is copied.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace ttfnet {

// Collects (layer name, activation output) pairs during one forward pass. The outputs are float32
// [N, C, H, W] tensors, channels-last or NCHW-contiguous as the layer produced them (the telemetry's
// dead-unit pass reads either layout in place).
struct ActivationTap {
    std::vector<std::pair<std::string, torch::Tensor>> outputs;
    void record(const std::string& name, const torch::Tensor& t) { outputs.emplace_back(name, t.detach()); }
};

enum class Act { None, ReLU, HSwish };

torch::Tensor apply_act(Act act, const torch::Tensor& x);

class ProcessGroup; // distributed.h

// Conv (no bias) + BatchNorm + activation, the unit MobileNetV3 and the TTFNet neck are made of.
struct ConvBnActImpl : torch::nn::Module {
    ConvBnActImpl(std::string name, int in, int out, int kernel, int stride, int groups, Act act);
    torch::Tensor forward(const torch::Tensor& x, ActivationTap* tap);

    std::string name;
    Act act;
    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
    // In training, normalise over this group's global batch (distributed.h's sync_batch_norm);
    // nullptr: over this process's batch.
    ProcessGroup* sync_group = nullptr;
};

// Sets sync_group on every ConvBnAct of `model` (nullptr switches synchronised BatchNorm off).
void use_sync_batch_norm(torch::nn::Module& model, ProcessGroup* group);

// Rounds channel counts the way MobileNet does (to multiples of 8, never dropping below 90%).
int make_divisible(double v, int divisor = 8);

} // namespace ttfnet
