#include "ttfnet/data/data_yaml.h"

#include <yaml-cpp/yaml.h>

#include <map>

namespace ttfnet {

namespace {

// A scalar node as a non-empty string, or "" when it is not one.
std::string name_of(const YAML::Node& n) {
    if (!n.IsScalar()) return {};
    return n.as<std::string>();
}

deadzone::Result<std::vector<std::string>> names_of(const YAML::Node& names, const std::string& where) {
    std::vector<std::string> out;
    if (names.IsSequence()) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            out.push_back(name_of(names[i]));
            if (out.back().empty()) return deadzone::Error{where + ": names[" + std::to_string(i) + "] is not a class name"};
        }
        return out;
    }
    if (!names.IsMap()) return deadzone::Error{where + ": `names` must be a list or a map from class id to name"};
    std::map<long long, std::string> by_id;
    for (const auto& entry : names) {
        long long id = -1;
        try {
            id = entry.first.as<long long>();
        } catch (const YAML::Exception&) {
            return deadzone::Error{where + ": class id '" + name_of(entry.first) + "' in `names` is not an integer"};
        }
        const std::string name = name_of(entry.second);
        if (name.empty()) return deadzone::Error{where + ": class " + std::to_string(id) + " has no name"};
        if (!by_id.emplace(id, name).second)
            return deadzone::Error{where + ": class id " + std::to_string(id) + " is given twice"};
    }
    long long expected = 0;
    for (const auto& [id, name] : by_id) {
        if (id != expected)
            return deadzone::Error{where + ": class ids in `names` must be 0.." + std::to_string(by_id.size() - 1) + "; " +
                                   std::to_string(expected) + " is missing"};
        out.push_back(name);
        ++expected;
    }
    return out;
}

} // namespace

deadzone::Result<std::vector<std::string>> read_data_yaml_names(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        return deadzone::Error{"cannot open '" + path + "'"};
    } catch (const YAML::Exception& e) {
        const std::string where = e.mark.line >= 0 ? " line " + std::to_string(e.mark.line + 1) : "";
        return deadzone::Error{"'" + path + "'" + where + ": not valid YAML (" + e.msg + ")"};
    }
    const std::string where = "'" + path + "'";
    if (!root.IsMap() || !root["names"]) return deadzone::Error{where + " has no `names` (the class names)"};
    deadzone::Result<std::vector<std::string>> names = names_of(root["names"], where);
    if (!names) return names;
    if (names.value().empty()) return deadzone::Error{where + ": `names` is empty"};
    if (const YAML::Node nc = root["nc"]) {
        long long n = -1;
        try {
            n = nc.as<long long>();
        } catch (const YAML::Exception&) {
            return deadzone::Error{where + ": `nc` is not a number"};
        }
        if (n != static_cast<long long>(names.value().size()))
            return deadzone::Error{where + ": nc is " + std::to_string(n) + " but `names` lists " +
                                   std::to_string(names.value().size())};
    }
    return names;
}

} // namespace ttfnet
