#include "kube/client/rest.hpp"

#include <catch2/catch.hpp>

#include <deque>

#include <boost/asio/io_context.hpp>

#include "kube/net/https_client.hpp"
#include "support/fake_api_server.hpp"
#include "support/run_coroutine.hpp"

namespace {

using namespace labfleet::kube;
using labfleet::testing::run_coroutine;

/// A Client answering from a script and recording what it was asked.
class ScriptedClient final : public Client {
public:
    void push(Result<HttpResponse> answer) { answers_.push_back(std::move(answer)); }
    const std::vector<HttpRequest>& sent() const { return sent_; }

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override {
        sent_.push_back(request);
        if (answers_.empty()) co_return api_error_from_response(500, "script exhausted");
        auto answer = std::move(answers_.front());
        answers_.pop_front();
        co_return answer;
    }
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest, std::chrono::milliseconds) override {
        co_return transport_error("stream", "not scripted");
    }

private:
    std::deque<Result<HttpResponse>> answers_;
    std::vector<HttpRequest> sent_;
};

HttpResponse ok(std::string body) { return {200, std::move(body)}; }

} // namespace

TEST_CASE("rest::get decodes the object", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    client.push(ok(R"({"kind":"ConfigMap","metadata":{"name":"a","namespace":"ns"}})"));

    auto result = run_coroutine(io, rest::get(client, resources::config_maps(), {"ns", "a"}));

    REQUIRE(result.ok());
    CHECK((*result)["kind"] == "ConfigMap");
    REQUIRE(client.sent().size() == 1);
    CHECK(client.sent()[0].target == "/api/v1/namespaces/ns/configmaps/a");
}

TEST_CASE("rest turns a malformed body into a Decode error", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;

    SECTION("not JSON") {
        client.push(ok(R"({"kind":"ConfigMap",)"));
        auto result = run_coroutine(io, rest::get(client, resources::config_maps(), {"ns", "a"}));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Decode);
        CHECK(result.error().http_status == 200);
        CHECK_THAT(result.error().message,
                   Catch::Contains("GET /api/v1/namespaces/ns/configmaps/a") && Catch::Contains("not valid JSON"));
    }
    SECTION("JSON but not an object") {
        client.push(ok("[1,2]"));
        auto result = run_coroutine(io, rest::get(client, resources::config_maps(), {"ns", "a"}));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Decode);
        CHECK_THAT(result.error().message, Catch::Contains("array, not an object"));
    }
    SECTION("a list whose items are not an array") {
        client.push(ok(R"({"kind":"ConfigMapList","items":{"a":1}})"));
        auto result = run_coroutine(io, rest::list_all(client, resources::config_maps(), "ns", {}));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Decode);
    }
}

TEST_CASE("rest passes API errors through", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    client.push(api_error_from_response(404, R"({"kind":"Status","reason":"NotFound","message":"gone","code":404})"));

    auto result = run_coroutine(io, rest::remove(client, resources::config_maps(), {"ns", "a"}, DeleteOptions{}));

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::NotFound);
}

TEST_CASE("rest::list_all follows continue tokens and merges the pages", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    client.push(ok(R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"c1",)"
                   R"("remainingItemCount":3},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"));
    client.push(ok(R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"c2"},)"
                   R"("items":[{"metadata":{"name":"c"}}]})"));
    client.push(ok(R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"12"},)"
                   R"("items":[{"metadata":{"name":"d"}},{"metadata":{"name":"e"}}]})"));
    ListOptions options;
    options.label_selector = "app=x";
    options.resource_version = "0";

    auto result = run_coroutine(io, rest::list_all(client, resources::config_maps(), "ns", options));

    REQUIRE(result.ok());
    const Json& list = *result;
    CHECK(list["kind"] == "ConfigMapList");
    CHECK(list["metadata"]["resourceVersion"] == "12");
    CHECK_FALSE(list["metadata"].contains("continue"));
    CHECK_FALSE(list["metadata"].contains("remainingItemCount"));
    REQUIRE(list["items"].size() == 5);
    std::vector<std::string> names;
    for (const auto& item : list["items"]) names.push_back(item["metadata"]["name"]);
    CHECK(names == std::vector<std::string>{"a", "b", "c", "d", "e"});
    REQUIRE(client.sent().size() == 3);
    CHECK(client.sent()[0].target == "/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=500&resourceVersion=0");
    CHECK(client.sent()[1].target == "/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=500&continue=c1");
    CHECK(client.sent()[2].target == "/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=500&continue=c2");
}

