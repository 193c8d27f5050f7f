#include "kube/cache/store.hpp"

#include <atomic>

#include "kube/json/json_fields.hpp"

namespace labfleet::kube {

namespace {

/// Revisions come from one counter for all stores, so none two share one.
std::uint64_t next_revision() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
}

std::string string_in_metadata(const Json& object, const char* field) {
    auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return {};
    auto value = metadata->find(field);
    return value != metadata->end() && value->is_string() ? value->get<std::string>() : std::string();
}

} // namespace

std::string_view resource_version_of(const Json& object) {
    auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return {};
    auto value = metadata->find("resourceVersion");
    return value != metadata->end() && value->is_string() ? std::string_view(value->get_ref<const std::string&>())
                                                          : std::string_view();
}

IndexFunction index_by_label(std::string key) {
    return [key = std::move(key)](const Json& object) -> std::vector<std::string> {
        const std::string* value = find_label(object, key);  // an empty value is filed too
        if (value == nullptr) return {};
        return {*value};
    };
}

ObjectKey Store::key_of(const Json& object) {
    return {string_in_metadata(object, "namespace"), string_in_metadata(object, "name")};
}

Store::Store(StoreOptions options) : options_(options), revision_(next_revision()) {}

void Store::changed() { revision_ = next_revision(); }

Store::Entry Store::make_entry(const ObjectPtr& object) {
    Entry entry;
    entry.resource_version = resource_version_of(*object);
    entry.snapshot = next_revision();
    if (!options_.packed) {
        entry.object = object;
        return entry;
    }
    entry.packed = packer_.pack(*object);
    return entry;
}

ObjectPtr Store::load(const Entry& entry) const {
    if (!options_.packed) return entry.object;
    return std::make_shared<const Json>(packer_.unpack(entry.packed));
}

