#include <catch2/catch.hpp>

#include "plugin/command_line.hpp"

using namespace labfleet::plugin;
using namespace std::chrono_literals;

namespace {

Invocation parsed(std::vector<std::string> args) {
    auto result = parse_command_line(args);
    if (auto* error = std::get_if<UsageError>(&result)) FAIL("unexpected usage error: " << error->message);
    return std::get<Invocation>(result);
}

std::string error_of(std::vector<std::string> args) {
    auto result = parse_command_line(args);
    if (!std::holds_alternative<UsageError>(result)) FAIL("expected a usage error");
    return std::get<UsageError>(result).message;
}

} // namespace

TEST_CASE("borrow reads overrides of both images, merged per workload") {
    auto invocation = parsed({"borrow", "stg", "web=pr-614", "api.files=pr-800", "web.workshop=v2", "--for", "2h",
                              "--reason=try the fix"});
    const auto& borrow = std::get<BorrowCommand>(invocation.command);
    CHECK(borrow.target == "stg");
    REQUIRE(borrow.overrides.size() == 2);
    CHECK(borrow.overrides[0].workload == "web");
    CHECK(borrow.overrides[0].files_tag == "pr-614");
    CHECK(borrow.overrides[0].workshop_tag == "v2");
    CHECK(borrow.overrides[1].workload == "api");
    CHECK(borrow.overrides[1].files_tag == "pr-800");
    CHECK_FALSE(borrow.overrides[1].workshop_tag);
    CHECK(borrow.duration == std::chrono::milliseconds(2h));
    CHECK(borrow.reason == "try the fix");
    CHECK(borrow.wait);
    CHECK(borrow.timeout == std::chrono::milliseconds(30min));
}

TEST_CASE("global flags go anywhere, the last value wins") {
    auto invocation = parsed({"--context", "a", "leases", "stg", "-o", "json", "--context=b", "--kubeconfig", "/k"});
    CHECK(invocation.global.context == "b");
    CHECK(invocation.global.kubeconfig == "/k");
    CHECK(invocation.global.output == OutputFormat::Json);
    CHECK(std::get<LeasesCommand>(invocation.command).target == "stg");
}

TEST_CASE("bad input is refused before anything is sent, naming the argument") {
    CHECK_THAT(error_of({"borrow", "stg", "web=bad tag"}), Catch::Contains("tag bad tag"));
    CHECK_THAT(error_of({"borrow", "stg", "web"}), Catch::Contains("expected WORKLOAD=TAG"));
    CHECK_THAT(error_of({"borrow", "stg", "Web=v1"}), Catch::Contains("workload \"Web\""));
    CHECK_THAT(error_of({"borrow", "stg", "web=v1", "--for", "2 hours"}), Catch::Contains("--for 2 hours"));
    CHECK_THAT(error_of({"borrow", "stg", "web=v1", "web=v2"}), Catch::Contains("already set to v1"));
    CHECK_THAT(error_of({"borrow", "stg"}), Catch::Contains("name at least one WORKLOAD=TAG, or --base CHANNEL"));
    CHECK_THAT(error_of({"borrow", "stg", "--base", "bad tag"}), Catch::Contains("--base bad tag: invalid channel"));
    CHECK_THAT(error_of({"borrow", "stg", "--base", "sha256:" + std::string(64, 'a')}), Catch::Contains("not a digest"));
    CHECK_THAT(error_of({"leases", "--base", "prod"}), Catch::Contains("--base does not apply to leases"));
    CHECK_THAT(error_of({"borrow"}), Catch::Contains("needs a TARGET"));
    CHECK_THAT(error_of({"borrow", "stg", "web=v1", "--target", "x"}), Catch::Contains("--target does not apply to borrow"));
    CHECK_THAT(error_of({"leases", "--bogus"}), Catch::Contains("unknown flag --bogus"));
    CHECK_THAT(error_of({"leases", "-o"}), Catch::Contains("-o needs a value"));
    CHECK_THAT(error_of({"leases", "-o", "xml"}), Catch::Contains("expected table, wide, json or yaml"));
    CHECK_THAT(error_of({"extend", "l1"}), Catch::Contains("needs --for"));
    CHECK_THAT(error_of({"release", "l1", "--target", "stg"}), Catch::Contains("not both"));
    CHECK_THAT(error_of({"frobnicate"}), Catch::Contains("unknown command \"frobnicate\""));
    CHECK_THAT(error_of({"diff"}), Catch::Contains("needs -f DIR"));
    CHECK_THAT(error_of({"borrow", "stg", "web=v1", "--no-wait=true"}), Catch::Contains("takes no value"));
}

