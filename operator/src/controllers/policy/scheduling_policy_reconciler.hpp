#pragma once
// SchedulingPolicyReconciler: reports in each SchedulingPolicy's status the
// (workload, target) pairs it selects, or why it selects nothing, and keeps
// labfleet_assignments at the number of pairs across all policies. Reads
// only the caches; writes status only when it changed.

#include <string>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "kube/controller/reconcile.hpp"

namespace labfleet::controllers {

class SchedulingPolicyReconciler final : public kube::Reconciler {
public:
    /// `context`'s members must outlive the reconciler.
    explicit SchedulingPolicyReconciler(Context context);

    /// `key` is the policy's name.
    boost::asio::awaitable<kube::ReconcileResult> reconcile(std::string key) override;
    /// Quarantine (quarantine.hpp): the revision of the policy, and its report.
    std::string revision(const std::string& key) override;
    boost::asio::awaitable<kube::ReconcileResult> quarantined(std::string key, std::string why) override;

private:
    void publish_assignment_count();

    Context ctx_;
};

} // namespace labfleet::controllers
