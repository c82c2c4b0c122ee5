#include "deadzone/model_metadata.h"

#include "deadzone/text_list.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace deadzone {

namespace {

constexpr const char* kKeyNames[] = {"variant", "activation", "leaky_slope", "wh_offset_base", "stride",          "input_size",
                                     "mean",    "std",        "class_names", "training_steps", "heatmap_encoding"};
static_assert(sizeof kKeyNames / sizeof kKeyNames[0] == static_cast<int>(MetadataKey::HeatmapEncoding) + 1,
              "one name per MetadataKey");

using Props = std::map<std::string, std::string>;

const std::string* find(const Props& props, MetadataKey key) {
    const auto it = props.find(metadata_key_name(key));
    return it == props.end() ? nullptr : &it->second;
}

// "metadata 'stride' ": how every error about a key starts.
std::string about(MetadataKey key) { return std::string("metadata '") + metadata_key_name(key) + "' "; }

// The whole text as one finite number (text_list.h's number syntax: a list of exactly one item).
Result<double> number(const Props& props, MetadataKey key) {
    const std::string* text = find(props, key);
    if (text == nullptr) return Error{about(key) + "is missing"};
    const Result<std::vector<double>> numbers = parse_number_list(*text);
    if (!numbers || numbers.value().size() != 1) return Error{about(key) + "is not a number: '" + *text + "'"};
    return numbers.value()[0];
}

std::string join(const float* v) {
    std::ostringstream s;
    for (int i = 0; i < 3; ++i) s << (i ? "," : "") << v[i];
    return s.str();
}

} // namespace

const char* metadata_key_name(MetadataKey key) { return kKeyNames[static_cast<int>(key)]; }

Result<std::int64_t> read_metadata_integer(const Props& props, MetadataKey key, std::int64_t lo, std::int64_t hi) {
    Result<double> v = number(props, key);
    if (!v) return Error{v.error()};
    const double d = v.value();
    if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
        return Error{about(key) + "is " + *find(props, key) + ": not a whole number from " + std::to_string(lo) + " to " +
                     std::to_string(hi)};
    return static_cast<std::int64_t>(d);
}

bool is_trainer_input_size(int size) { return size >= kMinTrainerInputSize && size % 32 == 0 && size <= kMaxTrainerInputSize; }

std::string trainer_input_size_rule() {
    return "a multiple of 32 from " + std::to_string(kMinTrainerInputSize) + " to " + std::to_string(kMaxTrainerInputSize);
}

std::map<std::string, std::string> to_metadata_props(const TrainerMetadata& m) {
    std::string classes;
    for (const std::string& c : m.class_names) classes += (classes.empty() ? "" : ",") + c;
    std::map<std::string, std::string> props = {
        {metadata_key_name(MetadataKey::Variant), m.variant},
        {metadata_key_name(MetadataKey::Activation), m.activation},
        {metadata_key_name(MetadataKey::LeakySlope), std::to_string(m.leaky_slope)},
        {metadata_key_name(MetadataKey::WhOffsetBase), std::to_string(m.wh_offset_base)},
        {metadata_key_name(MetadataKey::Stride), std::to_string(m.stride)},
        {metadata_key_name(MetadataKey::Mean), join(m.normalization.mean)},
        {metadata_key_name(MetadataKey::Std), join(m.normalization.std)},
        {metadata_key_name(MetadataKey::ClassNames), classes},
        {metadata_key_name(MetadataKey::TrainingSteps), std::to_string(m.training_steps)},
    };
    if (m.input_size != 0) props[metadata_key_name(MetadataKey::InputSize)] = std::to_string(m.input_size);
    return props;
}

Result<TrainerMetadata> read_trainer_metadata(const std::map<std::string, std::string>& props) {
    TrainerMetadata m;
    const std::string* activation = find(props, MetadataKey::Activation);
    if (activation == nullptr) return Error{about(MetadataKey::Activation) + "is missing"};
    m.activation = *activation;
    if (const std::string* variant = find(props, MetadataKey::Variant)) m.variant = *variant;
    for (auto [key, out] :
         {std::pair{MetadataKey::LeakySlope, &m.leaky_slope}, std::pair{MetadataKey::WhOffsetBase, &m.wh_offset_base}}) {
        Result<double> v = number(props, key);
        if (!v) return Error{v.error()};
        *out = v.value();
    }
    if (find(props, MetadataKey::Stride)) {
        Result<std::int64_t> s = read_metadata_integer(props, MetadataKey::Stride, 1, 64);
        if (!s) return Error{s.error()};
        m.stride = static_cast<int>(s.value());
    }
    if (const std::string* size = find(props, MetadataKey::InputSize)) {
        Result<std::int64_t> s = read_metadata_integer(props, MetadataKey::InputSize, 1, kMaxTrainerInputSize);
        if (!s || !is_trainer_input_size(static_cast<int>(s.value())))
            return Error{about(MetadataKey::InputSize) + "is " + *size + ": not " + trainer_input_size_rule()};
        m.input_size = static_cast<int>(s.value());
    }
    Result<Normalization> norm = read_normalization(props);
    if (!norm) return Error{norm.error()};
    m.normalization = norm.value();
    if (const std::string* classes = find(props, MetadataKey::ClassNames)) m.class_names = split_comma_list(*classes);
    if (find(props, MetadataKey::TrainingSteps)) {
        Result<std::int64_t> s = read_metadata_integer(props, MetadataKey::TrainingSteps, 0, std::int64_t{1} << 53);
        if (!s) return Error{s.error()};
        m.training_steps = s.value();
    }
    return m;
}

Result<Normalization> read_normalization(const std::map<std::string, std::string>& props) {
    Normalization n;
    for (auto [key, out] : {std::pair{MetadataKey::Mean, n.mean}, std::pair{MetadataKey::Std, n.std}}) {
        const std::string* text = find(props, key);
        if (text == nullptr || text->empty()) continue;
        Result<std::array<float, 3>> v = parse_metadata_triple(*text);
        const bool is_std = key == MetadataKey::Std;
        if (!v || (is_std && !(v.value()[0] > 0 && v.value()[1] > 0 && v.value()[2] > 0)))
            return Error{about(key) + "is not three " + (is_std ? "positive " : "") + "numbers: '" + *text + "'"};
        for (int c = 0; c < 3; ++c) out[c] = v.value()[static_cast<std::size_t>(c)];
    }
    return n;
}

Result<std::array<float, 3>> parse_metadata_triple(std::string_view text) {
    const std::string copy(text); // strtod needs a terminated string
    std::array<float, 3> out{};
    const char* s = copy.c_str();
    auto skip_separators = [&] {
        while (*s == ',' || *s == ' ' || *s == '\t') ++s;
    };
    for (std::size_t i = 0; i < 3; ++i) {
        char* next = nullptr;
        const double v = std::strtod(s, &next);
        if (next == s || !std::isfinite(v)) return Error{"'" + copy + "' is not three numbers"};
        out[i] = static_cast<float>(v);
        s = next;
        skip_separators();
    }
    if (*s != '\0') return Error{"'" + copy + "' is not three numbers"};
    return out;
}

} // namespace deadzone
