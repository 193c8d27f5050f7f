#include "kube/store.hpp"

#include <atomic>

namespace labfleet::kube {

namespace {

const Json* labels_of(const Json& object) {
    auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return nullptr;
    auto labels = metadata->find("labels");
    return labels != metadata->end() && labels->is_object() ? &*labels : nullptr;
}

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

ObjectKey Store::key_of(const Json& object) {
    return {string_in_metadata(object, "namespace"), string_in_metadata(object, "name")};
}

Store::Store() : revision_(next_revision()) {}

void Store::changed() { revision_ = next_revision(); }

void Store::add_handlers(StoreHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Store::add_index(std::string name, IndexFunction index) {
    indexes_[std::move(name)] = Index{std::move(index), {}};
    reindex_all();
}

ObjectPtr Store::get(const ObjectKey& key) const {
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
    std::vector<ObjectPtr> result;
    result.reserve(objects_.size());
    for (const auto& [key, object] : objects_) result.push_back(object);
    return result;
}

std::vector<ObjectPtr> Store::list_by_label(std::string_view key, std::string_view value) const {
    std::vector<ObjectPtr> result;
    auto it = label_index_.find(LabelKey{std::string(key), std::string(value)});
    if (it == label_index_.end()) return result;
    result.reserve(it->second.size());
    for (const auto& object_key : it->second) result.push_back(objects_.at(object_key));
    return result;
}

std::vector<ObjectPtr> Store::list_by_index(std::string_view name, std::string_view value) const {
    std::vector<ObjectPtr> result;
    const auto index = indexes_.find(name);
    if (index == indexes_.end()) return result;
    const auto it = index->second.keys_by_value.find(value);
    if (it == index->second.keys_by_value.end()) return result;
    result.reserve(it->second.size());
    for (const auto& object_key : it->second) result.push_back(objects_.at(object_key));
    return result;
}

void Store::index(const ObjectKey& key, const Json& object) {
    if (const Json* labels = labels_of(object))
        for (const auto& [name, value] : labels->items())
            if (value.is_string()) label_index_[LabelKey{name, value.get<std::string>()}].insert(key);
    for (auto& [name, index] : indexes_)
        for (auto& value : index.values_of(object)) index.keys_by_value[std::move(value)].insert(key);
}

void Store::unindex(const ObjectKey& key, const Json& object) {
    if (const Json* labels = labels_of(object)) {
        for (const auto& [name, value] : labels->items()) {
            if (!value.is_string()) continue;
            auto it = label_index_.find(LabelKey{name, value.get<std::string>()});
            if (it == label_index_.end()) continue;
            it->second.erase(key);
            if (it->second.empty()) label_index_.erase(it);
        }
    }
    for (auto& [name, index] : indexes_) {
        for (const auto& value : index.values_of(object)) {
            auto it = index.keys_by_value.find(value);
            if (it == index.keys_by_value.end()) continue;
            it->second.erase(key);
            if (it->second.empty()) index.keys_by_value.erase(it);
        }
    }
}

void Store::reindex_all() {
    label_index_.clear();
    for (auto& [name, index] : indexes_) index.keys_by_value.clear();
    for (const auto& [key, object] : objects_) index(key, *object);
}

void Store::record_resource_version(const Json& object) {
    if (auto version = resource_version_of(object); !version.empty()) resource_version_ = version;
}

void Store::init_begin() { relist_.emplace(); }

void Store::init_apply(std::vector<ObjectPtr> objects) {
    if (!relist_) relist_.emplace();
    for (auto& object : objects) {
        if (!object) continue;
        ObjectKey key = key_of(*object);
        if (key.name.empty()) continue;
        (*relist_)[std::move(key)] = std::move(object);
    }
}

void Store::init_done(std::string resource_version) {
    std::map<ObjectKey, ObjectPtr> incoming = relist_ ? std::move(*relist_) : std::map<ObjectKey, ObjectPtr>{};
    relist_.reset();

    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;
    std::vector<ObjectPtr> deleted;
    for (auto& [key, object] : incoming) {
        auto old = objects_.find(key);
        if (old == objects_.end()) {
            added.push_back(object);
        } else if (resource_version_of(*old->second) == resource_version_of(*object)) {
            object = old->second;  // unchanged: keep the cached snapshot, say nothing
        } else {
            updated.emplace_back(old->second, object);
        }
    }
    for (const auto& [key, object] : objects_)
        if (!incoming.contains(key)) deleted.push_back(object);

    objects_ = std::move(incoming);
    reindex_all();
    changed();
    resource_version_ = std::move(resource_version);
    synced_ = true;

    relisting_ = true;
    for (const auto& handlers : handlers_) {
        if (handlers.on_delete)
            for (const auto& object : deleted) handlers.on_delete(object);
        if (handlers.on_update)
            for (const auto& [old_object, new_object] : updated) handlers.on_update(old_object, new_object);
        if (handlers.on_add)
            for (const auto& object : added) handlers.on_add(object);
    }
    relisting_ = false;
}

void Store::apply(ObjectPtr object) {
    if (!object) return;
    ObjectKey key = key_of(*object);
    if (key.name.empty()) return;
    record_resource_version(*object);
    auto [it, inserted] = objects_.try_emplace(key, object);
    changed();
    if (inserted) {
        index(key, *object);
        for (const auto& handlers : handlers_)
            if (handlers.on_add) handlers.on_add(object);
        return;
    }
    ObjectPtr old = std::move(it->second);
    it->second = object;
    unindex(key, *old);
    index(key, *object);
    for (const auto& handlers : handlers_)
        if (handlers.on_update) handlers.on_update(old, object);
}

void Store::remove(const ObjectPtr& object) {
    if (!object) return;
    record_resource_version(*object);
    auto it = objects_.find(key_of(*object));
    if (it == objects_.end()) return;
    unindex(it->first, *it->second);
    objects_.erase(it);
    changed();
    for (const auto& handlers : handlers_)
        if (handlers.on_delete) handlers.on_delete(object);
}

void Store::bookmark(std::string resource_version) {
    if (!resource_version.empty()) resource_version_ = std::move(resource_version);
}

} // namespace labfleet::kube
