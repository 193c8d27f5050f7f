// Fuzzes the offline renderer on YAML text, the path `plan -f` and `diff -f`
// take and the reconcilers share: parse_plan_file (YAML to JSON), render_plan
// (decode, validate, assign, render every child, the workshop definition
// included) and json_to_yaml. Inputs run up to a megabyte (hack/fuzz.sh sets
// -max_len), the size of the largest object the API server stores.
//
// Checked beyond "no crash": what the renderer writes reads back as YAML, and
// every string in it reads back as the same string (json_to_yaml quotes what
// would change type).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "controllers/render/plan.hpp"
#include "controllers/render/yaml_convert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace labfleet::controllers;
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto documents = parse_plan_file("fuzz.yaml", text);
    if (!documents) {
        (void)documents.error().describe();
        return 0;
    }
    // Every parsed document written back reads as the same JSON.
    for (const auto& document : *documents) {
        auto again = parse_yaml_stream(json_to_yaml(document.object));
        if (!again || again->size() != 1 || again->front() != document.object) std::abort();
    }
    auto rendered = render_plan(*documents);
    if (!rendered) {
        (void)rendered.error().describe();
        return 0;
    }
    if (!parse_yaml_stream(rendered->yaml)) std::abort();  // the renderer wrote YAML it cannot read
    return 0;
}
