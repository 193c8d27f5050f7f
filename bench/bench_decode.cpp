// labfleet_bench_decode: how fast the informers turn served JSON into cached
// objects, with the trimmed fields left out while parsing (ObjectTrim::parse)
// against parsing everything and erasing them after (what the operator did
// before). No API server needed: the objects are copies of one Deployment as
// the server serves it to the operator (bench/fixtures/deployment.json: an
// Apply by the operator and a status Update by kube-controller-manager in
// its managedFields), each with its own name.
//
//   labfleet_bench_decode [--fixture FILE] [--objects N] [--rounds R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "kube/cache/list_page.hpp"
#include "kube/cache/object_trim.hpp"
#include "kube/client/resource.hpp"
#include "kube/cache/watch_event.hpp"

namespace {

using labfleet::kube::Json;
using Clock = std::chrono::steady_clock;

struct Flags {
    std::string fixture = LABFLEET_BENCH_FIXTURES "/deployment.json";
    int objects = 10000;
    int rounds = 5;
};

Flags parse_flags(int argc, char** argv) {
    Flags flags;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) throw std::runtime_error("flag " + flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--fixture") flags.fixture = value;
        else if (flag == "--objects") flags.objects = std::stoi(value);
        else if (flag == "--rounds") flags.rounds = std::stoi(value);
        else throw std::runtime_error("unknown flag " + flag);
    }
    return flags;
}

/// Best wall time of `rounds` runs of `body`, in seconds.
double best_of(int rounds, const std::function<void()>& body) {
    double best = 1e9;
    for (int round = 0; round < rounds; ++round) {
        const auto start = Clock::now();
        body();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

/// The former way: parse it all, then erase what the cache does not keep.
void erase_trimmed(Json& object, const std::vector<Json::json_pointer>& pointers) {
    if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object())
        metadata->erase("managedFields");
    for (const auto& pointer : pointers) {
        if (!object.contains(pointer)) continue;
        object[pointer.parent_pointer()].erase(pointer.back());
    }
}

} // namespace

int main(int argc, char** argv) try {
    const Flags flags = parse_flags(argc, argv);
    std::ifstream in(flags.fixture);
    if (!in) throw std::runtime_error("cannot read " + flags.fixture);
    const Json fixture = Json::parse(in);

    // Watch lines and list pages of 500, as the server sends them (compact JSON).
    std::vector<std::string> lines;
    std::vector<std::string> pages;
    Json page = {{"apiVersion", "apps/v1"}, {"kind", "DeploymentList"}, {"metadata", {{"resourceVersion", "1"}}},
                 {"items", Json::array()}};
    for (int i = 0; i < flags.objects; ++i) {
        Json object = fixture;
        object["metadata"]["name"] = "w" + std::to_string(i) + "-files";
        object["metadata"]["resourceVersion"] = std::to_string(1000 + i);
        lines.push_back(Json{{"type", "MODIFIED"}, {"object", object}}.dump());
        page["items"].push_back(std::move(object));
        if (page["items"].size() == 500 || i + 1 == flags.objects) {
            pages.push_back(page.dump());
            page["items"] = Json::array();
        }
    }
    std::size_t bytes = 0;
    for (const auto& line : lines) bytes += line.size();

    // The pointers the operator trims from Deployments (last-applied and the server-filled fields).
    const std::vector<std::string> texts = {labfleet::kube::last_applied_pointer, "/metadata/creationTimestamp",
                                            "/spec/strategy", "/spec/revisionHistoryLimit",
                                            "/spec/progressDeadlineSeconds", "/status/conditions"};
    const labfleet::kube::ObjectTrim trim(texts);
    std::vector<Json::json_pointer> pointers(texts.begin(), texts.end());
    const auto type = labfleet::kube::resources::deployments();

    std::size_t kept = 0;  // read back so that nothing is optimised away
    const double events_after = best_of(flags.rounds, [&] {
        for (const auto& line : lines) {
            Json event = Json::parse(line);
            erase_trimmed(event["object"], pointers);
            kept += event.size();
        }
    });
    const double events_while = best_of(flags.rounds, [&] {
        for (const auto& line : lines) kept += labfleet::kube::parse_watch_event(line, trim).ok();
    });
    const double lists_after = best_of(flags.rounds, [&] {
        for (const auto& body : pages) {
            Json list = Json::parse(body);
            for (auto& item : list["items"]) erase_trimmed(item, pointers);
            kept += list["items"].size();
        }
    });
    const double lists_while = best_of(flags.rounds, [&] {
        for (const auto& body : pages) kept += labfleet::kube::parse_list_page(body, type, trim)->items.size();
    });

    const double megabytes = static_cast<double>(bytes) / 1e6;
    std::printf("objects=%d bytes_per_object=%zu managed_fields_bytes=%zu rounds=%d (best of)\n", flags.objects,
                bytes / lines.size(), fixture["metadata"]["managedFields"].dump().size(), flags.rounds);
    std::printf("watch events: parse then erase %.3f s (%.0f MB/s), trimmed while parsing %.3f s (%.0f MB/s): %.2fx\n",
                events_after, megabytes / events_after, events_while, megabytes / events_while,
                events_after / events_while);
    std::printf("list pages:   parse then erase %.3f s (%.0f MB/s), trimmed while parsing %.3f s (%.0f MB/s): %.2fx\n",
                lists_after, megabytes / lists_after, lists_while, megabytes / lists_while, lists_after / lists_while);
    return kept > 0 ? 0 : 1;
} catch (const std::exception& error) {
    std::fprintf(stderr, "labfleet_bench_decode: %s\n", error.what());
    return 1;
}
