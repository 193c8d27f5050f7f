#include <catch2/catch.hpp>

#include "controllers/render/image_ref.hpp"

using labfleet::controllers::image_ref;

TEST_CASE("image references", "[controllers][image]") {
    CHECK(image_ref("registry.example.com:5000/team", "labs/intro", "v1") ==
          "registry.example.com:5000/team/labs/intro:v1");
    CHECK(image_ref("", "labs/intro", "prod") == "labs/intro:prod");
    CHECK(image_ref("r.example.com/", "/labs/intro", "v1") == "r.example.com/labs/intro:v1");
    const std::string digest = "sha256:" + std::string(64, 'a');
    CHECK(image_ref("r.example.com", "intro", digest) == "r.example.com/intro@" + digest);
    CHECK(image_ref("", "intro", digest) == "intro@" + digest);
    CHECK(image_ref("", "intro", "sha256:abc") == "intro:sha256:abc");  // not a digest: validation rejects it earlier
}
