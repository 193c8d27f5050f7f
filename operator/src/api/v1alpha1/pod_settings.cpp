#include "api/v1alpha1/pod_settings.hpp"

#include <array>
#include <limits>
#include <set>

#include "api/v1alpha1/names.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
constexpr std::int64_t max_id = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t max_toleration_seconds = std::numeric_limits<std::int64_t>::max();
constexpr std::string_view reserved_prefix = "labfleet.dev/";

/// A quantity map (`requests` or `limits`): integers or quantity strings.
std::map<std::string, Quantity> decode_quantities(const FieldReader& parent, std::string_view key) {
    std::map<std::string, Quantity> out;
    const kube::Json* map = parent.object(key);
    if (map == nullptr) return out;
    const std::string base = parent.path_of(key);
    for (auto it = map->begin(); it != map->end(); ++it) {
        const std::string field = base + "." + it.key();
        std::string text;
        if (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0) {
            parent.state().fail(field, "must not be negative, got " + it->dump());
            return {};
        }
        if (it->is_number_integer()) {
            text = it->dump();
        } else if (it->is_string()) {
            text = it->get<std::string>();
        } else {
            parent.state().fail(field, "expected a quantity (integer or string such as \"500m\" or \"1Gi\"), got " +
                                           it->dump());
            return {};
        }
        auto quantity = parse_quantity(text);
        if (!quantity.ok()) {
            parent.state().fail(field, field_error_of(quantity.error()).message);
            return {};
        }
        out.emplace(it.key(), std::move(quantity).value());
    }
    return out;
}

Toleration decode_toleration(const FieldReader& reader) {
    Toleration out;
    out.key = reader.string_or("key", "");
    out.operator_ = reader.string_or("operator", "");
    out.value = reader.string_or("value", "");
    out.effect = reader.string_or("effect", "");
    out.toleration_seconds =
        reader.optional_integer("tolerationSeconds", std::numeric_limits<std::int64_t>::min(), max_toleration_seconds);
    return out;
}

bool is_resource_name(std::string_view name) {
    static constexpr std::array<std::string_view, 3> standard = {"cpu", "memory", "ephemeral-storage"};
    for (auto known : standard)
        if (name == known) return true;
    if (name.starts_with("hugepages-")) return parse_quantity(name.substr(10)).ok();
    // Extended resources are fully qualified: "example.com/gpu".
    return name.find('/') != std::string_view::npos && is_qualified_name(name);
}

void check_resources(std::vector<FieldError>& errors, const ResourceRequirements& resources,
                     const std::string& path) {
    const std::pair<const std::map<std::string, Quantity>*, const char*> maps[] = {
        {&resources.requests, "requests"}, {&resources.limits, "limits"}};
    for (const auto& [map, name] : maps)
        for (const auto& [resource, quantity] : *map)
            if (!is_resource_name(resource))
                errors.push_back({path + "." + name, "\"" + resource +
                                                         "\" is not a resource name (cpu, memory, "
                                                         "ephemeral-storage, hugepages-<size> or a "
                                                         "domain-qualified name such as example.com/gpu)"});
    for (const auto& [resource, request] : resources.requests) {
        const auto limit = resources.limits.find(resource);
        if (limit != resources.limits.end() && request > limit->second)
            errors.push_back({path + ".requests." + resource, "must not exceed limits." + resource + " (" +
                                                                  request.text + " > " + limit->second.text + ")"});
    }
}

