#include "kube/cache/object_trim.hpp"

#include <charconv>

#include "kube/json/json_reader.hpp"

namespace labfleet::kube {

namespace {

const Json::json_pointer managed_fields("/metadata/managedFields");

/// Builds the document from the reader's events, as nlohmann's DOM parser
/// does, but drops each value whose place the trim tree cuts (and all inside it).
class TrimmingBuilder {
public:
    using Node = ObjectTrim::Node;

    TrimmingBuilder(Json& result, const Node& root, const std::vector<std::string_view>& objects_at)
        : result_(result), root_(root), objects_at_(objects_at),
          next_(objects_at.empty() ? Place{&root, -1} : Place{nullptr, 0}) {}

    bool null() { return value(nullptr); }
    bool boolean(bool v) { return value(v); }
    bool number_integer(Json::number_integer_t v) { return value(v); }
    bool number_unsigned(Json::number_unsigned_t v) { return value(v); }
    bool number_float(Json::number_float_t v) { return value(v); }
    bool string(std::string& v) { return value(std::move(v)); }
    bool start_object() { return open(Json::object()); }
    bool start_array() { return open(Json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(std::string& name) {
        if (skipping_ > 0) return true;
        next_ = child(open_.back().place, name);
        if (next_.cut) {
            skip_next_ = true;
            return true;
        }
        member_ = &(*open_.back().value)[std::move(name)];
        return true;
    }

private:
    /// Where a value stands: at a trim-tree node inside an object (`node`),
    /// on the way to the objects (`prefix` steps of objects_at matched), or
    /// where nothing is trimmed (neither).
    struct Place {
        const Node* node = nullptr;
        int prefix = -1;
        bool cut = false;
    };
    struct Open {
        Json* value;
        Place place;
        std::size_t elements = 0;  // of an array, dropped ones included: pointers count them as sent
    };

    Place child(const Place& parent, std::string_view token) const {
        if (parent.node != nullptr) {
            const auto found = parent.node->children.find(token);
            if (found == parent.node->children.end()) return {};
            return {&found->second, -1, found->second.cut};
        }
        if (parent.prefix < 0) return {};
        const std::string_view step = objects_at_[static_cast<std::size_t>(parent.prefix)];
        if (step != token && step != "*") return {};
        const int matched = parent.prefix + 1;
        if (static_cast<std::size_t>(matched) == objects_at_.size()) return {&root_, -1};
        return {nullptr, matched};
    }

    /// Where the next element of `array` stands.
    Place element_place(Open& array) const {
        const std::size_t index = array.elements++;
        const Place& parent = array.place;
        if (parent.node == nullptr && parent.prefix < 0) return {};
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
        return child(parent, std::string_view(digits, static_cast<std::size_t>(end - digits)));
    }

    /// Places `v` where the next value goes; null when it is cut.
    template <class Value>
    Json* place(Value&& v, Place& where) {
        if (open_.empty()) {
            where = next_;
            result_ = Json(std::forward<Value>(v));
            return &result_;
        }
        Open& parent = open_.back();
        if (parent.value->is_array()) {
            where = element_place(parent);
            if (where.cut) return nullptr;
            parent.value->emplace_back(std::forward<Value>(v));
            return &parent.value->back();
        }
        if (skip_next_) {
            skip_next_ = false;
            return nullptr;
        }
        where = next_;
        *member_ = Json(std::forward<Value>(v));
        return member_;
    }

    template <class Value>
    bool value(Value&& v) {
        if (skipping_ > 0) return true;
        Place where;
        place(std::forward<Value>(v), where);
        return true;
    }

    bool open(Json empty) {
        if (skipping_ > 0) {
            ++skipping_;
            return true;
        }
        Place where;
        Json* opened = place(std::move(empty), where);
        if (opened == nullptr) {
            skipping_ = 1;
            return true;
        }
        open_.push_back({opened, where});
        return true;
    }

    bool close() {
        if (skipping_ > 0) {
            --skipping_;
            return true;
        }
        open_.pop_back();
        return true;
    }

    Json& result_;
    const Node& root_;
    const std::vector<std::string_view>& objects_at_;
    std::vector<Open> open_;
    Place next_;
    Json* member_ = nullptr;
    bool skip_next_ = false;
    std::size_t skipping_ = 0;
};

} // namespace

ObjectTrim::ObjectTrim() { add(managed_fields); }

ObjectTrim::ObjectTrim(const std::vector<std::string>& pointers) : ObjectTrim() {
    for (const auto& text : pointers) add(Json::json_pointer(text));
}

void ObjectTrim::add(const Json::json_pointer& pointer) {
    if (pointer.empty()) return;  // the whole object is never trimmed
    Node* node = &root_;
    Json::json_pointer rest = pointer;
    std::vector<std::string> tokens;
    for (; !rest.empty(); rest.pop_back()) tokens.push_back(rest.back());
    for (auto token = tokens.rbegin(); token != tokens.rend() && !node->cut; ++token)
        node = &node->children[*token];
    node->cut = true;
    node->children.clear();
}

Json ObjectTrim::parse(std::string_view text, const std::vector<std::string_view>& objects_at) const {
    Json result;
    TrimmingBuilder builder(result, root_, objects_at);
    if (!json_reader::read(text, builder)) return Json(Json::value_t::discarded);
    return result;
}

} // namespace labfleet::kube
