// labfleet-operator: parse options, then run the manager, render a plan,
// check specs or print the version.
#include <iostream>
#include <string>
#include <vector>

#include "api/v1alpha1/spec_check.hpp"
#include "controllers/render/plan.hpp"
#include "manager/manager.hpp"
#include "manager/options.hpp"

namespace {

using namespace labfleet;

/// `plan -f PATH...`: PATH is a directory of CR files or one file.
int plan(const manager::PlanOptions& options) {
    auto documents = controllers::read_plan_paths(options.paths);
    if (!documents) {
        std::cerr << "error: " << documents.error().message << "\n";
        return 1;
    }
    auto output = controllers::render_plan(*documents);
    if (!output) {
        std::cerr << "error: " << output.error().message << "\n";
        return 1;
    }
    for (const auto& warning : output->warnings) std::cerr << "warning: " << warning << "\n";
    std::cout << output->yaml;
    return 0;
}

/// `check-specs`: one JSON object a line in, one verdict a line out; a line
/// that is not JSON is a usage error (exit 2).
int check_specs() {
    std::string line;
    while (std::getline(std::cin, line)) {
        auto object = kube::Json::parse(line, nullptr, false);
        if (object.is_discarded()) {
            std::cerr << "error: check-specs: a line is not JSON\n";
            return 2;
        }
        const auto refusal = api::v1alpha1::spec_refusal(object);
        std::cout << (refusal ? "refused " + refusal->str() : std::string("ok")) << "\n";
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    auto parsed = manager::parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (auto* error = std::get_if<manager::OptionsError>(&parsed)) {
        std::cerr << "error: " << error->message << "\n";
        return 2;
    }
    const auto& command = std::get<manager::Command>(parsed);
    if (auto* help = std::get_if<manager::HelpCommand>(&command)) {
        std::cout << help->text;
        return 0;
    }
    if (std::holds_alternative<manager::VersionCommand>(command)) {
        std::cout << "labfleet-operator " << LABFLEET_VERSION << "\n";
        return 0;
    }
    if (auto* options = std::get_if<manager::PlanOptions>(&command)) return plan(*options);
    if (std::holds_alternative<manager::CheckSpecsCommand>(command)) return check_specs();
    try {
        return manager::run_manager(std::get<manager::RunOptions>(command));
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
    }
}
