#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controllers/render/plan.hpp"

using namespace labfleet::controllers;
namespace fs = std::filesystem;

namespace {
const fs::path data_dir = fs::path(LABFLEET_SOURCE_DIR) / "tests/data/plan";

std::string read(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

/// What `plan` prints for a case: the YAML stream, or "error: ..." and the warnings.
std::string run_case(const fs::path& input) {
    auto documents = read_plan_directory(input);
    if (!documents.ok()) return "error: " + documents.error().message + "\n";
    auto plan = render_plan(*documents);
    if (!plan.ok()) return "error: " + plan.error().message + "\n";
    std::string out = plan->yaml;
    for (const auto& warning : plan->warnings) out += "# warning: " + warning + "\n";
    return out;
}

} // namespace

TEST_CASE("golden plans in tests/data/plan", "[controllers][plan]") {
    // LABFLEET_UPDATE_GOLDEN=1 rewrites each expected.txt from the current output.
    const char* update = std::getenv("LABFLEET_UPDATE_GOLDEN");
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(data_dir))
        if (entry.is_directory()) cases.push_back(entry.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE(cases.size() >= 2);
    for (const auto& dir : cases) {
        INFO("case " << dir.filename().string());
        const std::string actual = run_case(dir / "input");
        const fs::path expected_path = dir / "expected.txt";
        if (update != nullptr && std::string(update) == "1") {
            std::ofstream(expected_path, std::ios::binary) << actual;
            continue;
        }
        REQUIRE(fs::exists(expected_path));
        CHECK(actual == read(expected_path));
    }
}

TEST_CASE("plan output is sorted and complete", "[controllers][plan]") {
    auto documents = read_plan_directory(data_dir / "basic" / "input");
    REQUIRE(documents.ok());
    auto plan = render_plan(*documents);
    REQUIRE(plan.ok());
    // intro on both targets, advanced on qa-1 only: 3 pairs, 9 objects.
    std::size_t count = 0;
    for (std::size_t pos = 0; (pos = plan->yaml.find("---\n", pos)) != std::string::npos; pos += 4) ++count;
    CHECK(count == 9);
    CHECK(plan->yaml.find("pr-42") == std::string::npos);  // the lease is not applied
    CHECK(plan->yaml.find("namespace: labs-prod") < plan->yaml.find("namespace: labs-qa-1"));
}

namespace {
std::string plan_error(const std::string& text) {
    auto documents = parse_plan_file("in.yaml", text);
    if (!documents.ok()) return documents.error().message;
    auto plan = render_plan(*documents);
    REQUIRE_FALSE(plan.ok());
    return plan.error().message;
}

const char* target_doc = R"(apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: t1}
spec: {environment: qa, namespace: shared}
)";
} // namespace

TEST_CASE("plan errors name file, document and field", "[controllers][plan]") {
    CHECK(plan_error(std::string(target_doc) + "---\n" + target_doc) ==
          "in.yaml: document 2: metadata.name: DeploymentTarget \"t1\" already defined in in.yaml: document 1");
    CHECK(plan_error("apiVersion: labfleet.dev/v1alpha1\nkind: Workloads\nmetadata: {name: x}\n") ==
          "in.yaml: document 1: kind: unknown kind \"Workloads\" (expected Workload, DeploymentTarget, "
          "SchedulingPolicy or EnvironmentLease)");
    CHECK(plan_error("apiVersion: labfleet.dev/v1beta1\nkind: Workload\n").find("document 1: apiVersion:") !=
          std::string::npos);
    CHECK(plan_error("---\n---\n- a\n") == "in.yaml: document 2: expected a Kubernetes object");
    CHECK(plan_error(std::string(target_doc) + "---\n" + R"(apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: t1}
spec: {environment: QA, namespace: other}
)").find("document 2: spec.environment: must be a DNS label") != std::string::npos);
    CHECK(plan_error("a: [\n").rfind("in.yaml: YAML syntax error at line", 0) == 0);
}

TEST_CASE("two targets sharing a namespace cannot both host a workload", "[controllers][plan]") {
    const std::string docs = std::string(target_doc) + R"(---
apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: t2}
spec: {environment: dev, namespace: shared}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: w}
spec: {images: {workshop: {repository: a}, files: {repository: b}}}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: p}
spec: {workloadSelector: {}, targetSelector: {}}
)";
    CHECK(plan_error(docs) == "target t2: spec.namespace: namespace shared belongs to target t1 (the oldest target "
                              "naming it): nothing is written for this one");
}

TEST_CASE("plan refuses a workload on a target in a denied namespace", "[controllers][plan]") {
    const std::string docs = R"(apiVersion: labfleet.dev/v1alpha1
kind: DeploymentTarget
metadata: {name: sys}
spec: {environment: qa, namespace: kube-system}
---
apiVersion: labfleet.dev/v1alpha1
kind: Workload
metadata: {name: w}
spec: {images: {workshop: {repository: a}, files: {repository: b}}}
---
apiVersion: labfleet.dev/v1alpha1
kind: SchedulingPolicy
metadata: {name: p}
spec: {workloadSelector: {}, targetSelector: {}}
)";
    CHECK(plan_error(docs) == "target sys: spec.namespace: namespace kube-system is on the operator's deny-list: "
                              "nothing is written there");
}

TEST_CASE("an empty directory plans nothing", "[controllers][plan]") {
    auto plan = render_plan({});
    REQUIRE(plan.ok());
    CHECK(plan->yaml.empty());
    CHECK_FALSE(read_plan_directory(data_dir / "no-such-dir").ok());
}

TEST_CASE("plan paths: directories and files, in the order given", "[controllers][plan]") {
    const fs::path input = data_dir / "basic" / "input";
    auto documents = read_plan_paths({(input / "30-lease.yaml").string(), input.string()});
    REQUIRE(documents.ok());
    auto lease_file = read_plan_file(input / "30-lease.yaml");
    auto whole = read_plan_directory(input);
    REQUIRE(lease_file.ok());
    REQUIRE(whole.ok());
    REQUIRE(documents->size() == lease_file->size() + whole->size());
    CHECK(documents->front().source == "30-lease.yaml");
    CHECK((*documents)[lease_file->size()].source == whole->front().source);
    auto missing = read_plan_paths({input.string(), (data_dir / "no-such-file.yaml").string()});
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message, Catch::Contains("no-such-file.yaml"));
    CHECK(read_plan_paths({})->empty());
}
