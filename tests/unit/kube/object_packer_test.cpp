#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "kube/cache/object_packer.hpp"

using namespace labfleet::kube;

namespace {

/// A trimmed child Deployment as the cache keeps it; `i` varies what differs between pairs.
Json child(int i) {
    const std::string workload = "workshop-" + std::to_string(i);
    const std::string target = "target-" + std::to_string(i % 10);
    const Json labels = {{"app.kubernetes.io/managed-by", "labfleet"},
                         {"labfleet.dev/workload", workload},
                         {"labfleet.dev/target", target}};
    const Json container = {{"name", "files"},
                            {"image", "registry.example/lab-files:v1." + std::to_string(i % 3)},
                            {"ports", Json::array({{{"containerPort", 8080}, {"protocol", "TCP"}}})},
                            {"readinessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", 8080}}}}}};
    const Json owner = {{"apiVersion", "labfleet.dev/v1alpha1"},
                        {"kind", "Workload"},
                        {"name", workload},
                        {"uid", "0d9e8f7a-1b2c-4d3e-8f9a-" + std::to_string(200000000000 + i)},
                        {"controller", true},
                        {"blockOwnerDeletion", true}};
    Json object;
    object["apiVersion"] = "apps/v1";
    object["kind"] = "Deployment";
    object["metadata"] = {{"name", workload + "-files"},
                          {"namespace", "labs-" + target},
                          {"resourceVersion", std::to_string(48213 + i * 7)},
                          {"generation", 1},
                          {"uid", "6b1f0c4e-8a2d-4f7b-9c3e-" + std::to_string(100000000000 + i)},
                          {"labels", labels},
                          {"ownerReferences", Json::array({owner})}};
    object["spec"]["replicas"] = 1;
    object["spec"]["selector"]["matchLabels"] = labels;
    object["spec"]["template"]["metadata"]["labels"] = labels;
    object["spec"]["template"]["spec"]["containers"] = Json::array({container});
    object["status"] = {{"observedGeneration", 1}, {"replicas", 1}, {"readyReplicas", i % 2}};
    return object;
}

} // namespace

TEST_CASE("ObjectPacker: every object reads back equal, whatever it holds") {
    ObjectPacker packer;
    std::vector<Json> objects = {child(0), Json::object(), child(1), Json::array({1, -2, 3.5, nullptr, true, "x"})};
    std::string big(40000, 'a');  // past the dictionary and the window
    for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('b' + i % 23);
    objects.push_back({{"metadata", {{"name", "big"}}}, {"data", {{"content", big}}}});
    objects.push_back({{"text", std::string("\0\xff\x80 nul and high bytes", 23)}, {"n", 18446744073709551615ULL}});
    std::vector<std::string> packed;
    for (const auto& object : objects) packed.push_back(packer.pack(object));
    for (std::size_t i = 0; i < objects.size(); ++i) {
        INFO("object " << i);
        CHECK(packer.unpack(packed[i]) == objects[i]);
    }
    CHECK(packer.dictionary_size() <= ObjectPacker::max_dictionary);
}

TEST_CASE("ObjectPacker: objects of one kind pack to a small part of their MessagePack") {
    ObjectPacker packer;
    packer.pack(child(0));  // the dictionary
    std::size_t encoded = 0, packed = 0;
    for (int i = 1; i <= 100; ++i) {
        const Json object = child(i);
        encoded += Json::to_msgpack(object).size();
        const std::string bytes = packer.pack(object);
        packed += bytes.size();
        REQUIRE(packer.unpack(bytes) == object);
    }
    WARN("a child Deployment: " << encoded / 100 << " bytes of MessagePack, packed " << packed / 100);
    CHECK(packed * 4 < encoded);
}

TEST_CASE("ObjectPacker: bytes it did not make are refused, not read past") {
    ObjectPacker packer;
    const std::string bytes = packer.pack(child(0));
    CHECK_THROWS_AS(packer.unpack(""), std::runtime_error);
    CHECK_THROWS_AS(packer.unpack(std::string(12, '\xff')), std::runtime_error);  // a size prefix that never ends
    CHECK_THROWS_AS(packer.unpack(std::string(8, '\xff') + '\x01'), std::runtime_error);  // a size past any object
    CHECK_THROWS_AS(packer.unpack(bytes.substr(0, bytes.size() / 2)), std::runtime_error);
    std::string longer_size = bytes;
    longer_size[0] = static_cast<char>(static_cast<unsigned char>(longer_size[0]) + 1);
    CHECK_THROWS_AS(packer.unpack(longer_size), std::runtime_error);
}
