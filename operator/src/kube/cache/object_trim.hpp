#pragma once
// ObjectTrim: leaves out of an object what the cache never reads
// (metadata.managedFields always, plus caller-given JSON pointers), so the
// informer cache grows with the fleet, not with the cluster's field history.
// They are dropped while parsing: never built, never copied.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"

namespace labfleet::kube {

/// The last-applied annotation kubectl writes: a full copy of the object, never read by us.
inline constexpr const char* last_applied_pointer =
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";

class ObjectTrim {
public:
    /// Drops only metadata.managedFields.
    ObjectTrim();
    /// Also drops each RFC 6901 pointer in `pointers`; a malformed pointer is
    /// bad start-up configuration and throws nlohmann::json::parse_error.
    explicit ObjectTrim(const std::vector<std::string>& pointers);

    /// Parses `text` like Json::parse without exceptions (discarded on bad
    /// input), leaving out the trimmed fields of each object found at path
    /// `objects_at` from the top ("*" stands for any array index): {"object"}
    /// for a watch event, {"items", "*"} for a list. Array indexes in the
    /// pointers count the elements as sent.
    Json parse(std::string_view text, const std::vector<std::string_view>& objects_at) const;

    /// The pointers as a tree of reference tokens: parse() walks it.
    struct Node {
        std::map<std::string, Node, std::less<>> children;
        bool cut = false;
    };

private:
    void add(const Json::json_pointer& pointer);

    Node root_;
};

} // namespace labfleet::kube
