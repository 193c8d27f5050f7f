// Fuzzes DeploymentTarget::from_json, validate and the status round trip (decode_fuzz.hpp).
#include "api/v1alpha1/deployment_target.hpp"
#include "fuzz/decode_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return labfleet::fuzz::fuzz_decode<labfleet::api::v1alpha1::DeploymentTarget>(data, size);
}
