#pragma once
// Lenient reads of single fields of a Kubernetes object kept as JSON: a field
// that is missing or of another type reads as empty, since objects from the
// API server or from users may omit anything.

#include <string>

#include "kube/json/json.hpp"

namespace labfleet::kube {

/// The string member `key` of `object`, or "" when missing, not a string, or `object` is no object.
std::string string_field(const Json& object, const char* key);

/// The string at JSON pointer `pointer` (e.g. "/spec/target") in `object`, or "" when missing or not a string.
std::string string_at(const Json& object, const char* pointer);

/// The string member `key` of the object at JSON pointer `pointer` in `object`
/// (e.g. an annotation: "/metadata/annotations", "labfleet.dev/x", whose key a
/// pointer would have to escape), or "" when missing or not a string.
std::string string_in(const Json& object, const char* pointer, const std::string& key);

/// Label `key` of `object`'s metadata.labels when it is a string (an empty
/// value included); null when absent.
const std::string* find_label(const Json& object, const std::string& key);

/// The value of label `key` in `object`'s metadata.labels, or "" when absent.
std::string label_of(const Json& object, const std::string& key);

} // namespace labfleet::kube
