// Fuzzes the informers' JSON reader (ObjectTrim::parse) against nlohmann's
// parser on any bytes: both must refuse the same texts and build the same
// document, less the trimmed fields, read as a watch event and as a List.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/trimmed_parse_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace labfleet::kube;
    static const ObjectTrim trim({last_applied_pointer});
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::check_trimmed_parse(trim, text, false);
    fuzz::check_trimmed_parse(trim, text, true);
    return 0;
}