TEST_CASE("rest::list_all returns an empty list when the server sends null items", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    client.push(ok(R"({"kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":null})"));

    auto result = run_coroutine(io, rest::list_all(client, resources::config_maps(), "", {}));

    REQUIRE(result.ok());
    CHECK((*result)["items"] == Json::array());
    CHECK((*result)["metadata"]["resourceVersion"] == "7");
}

TEST_CASE("rest::list_all stops when a page fails", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    client.push(ok(R"({"metadata":{"continue":"c1"},"items":[]})"));
    client.push(api_error_from_response(410, R"({"kind":"Status","reason":"Expired","code":410})"));

    auto result = run_coroutine(io, rest::list_all(client, resources::config_maps(), "ns", {}));

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::Gone);
}

TEST_CASE("rest write calls address the object named in its metadata", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    const Json object = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}, {"namespace", "ns"}}}};
    for (int i = 0; i < 4; ++i) client.push(ok(object.dump()));

    REQUIRE(run_coroutine(io, rest::create(client, resources::config_maps(), "ns", object)).ok());
    REQUIRE(run_coroutine(io, rest::replace(client, resources::config_maps(), object)).ok());
    REQUIRE(run_coroutine(io, rest::apply(client, resources::config_maps(), object, ApplyOptions{})).ok());
    REQUIRE(run_coroutine(io, rest::apply_status(client, resources::config_maps(), object, ApplyOptions{})).ok());

    REQUIRE(client.sent().size() == 4);
    CHECK(client.sent()[0].method == Method::Post);
    CHECK(client.sent()[0].target == "/api/v1/namespaces/ns/configmaps");
    CHECK(client.sent()[1].method == Method::Put);
    CHECK(client.sent()[1].target == "/api/v1/namespaces/ns/configmaps/a");
    CHECK(client.sent()[2].method == Method::Patch);
    CHECK(client.sent()[2].target == "/api/v1/namespaces/ns/configmaps/a?fieldManager=labfleet&force=true");
    CHECK(client.sent()[3].target == "/api/v1/namespaces/ns/configmaps/a/status?fieldManager=labfleet&force=true");
}

TEST_CASE("a create-only apply carries a resourceVersion no stored object has, a plain apply none", "[kube][rest]") {
    asio::io_context io;
    ScriptedClient client;
    const Json object = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}, {"namespace", "ns"}}},
                         {"data", {{"k", "v"}}}};
    for (int i = 0; i < 2; ++i) client.push(ok(object.dump()));
    ApplyOptions create_only;
    create_only.create_only = true;

    REQUIRE(run_coroutine(io, rest::apply(client, resources::config_maps(), object, create_only)).ok());
    REQUIRE(run_coroutine(io, rest::apply(client, resources::config_maps(), object, ApplyOptions{})).ok());

    REQUIRE(client.sent().size() == 2);
    const Json created = Json::parse(client.sent()[0].body);
    CHECK(created["metadata"]["resourceVersion"] == "1");
    Json rest_of_it = created;
    rest_of_it["metadata"].erase("resourceVersion");
    CHECK(rest_of_it == object);
    CHECK(client.sent()[0].target == "/api/v1/namespaces/ns/configmaps/a?fieldManager=labfleet&force=true");
    CHECK_FALSE(Json::parse(client.sent()[1].body)["metadata"].contains("resourceVersion"));
}

TEST_CASE("rest::key_of reads namespace and name, tolerating junk", "[kube][rest]") {
    CHECK(rest::key_of(Json{{"metadata", {{"name", "a"}, {"namespace", "ns"}}}}) == ObjectKey{"ns", "a"});
    CHECK(rest::key_of(Json{{"metadata", {{"name", "n"}}}}) == ObjectKey{"", "n"});
    CHECK(rest::key_of(Json{{"metadata", {{"name", 3}}}}) == ObjectKey{});
    CHECK(rest::key_of(Json::array()) == ObjectKey{});
}

TEST_CASE("rest over HttpsClient: a malformed body from the server is a Decode error", "[kube][rest][net]") {
    asio::io_context io;
    labfleet::testing::FakeApiServer server(io.get_executor());
    server.push(labfleet::testing::FakeReply::json(200, "{\"items\": [ oops"));
    ClusterConfig config;
    config.server = server.url();
    net::HttpsClient client(config, io.get_executor());

    auto result = run_coroutine(io, rest::list_all(client, resources::config_maps(), "ns", {}));

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::Decode);
    CHECK_FALSE(result.error().retryable());
}
