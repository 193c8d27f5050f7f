#include "plugin/session.hpp"

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "kube/client/rest.hpp"
#include "kube/client/retrying_client.hpp"
#include "kube/config/config_loader.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/net/https_client.hpp"

namespace labfleet::plugin {
namespace {

namespace asio = boost::asio;

kube::ResourceType self_subject_reviews() {
    return {"authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false};
}
kube::ResourceType self_subject_access_reviews() {
    return {"authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false};
}

kube::ApiError config_error(const kube::ConfigError& error) {
    kube::ApiError out;
    out.reason = kube::ErrorReason::Invalid;
    out.message = error.describe();
    return out;
}

} // namespace

struct Session::Impl {
    asio::io_context io;
    kube::ClusterConfig config;
    kube::net::HttpsClient transport;
    kube::RetryingClient client;

    explicit Impl(kube::ClusterConfig cluster)
        : config(cluster),
          transport(std::move(cluster), io.get_executor(), [] {
              kube::net::HttpsClientOptions options;
              options.user_agent = "kubectl-labfleet";
              return options;
          }()),
          client(transport, kube::RetryPolicy{}, [this] { return transport.reload_credentials(); }) {}

    /// Runs one call to completion on this thread.
    template <typename T>
    T run(asio::awaitable<T> call) {
        std::optional<T> result;
        asio::co_spawn(io, [&]() -> asio::awaitable<void> { result.emplace(co_await std::move(call)); },
                       [](std::exception_ptr error) { if (error) std::rethrow_exception(error); });
        io.restart();
        io.run();
        return std::move(*result);
    }
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

kube::Result<std::unique_ptr<Session>> Session::open(const GlobalOptions& options) {
    auto env = kube::ConfigEnvironment::process();
    // A person's tool: never the in-cluster service account, as kubectl.
    env.service_account_dir = "/nonexistent";
    auto config = kube::load_cluster_config({options.kubeconfig, options.context}, env);
    if (!config) return config_error(config.error());
    return connect(std::move(config).value());
}

kube::Result<std::unique_ptr<Session>> Session::connect(kube::ClusterConfig config) {
    try {
        return std::unique_ptr<Session>(new Session(std::make_unique<Impl>(std::move(config))));
    } catch (const std::invalid_argument& error) {
        kube::ApiError out;
        out.reason = kube::ErrorReason::Invalid;
        out.message = error.what();
        return out;
    }
}

const std::string& Session::source() const { return impl_->config.source; }

kube::Result<kube::Json> Session::get(const kube::ResourceType& type, const std::string& name,
                                     const std::string& ns) {
    return impl_->run(kube::rest::get(impl_->client, type, {ns, name}));
}

kube::Result<std::vector<kube::Json>> Session::list(const kube::ResourceType& type) {
    auto listed = impl_->run(kube::rest::list_all(impl_->client, type, "", {}));
    if (!listed) return listed.error();
    std::vector<kube::Json> items;
    if (listed->contains("items") && (*listed)["items"].is_array())
        for (auto& item : (*listed)["items"]) items.push_back(std::move(item));
    return items;
}

kube::Result<kube::Json> Session::create(const kube::ResourceType& type, kube::Json object) {
    return impl_->run(kube::rest::create(impl_->client, type, "", std::move(object)));
}

kube::Result<kube::Json> Session::merge_patch(const kube::ResourceType& type, const std::string& name,
                                              kube::Json patch) {
    return impl_->run(kube::rest::patch(impl_->client, type, {"", name}, kube::PatchType::Merge, std::move(patch)));
}

kube::Status Session::remove(const kube::ResourceType& type, const std::string& name) {
    return impl_->run(kube::rest::remove(impl_->client, type, {"", name}, {}));
}

kube::Result<kube::Json> Session::apply(const kube::ResourceType& type, kube::Json object,
                                       const std::string& field_manager, bool dry_run) {
    kube::ApplyOptions options;
    options.field_manager = field_manager;
    options.force = true;
    options.dry_run = dry_run;
    return impl_->run(kube::rest::apply(impl_->client, type, std::move(object), options));
}

kube::Result<kube::Json> Session::request_token(const std::string& ns, const std::string& service_account,
                                                kube::Json token_request) {
    const kube::ResourceType service_accounts{"", "v1", "ServiceAccount", "serviceaccounts", true};
    auto request = kube::requests::create(service_accounts, ns, token_request);
    request.target = kube::requests::object_path(service_accounts, {ns, service_account}) + "/token";
    auto response = impl_->run(impl_->client.send(std::move(request)));
    if (!response) return response.error();
    auto json = kube::Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
        kube::ApiError error;
        error.reason = kube::ErrorReason::Decode;
        error.message = "the answer to the TokenRequest of serviceaccount " + ns + "/" + service_account +
                        " is not a JSON object";
        return error;
    }
    return json;
}

const kube::ClusterConfig& Session::config() const { return impl_->config; }

kube::Result<std::string> Session::whoami() {
    auto review = create(self_subject_reviews(),
                         {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
    if (!review) return review.error();
    std::string user = kube::string_at(*review, "/status/userInfo/username");
    if (user.empty()) {
        kube::ApiError error;
        error.reason = kube::ErrorReason::Decode;
        error.message = "the API server's SelfSubjectReview named no user";
        return error;
    }
    return user;
}

kube::Result<std::optional<std::string>> Session::denied(const AccessQuestion& question) {
    kube::Json attributes{{"verb", question.verb}, {"group", question.group}, {"resource", question.resource}};
    if (!question.name.empty()) attributes["name"] = question.name;
    auto review = create(self_subject_access_reviews(),
                         {{"apiVersion", "authorization.k8s.io/v1"},
                          {"kind", "SelfSubjectAccessReview"},
                          {"spec", {{"resourceAttributes", attributes}}}});
    if (!review) return review.error();
    const auto& status = (*review)["status"];
    if (status.is_object() && status.value("allowed", false)) return std::optional<std::string>{};
    std::string reason = status.is_object() ? kube::string_field(status, "reason") : "";
    return std::optional<std::string>{reason.empty() ? "no rule allows it" : reason};
}

} // namespace labfleet::plugin
