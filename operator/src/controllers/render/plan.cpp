#include "controllers/render/plan.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/group_version.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/promotion/promotion_gate.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/render/object_diff.hpp"
#include "controllers/render/tag_resolution.hpp"
#include "controllers/render/yaml_convert.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::controllers {

namespace v1 = api::v1alpha1;

namespace {
kube::ApiError plan_error(const std::string& where, const v1::FieldError& error) {
    kube::ApiError out = v1::to_api_error(error);
    out.message = where + ": " + error.str();
    return out;
}

std::string where(const PlanDocument& document) {
    return document.source + ": document " + std::to_string(document.index);
}

template <class T>
kube::Result<T> decode(const PlanDocument& document) {
    auto decoded = T::from_json(document.object);
    if (!decoded.ok()) return plan_error(where(document), v1::field_error_of(decoded.error()));
    const auto errors = validate(decoded.value());
    if (!errors.empty()) return plan_error(where(document), errors.front());
    return decoded;
}

} // namespace

kube::Result<std::vector<PlanDocument>> parse_plan_file(const std::string& source, const std::string& text) {
    auto parsed = parse_yaml_stream(text);
    if (!parsed.ok()) return plan_error(source, {"", parsed.error().message});
    std::vector<PlanDocument> out;
    for (std::size_t i = 0; i < parsed->size(); ++i) {
        if ((*parsed)[i].is_null()) continue;
        out.push_back({source, i + 1, std::move((*parsed)[i])});
    }
    return out;
}

kube::Result<std::vector<PlanDocument>> read_plan_directory(const std::filesystem::path& dir) {
    std::error_code error;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        const auto extension = it->path().extension();
        if (it->is_regular_file() && (extension == ".yaml" || extension == ".yml" || extension == ".json"))
            files.push_back(it->path());
    }
    if (error) return plan_error(dir.string(), {"", "cannot read directory: " + error.message()});
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
    std::vector<PlanDocument> out;
    for (const auto& file : files) {
        auto documents = read_plan_file(file);
        if (!documents.ok()) return documents.error();
        for (auto& document : *documents) out.push_back(std::move(document));
    }
    return out;
}

kube::Result<std::vector<PlanDocument>> read_plan_paths(const std::vector<std::string>& paths) {
    std::vector<PlanDocument> out;
    for (const auto& path : paths) {
        auto read = std::filesystem::is_directory(path) ? read_plan_directory(path) : read_plan_file(path);
        if (!read.ok()) return read.error();
        for (auto& document : *read) out.push_back(std::move(document));
    }
    return out;
}

kube::Result<std::vector<PlanDocument>> read_plan_file(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    if (!stream) return plan_error(file.filename().string(), {"", "cannot read file"});
    return parse_plan_file(file.filename().string(), text.str());
}

