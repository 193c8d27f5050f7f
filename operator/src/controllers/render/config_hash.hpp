#pragma once
// The config hash put on pod templates so a changed workshop config rolls the
// pods: SHA-256 of the rendered text, lowercase hex.

#include <string>
#include <string_view>

namespace labfleet::controllers {

/// 64 lowercase hex digits (OpenSSL EVP SHA-256).
std::string sha256_hex(std::string_view data);

} // namespace labfleet::controllers
