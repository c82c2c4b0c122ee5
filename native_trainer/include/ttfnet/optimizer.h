// The training optimizer: SGD with TTFNet's parameter-wise options (mmdetection's TTFNet config:
// paramwise_options bias_lr_mult 2, bias_decay_mult 0). One definition of the parameter groups for the
// trainer and for loading a checkpoint's optimizer state (eval, resume): group 0 holds every weight,
// group 1 every bias (a parameter whose name ends in "bias"), each in named_parameters() order.
#pragma once

#include "ttfnet/model/ttfnet.h"

#include <memory>
#include <vector>

namespace ttfnet {

struct Optimizer {
    std::unique_ptr<torch::optim::SGD> sgd;
    std::vector<double> lr_mult; // per parameter group: 1 for weights, 2 for biases
};

// lr: the weights' learning rate (biases get twice it); weight_decay applies to weights only.
Optimizer make_optimizer(TtfNetImpl& model, double lr, double momentum, double weight_decay);

// Sets every group's learning rate to lr times its multiplier.
void set_lr(Optimizer& optimizer, double lr);

} // namespace ttfnet