TEST_CASE("the other commands") {
    CHECK(std::get<ExtendCommand>(parsed({"extend", "stg-x7k2p", "--for", "1h"}).command).by ==
          std::chrono::milliseconds(1h));
    auto release = std::get<ReleaseCommand>(parsed({"release", "--target", "stg"}).command);
    CHECK(release.target == "stg");
    CHECK_FALSE(release.lease);
    CHECK_FALSE(std::get<ReleaseCommand>(parsed({"release"}).command).lease);
    CHECK(std::get<StatusCommand>(parsed({"status", "web"}).command).workload == "web");
    CHECK(std::get<DiffCommand>(parsed({"diff", "-f", "a", "--filename=b"}).command).paths ==
          std::vector<std::string>{"a", "b"});
    CHECK_FALSE(std::get<BorrowCommand>(parsed({"borrow", "stg", "web=v1", "--no-wait"}).command).wait);
    CHECK(std::holds_alternative<HelpCommand>(parsed({}).command));
    CHECK(std::holds_alternative<HelpCommand>(parsed({"borrow", "--help"}).command));
}

TEST_CASE("diff --operator-namespace: where the Secrets of other clusters are read") {
    CHECK(std::get<DiffCommand>(parsed({"diff", "-f", "a"}).command).operator_namespace == "labfleet-system");
    CHECK(std::get<DiffCommand>(parsed({"diff", "-f", "a", "--operator-namespace", "ops"}).command).operator_namespace ==
          "ops");
    CHECK_THAT(error_of({"diff", "-f", "a", "--operator-namespace", "Not_A_Namespace"}),
               Catch::Contains("--operator-namespace Not_A_Namespace: not a valid namespace name"));
    CHECK_THAT(error_of({"plan", "-f", "a", "--operator-namespace", "ops"}), Catch::Contains("--operator-namespace"));
}

TEST_CASE("borrow --base: the channel of every image given no tag, with or without overrides") {
    const auto alone = std::get<BorrowCommand>(parsed({"borrow", "stg", "--base", "prod"}).command);
    CHECK(alone.base == "prod");
    CHECK(alone.overrides.empty());
    const auto both = std::get<BorrowCommand>(parsed({"borrow", "stg", "--base=prod", "web=pr-614"}).command);
    CHECK(both.base == "prod");
    REQUIRE(both.overrides.size() == 1);
    CHECK(both.overrides[0].files_tag == "pr-614");
    CHECK_FALSE(std::get<BorrowCommand>(parsed({"borrow", "stg", "web=v1"}).command).base);
}

TEST_CASE("a failed diff exits 2, since 1 means differences found") {
    CHECK(failure_exit_code({"diff", "-f", "plan.yaml"}) == 2);
    CHECK(failure_exit_code({"--context", "diff", "leases"}) == 1);  // "diff" is the context's name here
    CHECK(failure_exit_code({"-o", "json", "diff", "--bogus"}) == 2);
    CHECK(failure_exit_code({"--kubeconfig=k", "diff"}) == 2);
    CHECK(failure_exit_code({"--", "diff"}) == 2);
    CHECK(failure_exit_code({"borrow", "stg", "diff=1"}) == 1);
    CHECK(failure_exit_code({"plan", "-f", "diff"}) == 1);
    CHECK(failure_exit_code({}) == 1);
}

TEST_CASE("cluster add reads the other cluster's kubeconfig apart from the global one") {
    auto invocation = parsed({"--kubeconfig", "/home.kubeconfig", "cluster", "add", "prod-eu", "--remote-kubeconfig",
                              "/remote.kubeconfig", "--remote-context=admin", "--namespaces", "workshops,labs",
                              "--namespaces=labs,extra", "--create-namespaces", "-o", "json"});
    CHECK(invocation.global.kubeconfig == "/home.kubeconfig");
    CHECK(invocation.global.output == OutputFormat::Json);
    const auto& add = std::get<ClusterAddCommand>(invocation.command);
    CHECK(add.name == "prod-eu");
    CHECK(add.remote_kubeconfig == "/remote.kubeconfig");
    CHECK(add.remote_context == "admin");
    CHECK(add.namespaces == std::vector<std::string>{"workshops", "labs", "extra"});
    CHECK(add.create_namespaces);
    CHECK(add.operator_namespace == "labfleet-system");
    CHECK(add.service_account_namespace == "labfleet-system");
    CHECK(add.service_account == "labfleet");
    CHECK(add.token_duration == std::chrono::seconds(365 * 24h));
}

TEST_CASE("cluster add takes the operator's namespace, the identity and the token's lifetime") {
    auto invocation = parsed({"cluster", "add", "prod-eu", "--remote-kubeconfig", "/r", "--namespaces", "w",
                              "--operator-namespace", "ops", "--service-account", "fleet-system/fleet",
                              "--token-duration", "720h"});
    const auto& add = std::get<ClusterAddCommand>(invocation.command);
    CHECK_FALSE(add.create_namespaces);
    CHECK(add.operator_namespace == "ops");
    CHECK(add.service_account_namespace == "fleet-system");
    CHECK(add.service_account == "fleet");
    CHECK(add.token_duration == std::chrono::seconds(720h));
}

