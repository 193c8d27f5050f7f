#pragma once
// FieldReader: reads the fields of one JSON object of a custom resource,
// checking types and ranges and recording the first problem with its field
// path. Decoders use it so that no malformed object ever throws; a JSON null
// counts as an absent field (as the API server treats it).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/field_error.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::api::v1alpha1 {

/// The first error met while decoding one object; shared by all readers of it.
class DecodeState {
public:
    void fail(std::string field, std::string message) {
        if (!error_) error_ = FieldError{std::move(field), std::move(message)};
    }
    bool failed() const { return error_.has_value(); }
    const std::optional<FieldError>& error() const { return error_; }

private:
    std::optional<FieldError> error_;
};

class FieldReader {
public:
    /// Reads `object` found at `path` ("" for the root); fails when it is not
    /// a JSON object. A null `object` reads as an empty one.
    FieldReader(const kube::Json* object, std::string path, DecodeState& state);

    /// "path.key" (or "key" at the root).
    std::string path_of(std::string_view key) const;
    const std::string& path() const { return path_; }
    DecodeState& state() const { return *state_; }
    bool has(std::string_view key) const;

    std::optional<std::string> optional_string(std::string_view key) const;
    std::string required_string(std::string_view key) const;
    std::string string_or(std::string_view key, std::string fallback) const;
    /// Integers inside [min, max]; a float with no fraction is accepted.
    std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) const;
    std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                            std::int64_t max) const;
    bool bool_or(std::string_view key, bool fallback) const;
    /// A Go-style duration string (see duration.hpp).
    std::optional<std::chrono::milliseconds> optional_duration(std::string_view key) const;
    /// An RFC 3339 date-time string (see timestamp.hpp).
    std::optional<kube::WallTime> optional_time(std::string_view key) const;
    /// map<string,string> (labels, annotations, matchLabels).
    std::map<std::string, std::string> string_map(std::string_view key) const;
    std::vector<std::string> string_list(std::string_view key) const;

    /// The nested object, or null when absent (a reader on null is empty);
    /// `required` fails when absent.
    const kube::Json* object(std::string_view key, bool required = false) const;
    /// The elements of an array field (empty when absent).
    std::vector<const kube::Json*> array(std::string_view key, bool required = false) const;
    /// The raw field, or null when absent.
    const kube::Json* raw(std::string_view key) const;

private:
    const kube::Json* object_ = nullptr;
    std::string path_;
    DecodeState* state_;
};

/// "spec.overrides[2]".
std::string index_path(const std::string& path, std::size_t index);

} // namespace labfleet::api::v1alpha1
