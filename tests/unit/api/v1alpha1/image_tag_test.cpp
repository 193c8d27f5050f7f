#include <catch2/catch.hpp>

#include "api/v1alpha1/image_tag.hpp"

using namespace labfleet::api::v1alpha1;

TEST_CASE("tags follow the registry tag grammar", "[api][tag]") {
    CHECK(is_tag("v1.2.3"));
    CHECK(is_tag("_x"));
    CHECK(is_tag("pr-42"));
    CHECK(is_tag(std::string(128, 'a')));
    CHECK_FALSE(is_tag(std::string(129, 'a')));
    CHECK_FALSE(is_tag(""));
    CHECK_FALSE(is_tag(".v1"));
    CHECK_FALSE(is_tag("-v1"));
    CHECK_FALSE(is_tag("v1:2"));
    CHECK_FALSE(is_tag("v1/2"));
    CHECK_FALSE(is_tag("v 1"));
}

TEST_CASE("digests are sha256 with 64 lowercase hex digits", "[api][tag]") {
    const std::string hex(64, 'a');
    CHECK(is_digest("sha256:" + hex));
    CHECK_FALSE(is_digest("sha256:" + std::string(63, 'a')));
    CHECK_FALSE(is_digest("sha256:" + std::string(65, 'a')));
    CHECK_FALSE(is_digest("sha256:" + std::string(64, 'A')));
    CHECK_FALSE(is_digest("sha512:" + hex));
    CHECK_FALSE(is_tag("sha256:" + hex));
    CHECK_FALSE(tag_error("sha256:" + hex).has_value());
    CHECK_FALSE(tag_error("prod").has_value());
    REQUIRE(tag_error("sha256:abc").has_value());
    CHECK(tag_error("sha256:abc")->find("invalid digest") != std::string::npos);
    CHECK(tag_error("a b")->find("invalid tag \"a b\"") != std::string::npos);
}

TEST_CASE("a digest joins its repository with '@', a tag with ':'", "[api][tag]") {
    CHECK(reference_separator("sha256:" + std::string(64, 'a')) == '@');
    CHECK(reference_separator("v1") == ':');
    CHECK(reference_separator("sha256:abc") == ':');  // not a digest
}

TEST_CASE("a channel is a tag, never a digest", "[api][tag]") {
    CHECK_FALSE(channel_error("stg"));
    CHECK_THAT(*channel_error("sha256:" + std::string(64, 'a')), Catch::Contains("not a digest"));
    CHECK_THAT(*channel_error("-x"), Catch::Contains("invalid channel \"-x\""));
}
