#include <catch2/catch.hpp>

#include "api/v1alpha1/names.hpp"

using namespace labfleet::api::v1alpha1;

TEST_CASE("DNS names", "[api][names]") {
    CHECK(is_dns_label("prod"));
    CHECK(is_dns_label("0a-b"));
    CHECK(is_dns_label(std::string(63, 'a')));
    CHECK_FALSE(is_dns_label(std::string(64, 'a')));
    CHECK_FALSE(is_dns_label(""));
    CHECK_FALSE(is_dns_label("-a"));
    CHECK_FALSE(is_dns_label("a-"));
    CHECK_FALSE(is_dns_label("Prod"));
    CHECK_FALSE(is_dns_label("a.b"));
    CHECK(is_dns1035_label("a0"));
    CHECK_FALSE(is_dns1035_label("0a"));
    CHECK(is_dns_subdomain("a.b-c.d"));
    CHECK_FALSE(is_dns_subdomain("a..b"));
    CHECK_FALSE(is_dns_subdomain("a."));
    CHECK_FALSE(is_dns_subdomain(std::string(254, 'a')));
    // As Kubernetes checks a subdomain: no limit of 63 per part, 253 in all.
    CHECK(is_dns_subdomain(std::string(64, 'a') + ".example.com"));
    CHECK(is_dns_subdomain(std::string(253, 'a')));
    CHECK(is_qualified_name(std::string(100, 'a') + ".io/key"));
}
