#pragma once
// Quarantine: what an object shows when its reconcile ended the operator
// process twice in a row and the controller skips it (kube/controller/
// crash_record.hpp decides; this says it). The object is Stalled, reason
// ReconcileCrashed, through the one rule for a spec that cannot be acted on
// (invalid_spec_conditions), so its Warning Event follows from Stalled
// (write_status). A quarantine lasts while the object's revision (uid and
// metadata.generation) is unchanged: a person's edit of the spec lifts it.

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "kube/client/resource.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// The reason of a quarantined object's Stalled condition.
inline constexpr const char* reconcile_crashed_reason = "ReconcileCrashed";

/// "uid/generation" of a cached object; "" for none.
std::string object_revision(const kube::ObjectPtr& object);

/// The revision of a key that stands for several objects (a target and its
/// leases): changes when any of them is added, removed or given a new
/// generation. "" when `objects` holds none.
std::string objects_revision(const std::vector<kube::ObjectPtr>& objects);

/// Writes `object`'s status as quarantined: Ready, Reconciling and Stalled
/// (and Degraded when the kind has it: `with_degraded`) for reason
/// ReconcileCrashed and message `why`, observedGeneration its generation; the
/// rest of the status stays. A status already showing it writes nothing.
boost::asio::awaitable<kube::ReconcileResult> write_quarantined(Context ctx, kube::ResourceType type,
                                                                kube::ObjectPtr object, std::string why,
                                                                bool with_degraded);

} // namespace labfleet::controllers
