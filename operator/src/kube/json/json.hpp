#pragma once
// The JSON value type of the runtime: Kubernetes objects are kept as JSON and
// shared immutably once cached.

#include <memory>
#include <nlohmann/json.hpp>

namespace labfleet::kube {

using Json = nlohmann::json;
/// A cached object: immutable, shared between the cache and its readers.
using ObjectPtr = std::shared_ptr<const Json>;

} // namespace labfleet::kube