void check_toleration(std::vector<FieldError>& errors, const Toleration& toleration, const std::string& path) {
    if (!toleration.operator_.empty() && toleration.operator_ != "Equal" && toleration.operator_ != "Exists")
        errors.push_back({path + ".operator", "must be Equal or Exists, got \"" + toleration.operator_ + "\""});
    if (!toleration.effect.empty() && toleration.effect != "NoSchedule" && toleration.effect != "PreferNoSchedule" &&
        toleration.effect != "NoExecute")
        errors.push_back({path + ".effect", "must be NoSchedule, PreferNoSchedule or NoExecute, got \"" +
                                                toleration.effect + "\""});
    if (!toleration.key.empty() && !is_qualified_name(toleration.key))
        errors.push_back({path + ".key", "must be a label key such as example.com/dedicated"});
    if (toleration.key.empty() && toleration.operator_ != "Exists")
        errors.push_back({path + ".operator", "must be Exists when key is empty (a toleration of every taint)"});
    if (toleration.operator_ == "Exists" && !toleration.value.empty())
        errors.push_back({path + ".value", "must be empty when operator is Exists"});
    if (!toleration.value.empty() && !is_label_value(toleration.value))
        errors.push_back({path + ".value", "must be a label value (at most 63 of A-Z a-z 0-9 - _ .)"});
    if (toleration.toleration_seconds && toleration.effect != "NoExecute")
        errors.push_back({path + ".tolerationSeconds", "is allowed only with effect NoExecute"});
}

void check_string_map(std::vector<FieldError>& errors, const std::map<std::string, std::string>& map,
                      const std::string& path, bool values_are_label_values) {
    for (const auto& [key, value] : map) {
        if (!is_qualified_name(key))
            errors.push_back({path, "key \"" + key + "\" must be [prefix/]name (name: at most 63 of A-Z a-z 0-9 - _ ., "
                                                     "starting and ending alphanumeric; prefix: a DNS subdomain)"});
        if (values_are_label_values && !is_label_value(value))
            errors.push_back({path + "." + key, "must be a label value (at most 63 of A-Z a-z 0-9 - _ ., starting "
                                                "and ending alphanumeric)"});
    }
}

kube::Json string_map_json(const std::map<std::string, std::string>& map) {
    kube::Json out = kube::Json::object();
    for (const auto& [key, value] : map) out[key] = value;
    return out;
}

kube::Json quantities_json(const std::map<std::string, Quantity>& map) {
    kube::Json out = kube::Json::object();
    for (const auto& [key, value] : map) out[key] = value.text;
    return out;
}
} // namespace

bool PodSettings::empty() const { return *this == PodSettings{}; }

bool is_reserved_pod_label(std::string_view key) {
    return key.starts_with(reserved_prefix) || key == "app.kubernetes.io/name" ||
           key == "app.kubernetes.io/managed-by";
}

bool is_reserved_pod_annotation(std::string_view key) { return key.starts_with(reserved_prefix); }

PodSettings decode_pod_settings(const FieldReader& parent, std::string_view key) {
    PodSettings out;
    FieldReader pod(parent.object(key), parent.path_of(key), parent.state());
    FieldReader resources(pod.object("resources"), pod.path_of("resources"), parent.state());
    out.resources.requests = decode_quantities(resources, "requests");
    out.resources.limits = decode_quantities(resources, "limits");
    for (std::size_t i = 0; const kube::Json* item : pod.array("imagePullSecrets")) {
        FieldReader secret(item, index_path(pod.path_of("imagePullSecrets"), i++), parent.state());
        out.image_pull_secrets.push_back(secret.required_string("name"));
    }
    out.node_selector = pod.string_map("nodeSelector");
    for (std::size_t i = 0; const kube::Json* item : pod.array("tolerations"))
        out.tolerations.push_back(
            decode_toleration(FieldReader(item, index_path(pod.path_of("tolerations"), i++), parent.state())));
    out.priority_class_name = pod.optional_string("priorityClassName");
    out.labels = pod.string_map("labels");
    out.annotations = pod.string_map("annotations");
    FieldReader security(pod.object("securityContext"), pod.path_of("securityContext"), parent.state());
    out.run_as_user = security.optional_integer("runAsUser", 1, max_id);
    out.run_as_group = security.optional_integer("runAsGroup", 0, max_id);
    return out;
}