TEST_CASE("cluster add refuses bad input naming the flag") {
    const std::vector<std::string> base{"cluster", "add", "prod-eu", "--remote-kubeconfig", "/r"};
    auto with = [&](std::vector<std::string> more) {
        auto args = base;
        args.insert(args.end(), more.begin(), more.end());
        return error_of(args);
    };
    CHECK_THAT(error_of({"cluster"}), Catch::Contains("cluster needs a subcommand: add"));
    CHECK_THAT(error_of({"cluster", "remove", "x"}), Catch::Contains("cluster needs a subcommand: add"));
    CHECK_THAT(error_of({"cluster", "add", "--remote-kubeconfig", "/r", "--namespaces", "w"}),
               Catch::Contains("exactly one NAME"));
    CHECK_THAT(error_of({"cluster", "add", "Prod", "--remote-kubeconfig", "/r", "--namespaces", "w"}),
               Catch::Contains("cluster \"Prod\""));
    CHECK_THAT(error_of({"cluster", "add", "prod-eu", "--namespaces", "w"}), Catch::Contains("--remote-kubeconfig FILE"));
    CHECK_THAT(with({}), Catch::Contains("needs --namespaces"));
    CHECK_THAT(with({"--namespaces", "w,,x"}), Catch::Contains("--namespaces w,,x: an empty namespace name"));
    CHECK_THAT(with({"--namespaces", "Work"}), Catch::Contains("--namespaces Work: not a valid namespace name"));
    CHECK_THAT(with({"--namespaces", "w", "--operator-namespace", "a.b"}),
               Catch::Contains("--operator-namespace a.b: not a valid namespace name"));
    CHECK_THAT(with({"--namespaces", "w", "--service-account", "labfleet"}),
               Catch::Contains("--service-account labfleet: expected NAMESPACE/NAME"));
    CHECK_THAT(with({"--namespaces", "w", "--service-account", "ns/Bad"}),
               Catch::Contains("--service-account ns/Bad: \"Bad\" is not a valid object name"));
    CHECK_THAT(with({"--namespaces", "w", "--token-duration", "5m"}),
               Catch::Contains("--token-duration 5m: at least 10m"));
    CHECK_THAT(with({"--namespaces", "w", "--token-duration", "a year"}), Catch::Contains("--token-duration a year"));
    CHECK_THAT(with({"--namespaces", "w", "--for", "1h"}), Catch::Contains("--for does not apply to cluster add"));
    CHECK_THAT(error_of({"borrow", "stg", "web=v1", "--create-namespaces"}),
               Catch::Contains("--create-namespaces does not apply to borrow"));
    CHECK_THAT(with({"--namespaces"}), Catch::Contains("flag --namespaces needs a value"));
}

TEST_CASE("cluster add fails with exit code 1 and is in the usage text") {
    CHECK(failure_exit_code({"--remote-kubeconfig", "diff", "cluster", "add"}) == 1);
    CHECK_THAT(usage_text(), Catch::Contains("cluster add NAME --remote-kubeconfig FILE --namespaces NS[,NS...]"));
}

TEST_CASE("promote reads the workload and --to, refusing what the server would") {
    auto invocation = parsed({"promote", "web", "--to", "prod"});
    const auto& promote = std::get<PromoteCommand>(invocation.command);
    CHECK(promote.workload == "web");
    CHECK(promote.environment == "prod");
    CHECK(std::get<PromoteCommand>(parsed({"--to=stg", "promote", "web"}).command).environment == "stg");
    CHECK_THAT(error_of({"promote", "web"}), Catch::Contains("needs --to ENV"));
    CHECK_THAT(error_of({"promote", "--to", "prod"}), Catch::Contains("exactly one WORKLOAD"));
    CHECK_THAT(error_of({"promote", "web", "api", "--to", "prod"}), Catch::Contains("exactly one WORKLOAD"));
    CHECK_THAT(error_of({"promote", "Web", "--to", "prod"}), Catch::Contains("workload \"Web\""));
    CHECK_THAT(error_of({"promote", "web", "--to", "Prod"}), Catch::Contains("--to Prod: not a valid environment"));
    CHECK_THAT(error_of({"promote", "web", "--to", "prod", "--for", "1h"}),
               Catch::Contains("--for does not apply to promote"));
    CHECK_THAT(error_of({"borrow", "stg", "web=1", "--to", "prod"}), Catch::Contains("--to does not apply to borrow"));
    CHECK(failure_exit_code({"promote", "web", "--to", "prod"}) == 1);
    CHECK_THAT(usage_text(), Catch::Contains("promote WORKLOAD --to ENV"));
}
