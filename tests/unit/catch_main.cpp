// The unit tests' main: quiet logs (errors only) unless LABFLEET_TEST_LOG_LEVEL says otherwise.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

#include "kube/util/logger.hpp"

int main(int argc, char** argv) {
    const char* level = std::getenv("LABFLEET_TEST_LOG_LEVEL");
    const auto parsed = labfleet::kube::parse_log_level(level ? level : "error");
    labfleet::kube::set_default_logger(labfleet::kube::Logger("test", parsed.value_or(labfleet::kube::LogLevel::Error)));
    return Catch::Session().run(argc, argv);
}
