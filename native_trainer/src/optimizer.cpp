#include "ttfnet/optimizer.h"

namespace ttfnet {

Optimizer make_optimizer(TtfNetImpl& model, double lr, double momentum, double weight_decay) {
    std::vector<torch::Tensor> weights, biases;
    for (const auto& p : model.named_parameters()) {
        const std::string& k = p.key();
        const bool is_bias = k.size() >= 4 && k.compare(k.size() - 4, 4, "bias") == 0;
        (is_bias ? biases : weights).push_back(p.value());
    }
    using torch::optim::SGDOptions;
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(weights, std::make_unique<SGDOptions>(SGDOptions(lr).momentum(momentum).weight_decay(weight_decay)));
    groups.emplace_back(biases, std::make_unique<SGDOptions>(SGDOptions(lr * 2).momentum(momentum).weight_decay(0)));
    Optimizer o;
    o.sgd = std::make_unique<torch::optim::SGD>(std::move(groups), SGDOptions(lr).momentum(momentum));
    o.lr_mult = {1.0, 2.0};
    return o;
}

void set_lr(Optimizer& o, double lr) {
    auto& groups = o.sgd->param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i)
        static_cast<torch::optim::SGDOptions&>(groups[i].options()).lr(lr * o.lr_mult[i]);
}

} // namespace ttfnet