void validate_pod_settings(std::vector<FieldError>& errors, const PodSettings& settings, const std::string& path) {
    check_resources(errors, settings.resources, path + ".resources");
    std::set<std::string_view> secrets;
    for (std::size_t i = 0; i < settings.image_pull_secrets.size(); ++i) {
        const std::string& name = settings.image_pull_secrets[i];
        const std::string field = index_path(path + ".imagePullSecrets", i) + ".name";
        if (!is_dns_subdomain(name)) errors.push_back({field, "must be a Secret name (a DNS subdomain)"});
        if (!secrets.insert(name).second) errors.push_back({field, "duplicate Secret \"" + name + "\""});
    }
    check_string_map(errors, settings.node_selector, path + ".nodeSelector", true);
    for (std::size_t i = 0; i < settings.tolerations.size(); ++i)
        check_toleration(errors, settings.tolerations[i], index_path(path + ".tolerations", i));
    if (settings.priority_class_name && !is_dns_subdomain(*settings.priority_class_name))
        errors.push_back({path + ".priorityClassName", "must be a PriorityClass name (a DNS subdomain)"});
    check_string_map(errors, settings.labels, path + ".labels", true);
    for (const auto& [key, value] : settings.labels)
        if (is_reserved_pod_label(key))
            errors.push_back({path + ".labels", "key \"" + key + "\" is reserved: Labfleet sets it on every pod"});
    check_string_map(errors, settings.annotations, path + ".annotations", false);
    for (const auto& [key, value] : settings.annotations)
        if (is_reserved_pod_annotation(key))
            errors.push_back({path + ".annotations", "key \"" + key + "\" is reserved: labfleet.dev/ annotations "
                                                                    "are Labfleet's own"});
}

kube::Json to_json(const PodSettings& settings) {
    kube::Json out = kube::Json::object();
    kube::Json resources = kube::Json::object();
    if (!settings.resources.requests.empty()) resources["requests"] = quantities_json(settings.resources.requests);
    if (!settings.resources.limits.empty()) resources["limits"] = quantities_json(settings.resources.limits);
    if (!resources.empty()) out["resources"] = std::move(resources);
    if (!settings.image_pull_secrets.empty()) {
        kube::Json secrets = kube::Json::array();
        for (const auto& name : settings.image_pull_secrets) secrets.push_back(kube::Json::object({{"name", name}}));
        out["imagePullSecrets"] = std::move(secrets);
    }
    if (!settings.node_selector.empty()) out["nodeSelector"] = string_map_json(settings.node_selector);
    if (!settings.tolerations.empty()) {
        kube::Json tolerations = kube::Json::array();
        for (const auto& toleration : settings.tolerations) {
            kube::Json item = kube::Json::object();
            if (!toleration.key.empty()) item["key"] = toleration.key;
            if (!toleration.operator_.empty()) item["operator"] = toleration.operator_;
            if (!toleration.value.empty()) item["value"] = toleration.value;
            if (!toleration.effect.empty()) item["effect"] = toleration.effect;
            if (toleration.toleration_seconds) item["tolerationSeconds"] = *toleration.toleration_seconds;
            tolerations.push_back(std::move(item));
        }
        out["tolerations"] = std::move(tolerations);
    }
    if (settings.priority_class_name) out["priorityClassName"] = *settings.priority_class_name;
    if (!settings.labels.empty()) out["labels"] = string_map_json(settings.labels);
    if (!settings.annotations.empty()) out["annotations"] = string_map_json(settings.annotations);
    kube::Json security = kube::Json::object();
    if (settings.run_as_user) security["runAsUser"] = *settings.run_as_user;
    if (settings.run_as_group) security["runAsGroup"] = *settings.run_as_group;
    if (!security.empty()) out["securityContext"] = std::move(security);
    return out;
}

} // namespace labfleet::api::v1alpha1
