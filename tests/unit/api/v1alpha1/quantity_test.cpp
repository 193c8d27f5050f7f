#include <catch2/catch.hpp>

#include <compare>

#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/quantity.hpp"

using namespace labfleet::api::v1alpha1;

namespace {
Quantity parsed(const std::string& text) {
    auto result = parse_quantity(text);
    if (!result.ok()) FAIL(text << ": " << result.error().message);
    return std::move(result).value();
}

std::string parse_error(const std::string& text) {
    auto result = parse_quantity(text);
    REQUIRE_FALSE(result.ok());
    return field_error_of(result.error()).message;
}
} // namespace

// Each pair is what kube-apiserver v1.35.4 writes back for a container's
// resources.requests.memory (checked with `kubectl create --dry-run=server -o json`
// on a Deployment).
TEST_CASE("quantities are written as the API server writes them back", "[api][quantity]") {
    const std::pair<const char*, const char*> cases[] = {
        // kept as written: already canonical
        {"0", "0"}, {"1", "1"}, {"100", "100"}, {"500m", "500m"}, {"250m", "250m"}, {"2k", "2k"},
        {"100Mi", "100Mi"}, {"128Mi", "128Mi"}, {"1Gi", "1Gi"}, {"1e3", "1e3"}, {"1E3", "1E3"},
        {"1.500", "1.500"}, {"1.", "1."}, {"007", "007"}, {"12e3", "12e3"}, {"1e+3", "1e+3"},
        // canonicalized
        {"1.5", "1500m"}, {"0.5", "500m"}, {"0.1", "100m"}, {"1.0", "1"}, {"1.50", "1500m"}, {"1000", "1k"},
        {"2000m", "2"}, {"10000k", "10M"},
        {"1024Mi", "1Gi"}, {"1536Mi", "1536Mi"}, {"0.5Gi", "512Mi"}, {"1.5Gi", "1536Mi"}, {"512Ki", "512Ki"},
        {"0.5Ki", "512"}, {"1000Ki", "1000Ki"}, {"2048Ki", "2Mi"}, {"1e-2", "10e-3"}, {"0m", "0"}, {"0.0", "0"},
        {"00", "0"}, {"0Ki", "0"}, {".5", "500m"}, {"1.5k", "1500"}, {"0.5e3", "500"}, {"0.0625Gi", "64Mi"},
        {"1024Ki", "1Mi"}, {"7Ei", "7Ei"}, {"9223372036854775807", "9223372036854775807"}, {"1536", "1536"},
        {"1000000000000000000", "1E"}, {"100000Gi", "100000Gi"}, {"3.0Ki", "3Ki"}, {"1.25Mi", "1280Ki"},
        // rounded up to a milli-unit, as pod defaulting rounds every resource
        {"0.1m", "1m"}, {"0.000000001", "1m"}, {"1.000000001", "1001m"}, {"1e-20", "1e-3"}, {"1.0001", "1001m"},
        {"1.5m", "2m"}, {"0.0005", "1m"}, {"5e-4", "1e-3"}, {"2.5e-3", "3e-3"},
    };
    for (const auto& [input, output] : cases) {
        INFO(input);
        CHECK(parsed(input).text == output);
    }
}

TEST_CASE("quantities compare by value", "[api][quantity]") {
    CHECK(parsed("1") == parsed("1"));
    CHECK(std::is_eq(parsed("1") <=> parsed("1000m")));
    CHECK(parsed("500m") < parsed("1"));
    CHECK(parsed("1Gi") > parsed("1G"));
    CHECK(parsed("1Ki") > parsed("1k"));
    CHECK(parsed("0.5") == parsed("500m"));
    CHECK(parsed("1n") > parsed("0"));
    CHECK(parsed("1n") == parsed("1m"));
    const Quantity big = parsed("9223372036854775807");
    CHECK(big.units == 9223372036854775807ULL);
    CHECK(big.nanos == 0);
    const Quantity small = parsed("1.000000001");
    CHECK(small.units == 1);
    CHECK(small.nanos == 1'000'000);  // rounded up to a milli-unit, as the server rounds
    CHECK(small > parsed("1"));
    CHECK(small == parsed("1001m"));
    CHECK(parsed("1e-20").nanos == 1'000'000);
}

TEST_CASE("bad quantities are refused with the reason", "[api][quantity]") {
    CHECK(parse_error("") == "invalid quantity \"\": empty (expected e.g. 500m, 2, 128Mi, 1.5Gi)");
    for (const char* text : {"-1", "+1", "abc", "1K", "1.5x", "1 Gi", ".", "1.0000000001", "Mi", "1e", "1e1234", "1..5"}) {
        INFO(text);
        CHECK(parse_error(text).find("expected digits") != std::string::npos);
    }
    CHECK(parse_error("9223372036854775808") == "invalid quantity \"9223372036854775808\": too large "
                                                "(at most 9223372036854775807)");
    CHECK(parse_error("10E").find("too large") != std::string::npos);
    CHECK(parse_error("1e999").find("too large") != std::string::npos);
    CHECK(parse_quantity("7Ei").ok());
}

// The API server caps a binary-SI quantity at 2^63 - 1 (resource.ParseQuantity),
// and writes back "9223372036854775807" for each of these (kube-apiserver
// v1.35.4, a Deployment's resources.requests.memory); the CRDs admit them.
TEST_CASE("binary-SI quantities above 2^63 - 1 are capped there, as the API server caps them", "[api][quantity]") {
    for (const char* text : {"8Ei", "710Ei", "75509026.2705415Ti", "1234567890123456789012345678901Ki"}) {
        INFO(text);
        const Quantity quantity = parsed(text);
        CHECK(quantity.text == "9223372036854775807");
        CHECK(quantity.units == 9223372036854775807ULL);
        CHECK(quantity.nanos == 0);
    }
}
