#include "manager/controller_set.hpp"

#include <boost/asio/co_spawn.hpp>

namespace labfleet::manager {

/// The reconcilers and their controllers, owned together.
struct ControllerSet::Parts {};

ControllerSet::ControllerSet(boost::asio::any_io_executor executor, controllers::Context& context,
                             kube::RuntimeMetrics& /*metrics*/, const RunOptions& /*options*/)
    : executor_(executor), context_(context), parts_(std::make_unique<Parts>()) {}

ControllerSet::~ControllerSet() = default;

void ControllerSet::start() {
    for (auto* controller : controllers_) {
        ++running_;
        boost::asio::co_spawn(executor_, controller->run(), [this](std::exception_ptr error) {
            --running_;
            if (error) std::rethrow_exception(error);
        });
    }
}

void ControllerSet::stop() {
    for (auto* controller : controllers_) controller->stop();
}

} // namespace labfleet::manager
