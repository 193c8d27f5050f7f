#pragma once
// ListPage: one page of a paged list response (items, the snapshot's
// resourceVersion, the continue token of the next page), decoded and trimmed.

#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/cache/object_trim.hpp"
#include "kube/client/resource.hpp"
#include "kube/client/result.hpp"

namespace labfleet::kube {

struct ListPage {
    std::vector<ObjectPtr> items;
    std::string resource_version;
    std::string continue_token;  // empty on the last page
};

/// Decodes a List body. Items get `apiVersion`/`kind` from `type` (the API
/// server omits them in lists), so cached objects look the same whether they
/// came from a list or a watch. Malformed → ErrorReason::Decode; never throws.
Result<ListPage> parse_list_page(std::string_view body, const ResourceType& type, const ObjectTrim& trim);

} // namespace labfleet::kube
