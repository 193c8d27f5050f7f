#include "manager/api_access_reviewer.hpp"

namespace labfleet::manager {

namespace {

constexpr auto json_type = "application/json";

kube::ApiError decode_error(const std::string& what) {
    kube::ApiError error;
    error.reason = kube::ErrorReason::Decode;
    error.message = what;
    return error;
}

/// The object's `status`, which must be an object; nullptr when it is not one.
const kube::Json* status_of(const kube::Json& review) {
    if (!review.is_object()) return nullptr;
    const auto status = review.find("status");
    if (status == review.end() || !status->is_object()) return nullptr;
    return &*status;
}

/// `object[key]` when it is a boolean; `fallback` when absent; nullopt when it is something else.
std::optional<bool> bool_or(const kube::Json& object, const char* key, bool fallback) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return fallback;
    if (!found->is_boolean()) return std::nullopt;
    return found->get<bool>();
}

std::string string_or_empty(const kube::Json& object, const char* key) {
    const auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::vector<std::string> strings_of(const kube::Json& value) {
    std::vector<std::string> out;
    if (!value.is_array()) return out;
    for (const auto& item : value)
        if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

} // namespace

kube::HttpRequest token_review_request(const std::string& token) {
    const kube::Json review = {{"apiVersion", "authentication.k8s.io/v1"},
                               {"kind", "TokenReview"},
                               {"spec", {{"token", token}}}};
    return {kube::Method::Post, "/apis/authentication.k8s.io/v1/tokenreviews", json_type, review.dump()};
}

kube::HttpRequest access_review_request(const UserInfo& user, const NonResourceAccess& access) {
    kube::Json spec = {{"user", user.username},
                       {"nonResourceAttributes", {{"path", access.path}, {"verb", access.verb}}}};
    if (!user.uid.empty()) spec["uid"] = user.uid;
    if (!user.groups.empty()) spec["groups"] = user.groups;
    if (!user.extra.empty()) spec["extra"] = user.extra;
    const kube::Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                               {"kind", "SubjectAccessReview"},
                               {"spec", std::move(spec)}};
    return {kube::Method::Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", json_type, review.dump()};
}

kube::Result<TokenReviewAnswer> read_token_review(const std::string& body) {
    const auto review = kube::Json::parse(body, nullptr, false);
    const kube::Json* status = status_of(review);
    if (!status) return decode_error("token review: the response has no status object");
    const auto authenticated = bool_or(*status, "authenticated", false);
    if (!authenticated) return decode_error("token review: status.authenticated is not a boolean");
    TokenReviewAnswer answer;
    answer.authenticated = *authenticated;
    answer.error = string_or_empty(*status, "error");
    if (const auto user = status->find("user"); user != status->end() && user->is_object()) {
        answer.user.username = string_or_empty(*user, "username");
        answer.user.uid = string_or_empty(*user, "uid");
        if (const auto groups = user->find("groups"); groups != user->end()) answer.user.groups = strings_of(*groups);
        if (const auto extra = user->find("extra"); extra != user->end() && extra->is_object())
            for (const auto& [name, values] : extra->items()) answer.user.extra[name] = strings_of(values);
    }
    // An authenticated answer without a user name cannot be authorized.
    if (answer.authenticated && answer.user.username.empty())
        return decode_error("token review: authenticated without status.user.username");
    return answer;
}

kube::Result<AccessReviewAnswer> read_access_review(const std::string& body) {
    const auto review = kube::Json::parse(body, nullptr, false);
    const kube::Json* status = status_of(review);
    if (!status) return decode_error("subject access review: the response has no status object");
    const auto allowed = bool_or(*status, "allowed", false);
    const auto denied = bool_or(*status, "denied", false);
    if (!allowed || !denied) return decode_error("subject access review: status.allowed or denied is not a boolean");
    AccessReviewAnswer answer;
    // `denied` is authoritative when set; it never coexists with `allowed`.
    answer.allowed = *allowed && !*denied;
    answer.reason = string_or_empty(*status, "reason");
    if (answer.reason.empty()) answer.reason = string_or_empty(*status, "evaluationError");
    return answer;
}

boost::asio::awaitable<kube::Result<TokenReviewAnswer>> ApiAccessReviewer::review_token(std::string token) {
    auto response = co_await client_.send(token_review_request(token));
    if (!response) co_return response.error();
    co_return read_token_review(response->body);
}

boost::asio::awaitable<kube::Result<AccessReviewAnswer>> ApiAccessReviewer::review_access(UserInfo user,
                                                                                         NonResourceAccess access) {
    auto response = co_await client_.send(access_review_request(user, access));
    if (!response) co_return response.error();
    co_return read_access_review(response->body);
}

} // namespace labfleet::manager
