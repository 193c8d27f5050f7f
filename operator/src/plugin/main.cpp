// kubectl-labfleet: the kubectl plugin (`kubectl labfleet ...`) for borrowing
// shared environments and seeing what runs where. See command_line.hpp.
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "plugin/commands.hpp"
#include "plugin/command_line.hpp"
#include "plugin/session.hpp"

namespace {

using namespace labfleet::plugin;

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) { interrupted.store(true); }

struct Dispatch {
    const GlobalOptions& global;
    Terminal& terminal;
    int failure_code;

    int operator()(const HelpCommand& help) const {
        terminal.out << help.text;
        return 0;
    }
    int operator()(const VersionCommand&) const {
        terminal.out << "kubectl-labfleet " << LABFLEET_VERSION << "\n";
        return 0;
    }
    int operator()(const PlanCommand& command) const { return plan(command, terminal); }
    int operator()(const ClusterAddCommand& command) const {
        auto home = Session::open(global);
        if (!home) {
            terminal.err << "error: " << home.error().message << "\n";
            return failure_code;
        }
        auto remote = Session::open({command.remote_kubeconfig, command.remote_context, global.output});
        if (!remote) {
            terminal.err << "error: --remote-kubeconfig: " << remote.error().message << "\n";
            return failure_code;
        }
        return cluster_add(**home, **remote, global, command, terminal);
    }
    template <typename Command>
    int operator()(const Command& command) const {
        auto session = Session::open(global);
        if (!session) {
            terminal.err << "error: " << session.error().message << "\n";
            return failure_code;
        }
        if constexpr (std::is_same_v<Command, BorrowCommand>) return borrow(**session, global, command, terminal);
        else if constexpr (std::is_same_v<Command, ExtendCommand>) return extend(**session, global, command, terminal);
        else if constexpr (std::is_same_v<Command, ReleaseCommand>) return release(**session, global, command, terminal);
        else if constexpr (std::is_same_v<Command, LeasesCommand>) return leases(**session, global, command, terminal);
        else if constexpr (std::is_same_v<Command, StatusCommand>) return status(**session, global, command, terminal);
        else if constexpr (std::is_same_v<Command, PromoteCommand>) return promote(**session, global, command, terminal);
        else return diff(**session, command, terminal);
    }
};

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int failure_code = failure_exit_code(args);
    auto parsed = parse_command_line(args);
    if (auto* error = std::get_if<UsageError>(&parsed)) {
        std::cerr << "error: " << error->message << "\n";
        return failure_code;
    }
    const auto& invocation = std::get<Invocation>(parsed);
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    Terminal terminal{std::cout, std::cerr, isatty(STDERR_FILENO) == 1, &interrupted};
    try {
        return std::visit(Dispatch{invocation.global, terminal, failure_code}, invocation.command);
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        return failure_code;
    }
}
