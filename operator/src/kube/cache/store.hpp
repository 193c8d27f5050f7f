#pragma once
// Store: the informer cache of one kind. Objects are immutable snapshots
// (ObjectPtr) keyed by namespace/name. Named indexes (like client-go's
// indexers) answer "which objects have field or label value X" without a
// scan. A packed store keeps each object deflated (ObjectPacker) and hands
// out a fresh snapshot on every read: a cached child in 100-180 bytes, for
// big caches read a few objects at a time (a fleet's children). A relist is
// buffered between init_begin and init_done and swapped in at once, so
// objects deleted while the watch was down vanish (and are announced as
// deletes). Handlers hear every change so controllers can queue keys.
// Single-threaded: used only on the runtime's io_context thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/cache/object_packer.hpp"
#include "kube/json/json.hpp"
#include "kube/client/resource.hpp"

namespace labfleet::kube {

/// Change callbacks; any may be empty. Called after the store has changed,
/// so a handler reading the store sees the new state. Keep them cheap
/// (map the object to a queue key and return).
struct StoreHandlers {
    std::function<void(const ObjectPtr&)> on_add;
    std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
    std::function<void(const ObjectPtr&)> on_delete;
};

/// The values an object is indexed under (none: not in the index).
using IndexFunction = std::function<std::vector<std::string>(const Json& object)>;

/// An index by the value of label `key` (objects without it are left out).
IndexFunction index_by_label(std::string key);

struct StoreOptions {
    /// Keep objects packed (ObjectPacker), decoded at every read; handlers
    /// and readers get equal but distinct snapshots each time.
    bool packed = false;
    /// The first sync swaps its objects in without telling the handlers
    /// (later relists and events tell them as usual). For owners that read
    /// the whole cache when they start, as the controllers do: a packed
    /// store would otherwise decode every object once more only to hand it
    /// to handlers whose keys are queued anyway.
    bool silent_first_sync = false;
};

class Store {
public:
    explicit Store(StoreOptions options = {});

    /// Registers handlers; they also hear changes made by later relists.
    void add_handlers(StoreHandlers handlers);
    /// Adds (or replaces) the index `name`, indexing what is cached already.
    void add_index(std::string name, IndexFunction index);

    ObjectPtr get(const ObjectKey& key) const;  // null when absent
    /// The cached object's metadata.resourceVersion, null when absent;
    /// decodes nothing. Valid until the store next changes.
    const std::string* version_of(const ObjectKey& key) const;
    /// Every object, ordered by key.
    std::vector<ObjectPtr> list() const;
    /// Every key, ordered; decodes nothing.
    std::vector<ObjectKey> keys() const;
    /// Calls `visit(key, snapshot)` for every object, ordered by key, decoding
    /// nothing. `snapshot` names the cached state of the object: it changes
    /// whenever the object is replaced and is never reused (a memo key).
    void for_each_snapshot(const std::function<void(const ObjectKey&, std::uint64_t snapshot)>& visit) const;
    /// Objects the index `name` files under `value`, ordered by key; none
    /// for an index never added.
    std::vector<ObjectPtr> list_by_index(std::string_view name, std::string_view value) const;
    /// The values index `name` files objects under, among the objects index
    /// `among` files under `value` (say, the workloads with children on one
    /// target), read from the indexes alone: no object is decoded.
    std::set<std::string, std::less<>> index_values(std::string_view name, std::string_view among,
                                                    std::string_view value) const;
    /// Every value index `name` files objects under.
    std::set<std::string, std::less<>> index_values(std::string_view name) const;
    std::size_t size() const { return objects_.size(); }
    /// The last resourceVersion seen (list, event or bookmark); "" before the first list.
    const std::string& resource_version() const { return resource_version_; }
    /// Changes with every change of the cached objects; two different states,
    /// even of two different stores, never share a revision (memo key).
    std::uint64_t revision() const { return revision_; }
    /// True once a first full list has been swapped in.
    bool synced() const { return synced_; }
    /// True while handlers hear the changes of a relist swap (not live
    /// events): controllers queue those at low priority.
    bool relisting() const { return relisting_; }

    /// Starts buffering a relist; a relist already being buffered is dropped.
    void init_begin();
    /// Adds a page of the relist to the buffer (not visible yet).
    void init_apply(std::vector<ObjectPtr> objects);
    /// Swaps the buffer in: notifies adds, updates (only where resourceVersion
    /// changed) and deletes (objects missing from the relist).
    void init_done(std::string resource_version);
    /// ADDED/MODIFIED: inserts or replaces; notifies add or update.
    void apply(ObjectPtr object);
    /// DELETED: removes and notifies with the final state, if the key was cached.
    void remove(const ObjectPtr& object);
    /// BOOKMARK: only the resourceVersion moves.
    void bookmark(std::string resource_version);

    /// The key of an object from metadata.namespace/name (empty name when absent).
    static ObjectKey key_of(const Json& object);

private:
    /// A cached object: the snapshot, or its packed bytes in a packed store.
    struct Entry {
        ObjectPtr object;
        std::string packed;
        std::string resource_version;
        std::uint64_t snapshot = 0;
    };
    using Objects = std::map<ObjectKey, Entry>;
    /// A cached object's node in its map (objects_ or the relist buffer),
    /// which stays put until erased: indexes point at it instead of copying
    /// the key (at 30,000 children, two indexes of copies were 6 MB).
    using Node = Objects::value_type;
    struct NodeByKey {
        bool operator()(const Node* a, const Node* b) const { return a->first < b->first; }
    };
    using Nodes = std::set<const Node*, NodeByKey>;
    using Keys = std::map<std::string, Nodes, std::less<>>;
    struct Index {
        IndexFunction values_of;
        Keys keys_by_value;
        Keys relisted;  // the relist being buffered, indexed as it arrives
    };

    Entry make_entry(const ObjectPtr& object);
    ObjectPtr load(const Entry& entry) const;
    static void file(Keys& keys, const Node& node, std::vector<std::string> values);
    void index(const Node& node, const Json& object);
    void unindex(const Node& node, const Json& object);
    void reindex_all();
    std::vector<ObjectPtr> load_all(const Nodes& nodes) const;
    void record_resource_version(const Json& object);
    void changed();

    StoreOptions options_;
    ObjectPacker packer_;  // of a packed store
    Objects objects_;
    std::map<std::string, Index, std::less<>> indexes_;
    std::optional<Objects> relist_;
    std::vector<StoreHandlers> handlers_;
    std::string resource_version_;
    std::uint64_t revision_ = 0;
    bool synced_ = false;
    bool relisting_ = false;
};

/// metadata.resourceVersion, or "" when absent.
std::string_view resource_version_of(const Json& object);

} // namespace labfleet::kube
