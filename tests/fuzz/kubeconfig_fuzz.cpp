// Fuzzes the kubeconfig loader on YAML text (load_kubeconfig_text): parsing,
// the list merge, context resolution and the base64 of inline certificates.
// The loader may read files a kubeconfig names; paths resolve relative to a
// directory that does not exist, and inputs naming device or proc files are
// skipped so a run never blocks on /dev/stdin or reads /dev/zero forever.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kube/config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (std::string_view special : {"/dev", "/proc", "/sys"}) {
        if (text.find(special) != std::string_view::npos) return -1;
    }
    using namespace labfleet::kube;
    const ConfigResult result = load_kubeconfig_text(text, "/nonexistent/labfleet-fuzz/kubeconfig");
    if (!result) {
        (void)result.error().describe();
        return 0;
    }
    // A resolved config names where it came from and always has a server and a namespace.
    if (result->server.empty() || result->ns.empty() || result->source.empty()) std::abort();
    return 0;
}
