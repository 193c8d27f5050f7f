#pragma once
// Expectations: read-your-writes for a reconciler that plans from informer
// caches, keyed by its queue key (as kube-controller-manager's
// ControllerExpectations). An informer delivers the reconciler's own writes
// some time after they succeed; a plan made in between starts from the state
// the write replaced and may repeat or contradict it, with a precondition
// that still holds when the plan writes a different object. So after a write
// the reconciler records what the cache must show, and does not plan that
// key from the cache again until it does. Past a bounded timeout (a watch
// that stalls), the key may be planned once the objects still unobserved are
// read from the API server instead of the cache.
//
// Single-threaded, like the stores.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/cache/store.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::kube {

struct ExpectationsOptions {
    /// How long a write may stay unobserved before the key is planned from a
    /// live read of the objects concerned.
    std::chrono::milliseconds timeout = std::chrono::seconds{30};
};

/// Whether the cached resourceVersion `cached` of an object (null when the
/// object is not cached) shows an update that replaced `replaced` by
/// `written` ("" when the response did not say). Observed when:
/// - the object left the cache (deleted after the write);
/// - `cached` is `written`;
/// - both `cached` and `written` are decimal numbers (etcd revisions, what
///   every API server hands out) and `cached` is not smaller;
/// - otherwise (opaque versions), `cached` is not `replaced`: the write was
///   made with `replaced` as its precondition, so every later state of the
///   object includes it.
bool write_observed(const std::string* cached, std::string_view replaced, std::string_view written);

class Expectations {
public:
    /// `clock` must outlive the expectations.
    explicit Expectations(const Clock& clock, ExpectationsOptions options = {});

    /// Records that a write made while reconciling `key` updated `object` of
    /// `store` (which must outlive the expectation) from resourceVersion
    /// `replaced` to `written`.
    void expect_update(const std::string& key, const Store& store, ObjectKey object, std::string replaced,
                       std::string written);

    /// Records that a write made while reconciling `key` created `object` of
    /// `store` (which must outlive the expectation): observed once it is cached.
    void expect_create(const std::string& key, const Store& store, ObjectKey object);

    struct Check {
        enum class State {
            Observed,  // the cache shows every write: plan from it
            Waiting,   // not yet: do not plan; look again after `wait` (or on the cache's next event)
            TimedOut,  // `unobserved` stayed unseen past the timeout: plan from a live read of them
        };
        State state = State::Observed;
        std::chrono::milliseconds wait{0};
        std::vector<ObjectKey> unobserved;
    };
    /// Drops the writes of `key` to `object` that its store shows now, as
    /// check() would. A store handler calls it as each object arrives, so a
    /// key that waits long in its queue (a fleet converging) holds only the
    /// writes still unseen; only that object's writes are looked up.
    void drop_observed(const std::string& key, const ObjectKey& object);
    /// Drops the writes of `key` the cache has observed and says whether the
    /// key may be planned. TimedOut leaves the expectations in place until
    /// forget(): the caller forgets them once its live read succeeded.
    Check check(const std::string& key);
    /// Drops every expectation of `key`.
    void forget(const std::string& key) { by_key_.erase(key); }
    /// The number of keys with writes not yet observed.
    std::size_t keys() const { return by_key_.size(); }

private:
    struct Write {
        const Store* store;
        ObjectKey object;
        std::string replaced;
        std::string written;
        MonoTime deadline;
        bool created = false;  // a create: observed once cached, whatever its version
    };

    /// Whether the write's store shows it; reads versions, decodes nothing.
    static bool observed(const Write& write);

    const Clock& clock_;
    ExpectationsOptions options_;
    std::map<std::string, std::vector<Write>, std::less<>> by_key_;
};

} // namespace labfleet::kube
