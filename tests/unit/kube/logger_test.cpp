#include <catch2/catch.hpp>

#include <sstream>

#include "kube/json/json.hpp"
#include "kube/util/logger.hpp"

using namespace labfleet::kube;
using namespace std::chrono;

namespace {
const WallTime kStart{seconds{1767323045}};
}

TEST_CASE("Logger json writes one object per line with fields") {
    std::ostringstream out;
    FakeClock clock(kStart);
    Logger log("manager", LogLevel::Info, LogFormat::Json, &out, &clock);
    log.info("reconciled", {{"key", "ns/a"}, {"attempts", 3}, {"ok", true}, {"seconds", 0.25}});
    log.error("boom \"quoted\"\n", {{"err", std::string("x\ty")}});

    std::istringstream lines(out.str());
    std::string line;
    REQUIRE(std::getline(lines, line));
    const Json first = Json::parse(line);
    CHECK(first["ts"] == "2026-01-02T03:04:05.000000Z");
    CHECK(first["level"] == "info");
    CHECK(first["logger"] == "manager");
    CHECK(first["msg"] == "reconciled");
    CHECK(first["key"] == "ns/a");
    CHECK(first["attempts"] == 3);
    CHECK(first["ok"] == true);
    CHECK(first["seconds"] == 0.25);
    REQUIRE(std::getline(lines, line));
    const Json second = Json::parse(line);
    CHECK(second["level"] == "error");
    CHECK(second["msg"] == "boom \"quoted\"\n");
    CHECK(second["err"] == "x\ty");
    CHECK_FALSE(std::getline(lines, line));
}

TEST_CASE("Logger text is logfmt-like and quotes when needed") {
    std::ostringstream out;
    FakeClock clock(kStart);
    Logger log("lease", LogLevel::Debug, LogFormat::Text, &out, &clock);
    log.warn("lease expired", {{"name", "l1"}, {"holder", "ann bob"}, {"empty", ""}});
    CHECK(out.str() ==
          "ts=2026-01-02T03:04:05.000000Z level=warn logger=lease msg=\"lease expired\" name=l1 "
          "holder=\"ann bob\" empty=\"\"\n");
}

TEST_CASE("Logger drops records below its level and set_level changes all derived loggers") {
    std::ostringstream out;
    FakeClock clock(kStart);
    Logger log("", LogLevel::Warn, LogFormat::Text, &out, &clock);
    const Logger child = log.named("child");
    CHECK_FALSE(log.enabled(LogLevel::Info));
    CHECK(log.enabled(LogLevel::Error));
    log.info("hidden");
    child.debug("hidden");
    CHECK(out.str().empty());
    log.set_level(LogLevel::Debug);
    CHECK(child.enabled(LogLevel::Debug));
    child.debug("shown");
    CHECK(out.str() == "ts=2026-01-02T03:04:05.000000Z level=debug logger=child msg=shown\n");
}

TEST_CASE("Logger named and with compose names and bound values") {
    std::ostringstream out;
    FakeClock clock(kStart);
    const Logger log = Logger("manager", LogLevel::Info, LogFormat::Json, &out, &clock)
                           .named("controller")
                           .with({{"controller", "workload"}});
    log.info("start", {{"workers", 2}});
    const Json j = Json::parse(out.str());
    CHECK(j["logger"] == "manager.controller");
    CHECK(j["controller"] == "workload");
    CHECK(j["workers"] == 2);
}

TEST_CASE("default logger can be replaced at startup") {
    std::ostringstream out;
    FakeClock clock(kStart);
    set_default_logger(Logger("global", LogLevel::Info, LogFormat::Text, &out, &clock));
    default_logger().info("hello");
    CHECK(out.str() == "ts=2026-01-02T03:04:05.000000Z level=info logger=global msg=hello\n");
    set_default_logger(Logger());
}

TEST_CASE("parse_log_level and parse_log_format") {
    CHECK(parse_log_level("debug") == LogLevel::Debug);
    CHECK(parse_log_level("warning") == LogLevel::Warn);
    CHECK_FALSE(parse_log_level("verbose").has_value());
    CHECK(parse_log_format("text") == LogFormat::Text);
    CHECK_FALSE(parse_log_format("xml").has_value());
}
