#include "kube/object_trim.hpp"

namespace labfleet::kube {

namespace {

void remove_pointer(Json& object, const Json::json_pointer& pointer) {
    if (pointer.empty() || !object.contains(pointer)) return;
    Json& parent = object[pointer.parent_pointer()];
    const std::string& last = pointer.back();
    if (parent.is_object()) {
        parent.erase(last);
    } else if (parent.is_array()) {
        // contains() accepted the pointer, so `last` is a valid in-range index.
        parent.erase(static_cast<std::size_t>(std::stoul(last)));
    }
}

} // namespace

ObjectTrim::ObjectTrim(const std::vector<std::string>& pointers) {
    pointers_.reserve(pointers.size());
    for (const auto& text : pointers) pointers_.emplace_back(text);
}

void ObjectTrim::apply(Json& object) const {
    if (!object.is_object()) return;
    if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object())
        metadata->erase("managedFields");
    for (const auto& pointer : pointers_) remove_pointer(object, pointer);
}

} // namespace labfleet::kube
