#include "manager/options.hpp"

#include <catch2/catch.hpp>

using namespace labfleet::manager;

namespace {

RunOptions parse_run(std::vector<std::string> args) {
    args.insert(args.begin(), "run");
    auto parsed = parse_options(args);
    REQUIRE(std::holds_alternative<Command>(parsed));
    auto& command = std::get<Command>(parsed);
    REQUIRE(std::holds_alternative<RunOptions>(command));
    return std::get<RunOptions>(command);
}

std::string parse_error(std::vector<std::string> args) {
    auto parsed = parse_options(args);
    REQUIRE(std::holds_alternative<OptionsError>(parsed));
    return std::get<OptionsError>(parsed).message;
}

} // namespace

TEST_CASE("run defaults follow controller-runtime") {
    auto options = parse_run({});
    CHECK(options.metrics_bind_address == ":8080");
    CHECK(options.health_probe_bind_address == ":8081");
    CHECK_FALSE(options.leader_elect);
    CHECK(options.lease_duration == std::chrono::seconds{15});
    CHECK(options.renew_deadline == std::chrono::seconds{10});
    CHECK(options.retry_period == std::chrono::seconds{2});
    CHECK(options.workers == 4);
    CHECK(options.log_format == LogFormat::Json);
}

TEST_CASE("the lease controller's workers are set apart from --workers") {
    CHECK(parse_run({}).lease_workers == 32);
    const auto options = parse_run({"--workers=2", "--lease-workers", "64"});
    CHECK(options.workers == 2);
    CHECK(options.lease_workers == 64);
    CHECK(parse_run({"--workers=16"}).lease_workers == 32);
    CHECK(parse_error({"run", "--lease-workers=0"}) == "flag --lease-workers: expected a positive integer, got '0'");
}

TEST_CASE("run flags take --name=value, --name value and bare booleans") {
    auto options = parse_run({"--kubeconfig=/k", "--workers", "8", "--leader-elect", "--dry-run=false",
                              "--log-format", "text", "--log-level=debug", "--leader-election-lease-duration=30s"});
    CHECK(options.kubeconfig == "/k");
    CHECK(options.workers == 8);
    CHECK(options.leader_elect);
    CHECK_FALSE(options.dry_run);
    CHECK(options.log_format == LogFormat::Text);
    CHECK(options.log_level == "debug");
    CHECK(options.lease_duration == std::chrono::seconds{30});
}

TEST_CASE("/metrics is HTTPS unless told otherwise") {
    auto defaults = parse_run({});
    CHECK(defaults.metrics_secure);
    CHECK(defaults.metrics_cert_dir.empty());
    auto plain = parse_run({"--metrics-secure=false", "--metrics-cert-dir", "/certs"});
    CHECK_FALSE(plain.metrics_secure);
    CHECK(plain.metrics_cert_dir == "/certs");
    CHECK(parse_error({"run", "--metrics-secure=no"}).find("--metrics-secure") != std::string::npos);
}

TEST_CASE("bad flags are errors naming the flag") {
    CHECK(parse_error({"run", "--workers=0"}) == "flag --workers: expected a positive integer, got '0'");
    CHECK(parse_error({"run", "--workers=x"}).find("--workers") != std::string::npos);
    CHECK(parse_error({"run", "--log-format=xml"}) == "flag --log-format: expected json or text, got 'xml'");
    CHECK(parse_error({"run", "--log-level=loud"}).find("error|warn|info|debug") != std::string::npos);
    CHECK(parse_error({"run", "--nope"}) == "unknown flag --nope");
    CHECK(parse_error({"run", "--kubeconfig"}) == "flag --kubeconfig needs a value");
    CHECK(parse_error({"run", "--leader-elect=maybe"}).find("true or false") != std::string::npos);
    CHECK(parse_error({"run", "stray"}) == "unexpected argument 'stray'");
    CHECK(parse_error({"deploy"}).find("unknown command 'deploy'") == 0);
    CHECK(parse_error({}).find("missing command") == 0);
}

TEST_CASE("plan needs at least one -f and keeps their order") {
    CHECK(parse_error({"plan"}) == "plan: -f DIR is required");
    auto parsed = parse_options({"plan", "-f", "a", "-f=b"});
    auto& plan = std::get<PlanOptions>(std::get<Command>(parsed));
    CHECK(plan.paths == std::vector<std::string>{"a", "b"});
}

TEST_CASE("version and help") {
    CHECK(std::holds_alternative<VersionCommand>(std::get<Command>(parse_options({"version"}))));
    auto help = std::get<HelpCommand>(std::get<Command>(parse_options({"run", "--help"})));
    CHECK(help.text.find("--metrics-bind-address") != std::string::npos);
}

TEST_CASE("the cache sync timeout is 2 minutes by default, as controller-runtime's CacheSyncTimeout") {
    CHECK(parse_run({}).cache_sync_timeout == std::chrono::seconds{120});
    CHECK(parse_run({"--cache-sync-timeout=5s"}).cache_sync_timeout == std::chrono::seconds{5});
    CHECK(parse_run({"--cache-sync-timeout", "300"}).cache_sync_timeout == std::chrono::seconds{300});
    CHECK(parse_error({"run", "--cache-sync-timeout=0"}).find("flag --cache-sync-timeout: expected a positive") == 0);
}

TEST_CASE("denied namespaces take comma-separated globs, and an empty list denies only the operator's own") {
    CHECK(parse_run({}).denied_namespaces == std::vector<std::string>{"kube-*"});
    CHECK(parse_run({"--denied-namespaces=kube-*,team-?"}).denied_namespaces ==
          std::vector<std::string>{"kube-*", "team-?"});
    CHECK(parse_run({"--denied-namespaces="}).denied_namespaces.empty());
    CHECK_THAT(parse_error({"run", "--denied-namespaces=Kube_x"}), Catch::Contains("'Kube_x'"));
}

TEST_CASE("check-specs is a command of its own that takes no arguments") {
    CHECK(std::holds_alternative<CheckSpecsCommand>(std::get<Command>(parse_options({"check-specs"}))));
    CHECK(parse_error({"check-specs", "x"}) == "check-specs takes no arguments");
    CHECK(usage().find("check-specs") == std::string::npos);
}
