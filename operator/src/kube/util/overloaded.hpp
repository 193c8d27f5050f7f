#pragma once
// Overloaded: one visitor for std::visit made of several lambdas.

namespace labfleet::kube {

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

} // namespace labfleet::kube
