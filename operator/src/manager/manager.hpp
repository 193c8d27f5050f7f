#pragma once
// Manager: the running operator. It loads the cluster config, opens the API
// client, starts one informer per kind, serves /metrics, /healthz and
// /readyz, elects a leader, runs the controllers while leading (writes are
// fenced by the leader gate), and shuts down gracefully on SIGTERM/SIGINT.
// Everything runs on one io_context thread.

#include <memory>

#include "manager/options.hpp"

namespace labfleet::manager {

/// Runs until a signal or a lost leadership; returns the process exit code.
/// Throws std::runtime_error for bad start-up configuration (kubeconfig,
/// bind addresses), with a message naming what is wrong.
int run_manager(const RunOptions& options);

} // namespace labfleet::manager
