#include "ttfnet/onnx_import.h"

#include "deadzone/model_metadata.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace ttfnet {

namespace {

// An initializer as GraphBuilder wrote it: "<hint>_<counter>".
struct Init {
    std::string hint;
    const onnx::TensorProto* tensor;
};

std::string hint_of(const std::string& name) {
    const std::size_t us = name.rfind('_');
    if (us == std::string::npos || us + 1 == name.size()) return name;
    for (std::size_t i = us + 1; i < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9') return name;
    return name.substr(0, us);
}

std::string shape_str(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

std::vector<std::int64_t> dims(const onnx::TensorProto& t) { return {t.dims().begin(), t.dims().end()}; }

torch::Tensor to_tensor(const onnx::TensorProto& t) {
    if (t.data_type() != onnx::TensorProto_DataType_FLOAT)
        throw std::runtime_error("initializer '" + t.name() + "' is not float32");
    const std::vector<std::int64_t> shape = dims(t);
    std::int64_t n = 1;
    for (std::int64_t d : shape) {
        if (d < 0 || d > (std::int64_t{1} << 31)) throw std::runtime_error("initializer '" + t.name() + "' has a bad shape");
        n *= d;
    }
    torch::Tensor out = torch::empty(shape, torch::kFloat32);
    if (t.has_raw_data()) {
        if (t.raw_data().size() != static_cast<std::size_t>(n) * sizeof(float))
            throw std::runtime_error("initializer '" + t.name() + "' holds " + std::to_string(t.raw_data().size()) +
                                     " bytes for shape " + shape_str(shape));
        std::memcpy(out.data_ptr<float>(), t.raw_data().data(), t.raw_data().size());
    } else {
        if (t.float_data_size() != n)
            throw std::runtime_error("initializer '" + t.name() + "' holds " + std::to_string(t.float_data_size()) +
                                     " values for shape " + shape_str(shape));
        std::memcpy(out.data_ptr<float>(), t.float_data().data(), static_cast<std::size_t>(n) * sizeof(float));
    }
    return out;
}

// Hands out the initializers in graph order, as the exporter created them. The constants of
// Resize ("resize_scales") and of the final Mul ("scale") sit between the convs and are skipped.
class Cursor {
public:
    explicit Cursor(const std::vector<Init>& inits) : inits_(inits) {}

    torch::Tensor next(const std::string& hint, const torch::Tensor& like) {
        skip_constants();
        if (pos_ >= inits_.size()) throw std::runtime_error("initializers end before '" + hint + "' (not the exporter's layout)");
        const Init& in = inits_[pos_++];
        if (in.hint != hint)
            throw std::runtime_error("expected initializer '" + hint + "_<n>', found '" + in.tensor->name() +
                                     "' (not the exporter's layout)");
        torch::Tensor t = to_tensor(*in.tensor);
        if (t.sizes() != like.sizes())
            throw std::runtime_error("initializer '" + in.tensor->name() + "' has shape " + shape_str(dims(*in.tensor)) +
                                     ", the model expects " +
                                     shape_str(std::vector<std::int64_t>(like.sizes().begin(), like.sizes().end())));
        return t;
    }

    void expect_end() {
        skip_constants();
        if (pos_ != inits_.size())
            throw std::runtime_error("unexpected initializer '" + inits_[pos_].tensor->name() + "' after the last layer");
    }

private:
    void skip_constants() {
        while (pos_ < inits_.size() && (inits_[pos_].hint == "scale" || inits_[pos_].hint == "resize_scales")) ++pos_;
    }
    const std::vector<Init>& inits_;
    std::size_t pos_ = 0;
};

void load_plain(Cursor& cur, torch::nn::Conv2d& conv, const std::string& name) {
    conv->weight.copy_(cur.next(name + ".weight", conv->weight));
    if (conv->bias.defined()) {
        conv->bias.copy_(cur.next(name + ".bias", conv->bias));
    } else {
        const torch::Tensor b = cur.next(name + ".bias", torch::empty({conv->weight.size(0)}));
        if (b.abs().max().item<float>() != 0.0f) throw std::runtime_error("'" + name + "' has a bias the model cannot hold");
    }
}

// The exporter folded BN into the conv; the BN becomes identity plus the folded bias.
void load_conv_bn(Cursor& cur, ConvBnActImpl& m) {
    m.conv->weight.copy_(cur.next(m.name + ".weight", m.conv->weight));
    auto& bn = m.bn;
    bn->bias.copy_(cur.next(m.name + ".bias", bn->bias));
    bn->weight.fill_(1.0);
    bn->running_mean.zero_();
    bn->running_var.fill_(1.0 - bn->options.eps());
}

void load_weights(Cursor& cur, TtfNetImpl& model) {
    MobileNetV3SmallImpl& bb = *model.backbone;
    load_conv_bn(cur, *bb.stem);
    for (auto& b : bb.blocks) {
        if (b->expand) load_conv_bn(cur, *b->expand);
        load_conv_bn(cur, *b->depthwise);
        if (b->se) {
            const std::string se = b->depthwise->name + ".se";
            load_plain(cur, b->se->fc1, se + ".fc1");
            load_plain(cur, b->se->fc2, se + ".fc2");
        }
        load_conv_bn(cur, *b->project);
    }
    load_conv_bn(cur, *bb.last_conv);
    for (std::size_t i = 0; i < 3; ++i) {
        load_conv_bn(cur, *model.up_convs[i]);
        const auto children = model.shortcuts[i]->children();
        for (std::size_t k = 0; k < children.size(); ++k) {
            if (auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(children[k])) {
                torch::nn::Conv2d c(conv);
                load_plain(cur, c, "neck.shortcut" + std::to_string(i) + "." + std::to_string(k));
            }
        }
    }
    for (std::size_t i = 0; i < model.hm_convs.size(); ++i)
        load_plain(cur, model.hm_convs[i], "hm_head.conv" + std::to_string(i));
    load_plain(cur, model.hm_out, "hm_head.out");
    for (std::size_t i = 0; i < model.wh_convs.size(); ++i)
        load_plain(cur, model.wh_convs[i], "wh_head.conv" + std::to_string(i));
    load_plain(cur, model.wh_out, "wh_head.out");
    cur.expect_end();
}

bool has_output(const onnx::GraphProto& g, const std::string& name) {
    for (const auto& o : g.output())
        if (o.name() == name) return true;
    return false;
}

ImportedOnnx import_model(const onnx::ModelProto& proto) {
    const onnx::GraphProto& g = proto.graph();
    if (g.input_size() < 1 || g.input(0).name() != "image" || !has_output(g, "heatmap") || !has_output(g, "wh") ||
        !has_output(g, "wh_pre"))
        throw std::runtime_error("does not have DeadZone's TTFNet interface (input 'image', outputs 'heatmap', 'wh', 'wh_pre')");

    std::map<std::string, std::string> meta;
    for (const auto& p : proto.metadata_props()) meta[p.key()] = p.value();

    std::vector<Init> inits;
    std::map<std::string, const onnx::TensorProto*> by_hint;
    for (const auto& t : g.initializer()) {
        inits.push_back({hint_of(t.name()), &t});
        by_hint.emplace(inits.back().hint, &t);
    }
    auto out_channels = [&](const std::string& hint) -> int {
        const auto it = by_hint.find(hint);
        if (it == by_hint.end()) throw std::runtime_error("no initializer '" + hint + "_<n>' (not a TTFNet export?)");
        if (it->second->dims_size() != 4)
            throw std::runtime_error("initializer '" + it->second->name() + "' is not a conv weight");
        return static_cast<int>(it->second->dims(0));
    };

    ModelConfig config;
    config.num_classes = out_channels("hm_head.out.weight");
    for (int i = 0; i < 3; ++i)
        config.neck_planes[static_cast<std::size_t>(i)] = out_channels("neck.up" + std::to_string(i) + ".weight");
    config.hm_head_convs = 0;
    while (by_hint.count("hm_head.conv" + std::to_string(config.hm_head_convs) + ".weight")) ++config.hm_head_convs;
    if (config.hm_head_convs > 0) config.hm_head_channels = out_channels("hm_head.conv0.weight");
    config.wh_head_convs = 0;
    while (by_hint.count("wh_head.conv" + std::to_string(config.wh_head_convs) + ".weight")) ++config.wh_head_convs;
    if (config.wh_head_convs > 0) config.wh_head_channels = out_channels("wh_head.conv0.weight");
    if (out_channels("wh_head.out.weight") != 4) throw std::runtime_error("the wh head does not have 4 output channels");
    if (config.num_classes < 1 || config.num_classes > 10000) throw std::runtime_error("implausible class count");

    deadzone::Result<deadzone::TrainerMetadata> read = deadzone::read_trainer_metadata(meta);
    if (!read) throw std::runtime_error(read.error());
    const deadzone::TrainerMetadata& m = read.value();
    if (!parse_wh_act(m.activation, &config.variant.act))
        throw std::runtime_error("metadata 'activation' is '" + m.activation + "'; expected relu, leaky or softplus");
    config.variant.name = m.variant.empty() ? "unknown" : m.variant;
    config.variant.leaky_slope = m.leaky_slope;
    config.wh_offset_base = m.wh_offset_base;

    ImportedOnnx out;
    const auto& in_shape = g.input(0).type().tensor_type().shape();
    out.input_size = m.input_size;
    if (out.input_size == 0 && in_shape.dim_size() == 4) out.input_size = static_cast<int>(in_shape.dim(3).dim_value());
    if (!deadzone::is_trainer_input_size(out.input_size))
        throw std::runtime_error("input size " + std::to_string(out.input_size) + " is not " +
                                 deadzone::trainer_input_size_rule());
    if (m.stride != deadzone::kTrainerStride)
        throw std::runtime_error("metadata 'stride' is " + std::to_string(m.stride) + "; the trainer's models have stride " +
                                 std::to_string(deadzone::kTrainerStride));
    out.class_names = m.class_names;
    if (out.class_names.empty())
        for (int c = 0; c < config.num_classes; ++c) out.class_names.push_back("class" + std::to_string(c));
    if (static_cast<int>(out.class_names.size()) != config.num_classes)
        throw std::runtime_error("metadata names " + std::to_string(out.class_names.size()) + " classes, the heatmap has " +
                                 std::to_string(config.num_classes));
    out.normalization = m.normalization;
    out.training_steps = m.training_steps;

    out.model = make_ttfnet(config);
    {
        torch::NoGradGuard no_grad;
        Cursor cur(inits);
        load_weights(cur, *out.model);
    }
    out.model->eval();
    return out;
}

} // namespace

deadzone::Result<ImportedOnnx> import_onnx_bytes(const std::string& bytes, const std::string& what) {
    onnx::ModelProto proto;
    if (bytes.empty() || !proto.ParseFromString(bytes) || !proto.has_graph())
        return deadzone::Error{what + " is not a readable ONNX model (corrupt or truncated file?)"};
    try {
        return import_model(proto);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        return deadzone::Error{what + ": " + msg.substr(0, msg.find('\n'))};
    }
}

deadzone::Result<ImportedOnnx> import_onnx_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return deadzone::Error{"cannot open ONNX model " + path};
    std::ostringstream s;
    s << f.rdbuf();
    return import_onnx_bytes(s.str(), "ONNX model " + path);
}

} // namespace ttfnet
