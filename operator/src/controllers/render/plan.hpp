#pragma once
// Plan: the offline renderer behind `labfleet-operator plan -f DIR`. From the
// custom resources in a directory it renders every object the operator would
// apply, as one YAML stream for review in a pull request. Objects for targets
// in other clusters carry no installation label (the home cluster is not known
// offline) and are marked with their cluster.
//
// Leases are not applied: a plan shows the base tags a target returns to,
// since a lease is a temporary borrow, not desired state kept in git (each
// lease found is reported as a warning). A promoting workload's environments
// get the versions its status records, and the first one the candidate
// (plan_promotion with nothing observed). Objects of other API groups are
// skipped with a warning; an unknown labfleet.dev kind is an error.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/client/result.hpp"

namespace labfleet::controllers {

struct PlanDocument {
    std::string source;  // file name, e.g. "workloads.yaml"
    std::size_t index;   // 1-based position in the file
    kube::Json object;
};

/// One rendered object and the cluster it goes to ("" = the operator's own).
struct PlannedObject {
    std::string cluster;
    kube::Json object;
};

struct PlanOutput {
    /// "---"-separated, sorted by (cluster, namespace, kind, name); an object for
    /// another cluster is headed by the comment "# cluster: NAME".
    std::string yaml;
    std::vector<PlannedObject> objects;  // the same objects, in the same order
    std::vector<std::string> warnings;   // skipped documents, unknown placeholders, ignored leases
};

/// Reads every *.yaml, *.yml and *.json file directly in `dir`, by file name;
/// empty documents are skipped. Errors name the file (and line for syntax).
kube::Result<std::vector<PlanDocument>> read_plan_directory(const std::filesystem::path& dir);

/// Reads the documents of `paths` in the order given: a directory as
/// read_plan_directory, anything else as read_plan_file. What `plan -f` and
/// `diff -f` read.
kube::Result<std::vector<PlanDocument>> read_plan_paths(const std::vector<std::string>& paths);

/// Reads one file's documents (named by its file name in errors).
kube::Result<std::vector<PlanDocument>> read_plan_file(const std::filesystem::path& file);
/// Parses one file's text into documents.
kube::Result<std::vector<PlanDocument>> parse_plan_file(const std::string& source, const std::string& text);

/// Decodes and validates the documents and renders the objects of every
/// assigned pair. Errors read "FILE: document N: FIELD: MESSAGE".
kube::Result<PlanOutput> render_plan(const std::vector<PlanDocument>& documents);

} // namespace labfleet::controllers