kube::Result<PlanOutput> render_plan(const std::vector<PlanDocument>& documents) {
    PlanOutput out;
    std::vector<v1::Workload> workloads;
    std::vector<v1::DeploymentTarget> targets;
    std::vector<v1::SchedulingPolicy> policies;
    std::map<std::pair<std::string, std::string>, std::string> seen;  // (kind, name) -> where

    for (const auto& document : documents) {
        if (!document.object.is_object())
            return plan_error(where(document), {"", "expected a Kubernetes object"});
        const std::string api_version = kube::string_field(document.object, "apiVersion");
        const std::string kind = kube::string_field(document.object, "kind");
        if (api_version.rfind("labfleet.dev/", 0) != 0) {
            out.warnings.push_back(where(document) + ": skipped " + (kind.empty() ? "object" : kind) + " of " +
                                   (api_version.empty() ? "no apiVersion" : api_version));
            continue;
        }
        if (api_version != v1::api_version)
            return plan_error(where(document), {"apiVersion", "unsupported version " + api_version +
                                                                  " (expected labfleet.dev/v1alpha1)"});
        const std::string name = document.object.contains("metadata") && document.object["metadata"].is_object()
                                     ? kube::string_field(document.object["metadata"], "name")
                                     : "";
        if (kind == "Workload") {
            auto decoded = decode<v1::Workload>(document);
            if (!decoded.ok()) return decoded.error();
            workloads.push_back(std::move(decoded).value());
        } else if (kind == "DeploymentTarget") {
            auto decoded = decode<v1::DeploymentTarget>(document);
            if (!decoded.ok()) return decoded.error();
            targets.push_back(std::move(decoded).value());
        } else if (kind == "SchedulingPolicy") {
            auto decoded = decode<v1::SchedulingPolicy>(document);
            if (!decoded.ok()) return decoded.error();
            policies.push_back(std::move(decoded).value());
        } else if (kind == "EnvironmentLease") {
            auto decoded = decode<v1::EnvironmentLease>(document);
            if (!decoded.ok()) return decoded.error();
            out.warnings.push_back(where(document) + ": lease " +
                                   (name.empty() ? decoded->metadata.generate_name + "*" : name) +
                                   " not applied: plan shows base tags");
            continue;
        } else {
            return plan_error(where(document), {"kind", "unknown kind \"" + kind +
                                                            "\" (expected Workload, DeploymentTarget, "
                                                            "SchedulingPolicy or EnvironmentLease)"});
        }
        if (name.empty()) return plan_error(where(document), {"metadata.name", "required in a plan (generateName is not)"});
        auto [it, inserted] = seen.emplace(std::pair{kind, name}, where(document));
        if (!inserted) return plan_error(where(document), {"metadata.name", kind + " \"" + name + "\" already defined in " + it->second});
    }

    std::map<std::string, const v1::Workload*> workload_by_name;
    for (const auto& workload : workloads) workload_by_name[workload.metadata.name] = &workload;
    std::map<std::string, const v1::DeploymentTarget*> target_by_name;
    for (const auto& target : targets) target_by_name[target.metadata.name] = &target;

    // The operator's rule for namespaces (with the default deny-list): a
    // refused target that would host a workload is an error, one that would
    // host none a warning, as the operator writes nothing for either.
    const auto refusals = target_refusals(targets, NamespaceRules{});
    const auto assignments = compute_assignments(workloads, targets, policies);
    for (const auto& [name, refusal] : refusals) {
        const bool hosts = std::any_of(assignments.pairs.begin(), assignments.pairs.end(),
                                       [&target = name](const Assignment& pair) { return pair.target == target; });
        if (hosts) return plan_error("target " + name, {"spec.namespace", refusal.message});
        out.warnings.push_back("target " + name + ": " + refusal.message);
    }

    using Key = std::tuple<std::string, std::string, std::string, std::string>;  // cluster, namespace, kind, name
    std::map<Key, kube::Json> objects;
    for (const auto& pair : assignments.pairs) {
        const auto& workload = *workload_by_name.at(pair.workload);
        const auto& target = *target_by_name.at(pair.target);
        // A promotion gives each environment its recorded version, and the first the
        // candidate at once; offline nothing is observed, so nothing moves further.
        std::map<std::string, v1::Version> promoted;
        if (workload.spec.promotion)
            promoted = plan_promotion(*workload.spec.promotion, workload.status.promotion, {}, kube::WallTime{}).versions;
        const auto version = promoted.find(target.spec.environment);
        const auto desired = build_desired_objects(
            workload, target,
            resolve_images(workload, target, nullptr, version == promoted.end() ? nullptr : &version->second));
        if (!desired.pod_settings_conflicts.empty())
            return plan_error("workload " + pair.workload + " on target " + pair.target,
                              {"", desired.pod_settings_conflicts.front()});
        for (const auto& placeholder : desired.unknown_placeholders)
            out.warnings.push_back("workload " + pair.workload + " on target " + pair.target +
                                   ": unknown placeholder " + placeholder + ", left as is");
        // Unique keys: a namespace has one target per cluster and names are per workload.
        for (const auto& object : desired.all())
            objects.emplace(Key{target.cluster(), object["metadata"]["namespace"], object["kind"], object["metadata"]["name"]},
                            object);
    }
    for (auto& [key, object] : objects) {
        const std::string& cluster = std::get<0>(key);
        out.yaml += "---\n" + (cluster.empty() ? "" : "# cluster: " + cluster + "\n") + json_to_yaml(without_absent(object));
        out.objects.push_back({cluster, without_absent(object)});
    }
    return out;
}

} // namespace labfleet::controllers
