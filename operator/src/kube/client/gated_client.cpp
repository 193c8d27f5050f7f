#include "kube/client/gated_client.hpp"

namespace labfleet::kube {

ApiError not_leader_error() {
    ApiError error;
    error.reason = ErrorReason::Forbidden;
    error.message = "not the leader: writes are fenced until this replica leads again";
    return error;
}

asio::awaitable<Result<HttpResponse>> GatedClient::send(HttpRequest request) {
    if (request.method == Method::Get) co_return co_await inner_.send(std::move(request));
    if (!may_write_()) co_return not_leader_error();
    if (dry_run_) request.target += (request.target.find('?') == std::string::npos ? "?" : "&") + std::string("dryRun=All");
    co_return co_await inner_.send(std::move(request));
}

} // namespace labfleet::kube
