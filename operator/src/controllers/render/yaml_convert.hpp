#pragma once
// YAML <-> JSON for plan input and rendered output. Reading keeps the types a
// user meant: quoted scalars are strings, plain ones are null/bool/int/float
// by the YAML 1.2 core schema, else strings. Writing quotes any string that
// would read back as another type, sorts keys (nlohmann objects are ordered)
// and writes multi-line strings as literal blocks when that is exact.

#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/client/result.hpp"

namespace YAML { class Node; }

namespace labfleet::controllers {

/// One YAML node as JSON; anchors and merge keys are not supported (an alias
/// is expanded by yaml-cpp), non-scalar keys are an error.
kube::Result<kube::Json> yaml_to_json(const YAML::Node& node);
/// Every document of a YAML stream (empty documents skipped as null entries
/// are kept so that indexes match the file). Syntax errors carry the line.
kube::Result<std::vector<kube::Json>> parse_yaml_stream(std::string_view text);
/// A block-style YAML document for `json`, ending with a newline.
std::string json_to_yaml(const kube::Json& json);

} // namespace labfleet::controllers
