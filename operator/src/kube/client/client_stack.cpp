#include "kube/client/client_stack.hpp"

namespace labfleet::kube {

namespace {

RetryPolicy without_throttle_waits(RetryPolicy policy) {
    policy.max_throttle_retries = 0;
    return policy;
}

} // namespace

ClientStack::ClientStack(Client& transport, RequestObserver& observer, std::function<bool()> may_write,
                         CredentialRefresh refresh_credentials, ClientStackOptions options)
    : metered_(transport, observer),
      gate_(metered_, std::move(may_write), options.dry_run),
      urgent_first_(gate_, options.urgent_max_wait),
      writer_(urgent_first_, options.retry, refresh_credentials),
      reader_(metered_, without_throttle_waits(options.retry), std::move(refresh_credentials)) {}

} // namespace labfleet::kube
