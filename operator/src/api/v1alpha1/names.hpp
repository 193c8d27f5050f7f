#pragma once
// Kubernetes name syntaxes the API relies on (RFC 1123 labels for
// environments and namespaces, DNS-1035 labels for names that become Service
// names, label keys and values for names copied into labels).

#include <string_view>

namespace labfleet::api::v1alpha1 {

/// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric.
bool is_dns_label(std::string_view text);
/// DNS-1035 label: an RFC 1123 label that starts with a letter.
bool is_dns1035_label(std::string_view text);
/// RFC 1123 subdomain as Kubernetes checks it: dot-separated parts of [a-z0-9-]
/// starting and ending alphanumeric, at most 253 characters in all (a part may
/// be longer than a label's 63).
bool is_dns_subdomain(std::string_view text);
/// Label and annotation key: `[prefix/]name`, the prefix an RFC 1123
/// subdomain, the name 1-63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
bool is_qualified_name(std::string_view text);
/// Label value: empty, or 1-63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
bool is_label_value(std::string_view text);

} // namespace labfleet::api::v1alpha1