void Store::add_handlers(StoreHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Store::add_index(std::string name, IndexFunction index) {
    Index& added = indexes_[std::move(name)] = Index{std::move(index), {}, {}};
    reindex_all();
    if (relist_)
        for (const auto& node : *relist_) file(added.relisted, node, added.values_of(*load(node.second)));
}

ObjectPtr Store::get(const ObjectKey& key) const {
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr : load(it->second);
}

const std::string* Store::version_of(const ObjectKey& key) const {
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr : &it->second.resource_version;
}

std::vector<ObjectPtr> Store::list() const {
    std::vector<ObjectPtr> result;
    result.reserve(objects_.size());
    for (const auto& [key, entry] : objects_) result.push_back(load(entry));
    return result;
}

std::vector<ObjectKey> Store::keys() const {
    std::vector<ObjectKey> result;
    result.reserve(objects_.size());
    for (const auto& [key, entry] : objects_) result.push_back(key);
    return result;
}

void Store::for_each_snapshot(const std::function<void(const ObjectKey&, std::uint64_t)>& visit) const {
    for (const auto& [key, entry] : objects_) visit(key, entry.snapshot);
}

std::vector<ObjectPtr> Store::list_by_index(std::string_view name, std::string_view value) const {
    const auto index = indexes_.find(name);
    if (index == indexes_.end()) return {};
    const auto it = index->second.keys_by_value.find(value);
    if (it == index->second.keys_by_value.end()) return {};
    return load_all(it->second);
}

std::set<std::string, std::less<>> Store::index_values(std::string_view name, std::string_view among,
                                                       std::string_view value) const {
    std::set<std::string, std::less<>> values;
    const auto index = indexes_.find(name);
    const auto filter = indexes_.find(among);
    if (index == indexes_.end() || filter == indexes_.end()) return values;
    const auto wanted = filter->second.keys_by_value.find(value);
    if (wanted == filter->second.keys_by_value.end()) return values;
    for (const auto& [candidate, nodes] : index->second.keys_by_value)
        for (const Node* node : nodes)
            if (wanted->second.contains(node)) {
                values.insert(candidate);
                break;
            }
    return values;
}

std::set<std::string, std::less<>> Store::index_values(std::string_view name) const {
    std::set<std::string, std::less<>> values;
    if (const auto index = indexes_.find(name); index != indexes_.end())
        for (const auto& [value, nodes] : index->second.keys_by_value) values.insert(value);
    return values;
}

std::vector<ObjectPtr> Store::load_all(const Nodes& nodes) const {
    std::vector<ObjectPtr> result;
    result.reserve(nodes.size());
    for (const Node* node : nodes) result.push_back(load(node->second));
    return result;
}

void Store::file(Keys& keys, const Node& node, std::vector<std::string> values) {
    for (auto& value : values) keys[std::move(value)].insert(&node);
}

void Store::index(const Node& node, const Json& object) {
    for (auto& [name, index] : indexes_) file(index.keys_by_value, node, index.values_of(object));
}

void Store::unindex(const Node& node, const Json& object) {
    for (auto& [name, index] : indexes_) {
        for (const auto& value : index.values_of(object)) {
            auto it = index.keys_by_value.find(value);
            if (it == index.keys_by_value.end()) continue;
            it->second.erase(&node);
            if (it->second.empty()) index.keys_by_value.erase(it);
        }
    }
}

void Store::reindex_all() {
    for (auto& [name, index] : indexes_) index.keys_by_value.clear();
    for (const auto& node : objects_) index(node, *load(node.second));
}

void Store::record_resource_version(const Json& object) {
    if (auto version = resource_version_of(object); !version.empty()) resource_version_ = version;
}

void Store::init_begin() {
    relist_.emplace();
    for (auto& [name, index] : indexes_) index.relisted.clear();
}

void Store::init_apply(std::vector<ObjectPtr> objects) {
    if (!relist_) init_begin();
    for (auto& object : objects) {
        if (!object) continue;
        ObjectKey key = key_of(*object);
        if (key.name.empty()) continue;
        const auto [node, inserted] = relist_->insert_or_assign(std::move(key), make_entry(object));
        // Indexed now, while decoded: a packed relist is not decoded again for it.
        for (auto& [name, index] : indexes_) file(index.relisted, *node, index.values_of(*object));
    }
}

void Store::init_done(std::string resource_version) {
    if (!relist_) init_begin();
    Objects incoming = std::move(*relist_);  // moves the nodes the relisted indexes point at
    relist_.reset();

    // Keys, not objects: a packed store decodes each one only while its handlers run.
    const bool silent = !synced_ && options_.silent_first_sync;
    std::vector<ObjectKey> added;
    std::vector<std::pair<ObjectPtr, ObjectKey>> updated;
    std::vector<ObjectPtr> deleted;
    for (auto& [key, entry] : incoming) {
        auto old = objects_.find(key);
        if (old == objects_.end()) {
            if (!silent) added.push_back(key);
        } else if (old->second.resource_version == entry.resource_version) {
            entry = std::move(old->second);  // unchanged: keep the cached snapshot, say nothing
        } else {
            updated.emplace_back(load(old->second), key);
        }
    }
    for (const auto& [key, entry] : objects_)
        if (!incoming.contains(key)) deleted.push_back(load(entry));

    objects_ = std::move(incoming);
    for (auto& [name, index] : indexes_) index.keys_by_value = std::exchange(index.relisted, {});
    changed();
    resource_version_ = std::move(resource_version);
    synced_ = true;

    relisting_ = true;
    for (const auto& object : deleted)
        for (const auto& handlers : handlers_)
            if (handlers.on_delete) handlers.on_delete(object);
    for (const auto& [old_object, key] : updated) {
        const ObjectPtr object = load(objects_.at(key));
        for (const auto& handlers : handlers_)
            if (handlers.on_update) handlers.on_update(old_object, object);
    }
    for (const auto& key : added) {
        const ObjectPtr object = load(objects_.at(key));
        for (const auto& handlers : handlers_)
            if (handlers.on_add) handlers.on_add(object);
    }
    relisting_ = false;
}

void Store::apply(ObjectPtr object) {
    if (!object) return;
    ObjectKey key = key_of(*object);
    if (key.name.empty()) return;
    record_resource_version(*object);
    auto [it, inserted] = objects_.try_emplace(key);
    Entry entry = make_entry(object);
    changed();
    if (inserted) {
        it->second = std::move(entry);
        index(*it, *object);
        for (const auto& handlers : handlers_)
            if (handlers.on_add) handlers.on_add(object);
        return;
    }
    const ObjectPtr old = load(it->second);
    it->second = std::move(entry);
    unindex(*it, *old);
    index(*it, *object);
    for (const auto& handlers : handlers_)
        if (handlers.on_update) handlers.on_update(old, object);
}

void Store::remove(const ObjectPtr& object) {
    if (!object) return;
    record_resource_version(*object);
    auto it = objects_.find(key_of(*object));
    if (it == objects_.end()) return;
    unindex(*it, *load(it->second));
    objects_.erase(it);
    changed();
    for (const auto& handlers : handlers_)
        if (handlers.on_delete) handlers.on_delete(object);
}

void Store::bookmark(std::string resource_version) {
    if (!resource_version.empty()) resource_version_ = std::move(resource_version);
}

} // namespace labfleet::kube
