// labfleet_bench_watch: informer figures against a real kube-apiserver
// (KUBECONFIG): fills a namespace with small ConfigMaps through many
// concurrent requests, then measures list+decode into the Store, watch event
// decode+apply over lines captured from the real stream, and resident memory
// per cached object, trimmed (no managedFields) and untrimmed. Prints a table.
//
//   labfleet_bench_watch [--objects N] [--namespace NS] [--workers W] [--clients C]

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kube/util/clock.hpp"
#include "kube/config/config_loader.hpp"
#include "kube/cache/list_page.hpp"
#include "kube/net/https_client.hpp"
#include "kube/client/rest.hpp"
#include "kube/cache/store.hpp"
#include "kube/cache/watch_event.hpp"

namespace asio = boost::asio;
using namespace labfleet;

namespace {

struct Options {
    int objects = 10'000;
    std::string ns = "bench-watch";
    int workers = 32;  // outstanding requests
    int clients = 8;   // HttpsClient instances (connection pools) they share
};

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--objects") options.objects = std::stoi(value());
        else if (arg == "--namespace") options.ns = value();
        else if (arg == "--workers") options.workers = std::stoi(value());
        else if (arg == "--clients") options.clients = std::stoi(value());
        else throw std::invalid_argument("unknown argument " + arg +
                                         " (usage: [--objects N] [--namespace NS] [--workers W] [--clients C])");
    }
    return options;
}

const kube::SystemClock bench_clock;

double seconds_since(kube::MonoTime start) {
    return std::chrono::duration<double>(bench_clock.steady_now() - start).count();
}

std::string object_name(int i) {
    char name[32];
    std::snprintf(name, sizeof name, "bench-%05d", i);
    return name;
}

kube::Json small_config_map(const std::string& ns, int i) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", object_name(i)}, {"namespace", ns}, {"labels", {{"app", "bench"}, {"shard", std::to_string(i % 16)}}}}},
            {"data", {{"index", std::to_string(i)}, {"payload", "workshop-files-0123456789abcdef"}}}};
}

/// Built outside the coroutines: GCC 12 miscompiles braced JSON literals inside them.
kube::Json touch_patch(const std::string& value) { return {{"data", {{"touched", value}}}}; }

/// Resident set size in bytes, from /proc/self/statm.
long resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * ::sysconf(_SC_PAGESIZE);
}

/// Bytes handed out by malloc and not yet freed.
long heap_in_use() { return static_cast<long>(::mallinfo2().uordblks); }

struct WriteJob {
    std::vector<kube::net::HttpsClient*> clients;
    std::string ns;
    int total = 0;
    bool patch = false;  // false: create (AlreadyExists counts as done); true: merge-patch data
    std::string stamp;   // makes every patch of this run a real change
    int next = 0;
    int failed = 0;
    int running = 0;
    std::string first_error;
};

/// One worker: takes the next index until none are left; requests retry twice.
asio::awaitable<void> write_worker(WriteJob* job, int worker) {
    kube::Client& client = *job->clients[worker % job->clients.size()];
    const auto type = kube::resources::config_maps();
    while (job->next < job->total) {
        const int i = job->next++;
        bool ok = false;
        for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
            if (job->patch) {
                const kube::ObjectKey key{job->ns, object_name(i)};  // named: GCC 12 double-frees braced temporaries
                auto patched = co_await kube::rest::patch(client, type, key, kube::PatchType::Merge,
                                                          touch_patch(job->stamp + "-" + std::to_string(attempt)));
                ok = patched.ok();
                if (!ok && job->first_error.empty()) job->first_error = patched.error().describe();
            } else {
                auto created = co_await kube::rest::create(client, type, job->ns, small_config_map(job->ns, i));
                ok = created || created.error().reason == kube::ErrorReason::AlreadyExists;
                if (!ok && job->first_error.empty()) job->first_error = created.error().describe();
            }
        }
        if (!ok) ++job->failed;
    }
    --job->running;
}

/// Runs `workers` concurrent writers over `job` to the end.
void run_writes(asio::io_context& io, WriteJob& job, int workers) {
    job.running = workers;
    for (int w = 0; w < workers; ++w) asio::co_spawn(io, write_worker(&job, w), asio::detached);
    io.restart();
    while (job.running > 0) io.run_one();
}

struct Capture {
    std::vector<std::string> lines;
    int wanted = 0;
    bool done = false;
    std::string error;
};

/// Reads MODIFIED lines of a real watch stream until `wanted` have arrived.
asio::awaitable<void> capture_watch(kube::Client* client, std::string ns, std::string resource_version, Capture* out) {
    kube::WatchOptions options;
    options.resource_version = std::move(resource_version);
    options.timeout_seconds = 600;
    auto stream = co_await client->stream(kube::requests::watch(kube::resources::config_maps(), ns, options),
                                          std::chrono::seconds{60});
    if (!stream) {
        out->error = stream.error().describe();
        out->done = true;
        co_return;
    }
    while (static_cast<int>(out->lines.size()) < out->wanted) {
        auto line = co_await (*stream)->next_line();
        if (!line || !line->has_value()) {
            out->error = line ? "watch ended early" : line.error().describe();
            break;
        }
        if ((*line)->find("\"type\":\"MODIFIED\"") != std::string::npos) out->lines.push_back(std::move(**line));
    }
    out->done = true;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr failure;
    asio::co_spawn(io, [](asio::awaitable<T> t) -> asio::awaitable<std::optional<T>> { co_return co_await std::move(t); }(std::move(task)),
                   [&](std::exception_ptr e, std::optional<T> value) { failure = e; result = std::move(value); });
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
}

/// Fetches every page of the namespace's ConfigMaps (consistent read).
asio::awaitable<std::vector<std::string>> fetch_pages(kube::Client* client, std::string ns) {
    std::vector<std::string> pages;
    kube::ListOptions options;
    options.limit = 500;
    for (;;) {
        auto response = co_await client->send(kube::requests::list(kube::resources::config_maps(), ns, options));
        if (!response) throw std::runtime_error("list: " + response.error().describe());
        auto page = kube::Json::parse(response->body);
        pages.push_back(std::move(response->body));
        options.continue_token = page["metadata"].value("continue", "");
        if (options.continue_token.empty()) break;
    }
    co_return pages;
}

/// Decodes pages into a fresh store as the informer does (trimmed). Returns the list RV.
std::string fill_store(kube::Store& store, const std::vector<std::string>& pages) {
    const kube::ObjectTrim trim({kube::last_applied_pointer});
    std::string rv;
    store.init_begin();
    for (const auto& body : pages) {
        auto page = kube::parse_list_page(body, kube::resources::config_maps(), trim);
        if (!page) throw std::runtime_error("decode: " + page.error().describe());
        rv = page->resource_version;
        store.init_apply(std::move(page->items));
    }
    store.init_done(rv);
    return rv;
}

/// The same, keeping every field (managedFields too): what an untrimmed cache would hold.
void fill_store_untrimmed(kube::Store& store, const std::vector<std::string>& pages) {
    std::string rv;
    store.init_begin();
    for (const auto& body : pages) {
        auto page = kube::Json::parse(body);
        rv = page["metadata"]["resourceVersion"].get<std::string>();
        std::vector<kube::ObjectPtr> items;
        for (auto& item : page["items"]) {
            item["apiVersion"] = "v1";
            item["kind"] = "ConfigMap";
            items.push_back(std::make_shared<const kube::Json>(std::move(item)));
        }
        store.init_apply(std::move(items));
    }
    store.init_done(rv);
}

struct Memory {
    long rss = 0;
    long heap = 0;
};

/// Memory held by a store filled by `fill`, measured after the temporaries are freed.
template <class Fill>
Memory measure_store(const std::vector<std::string>& pages, Fill fill) {
    ::malloc_trim(0);
    const long rss_before = resident_bytes();
    const long heap_before = heap_in_use();
    auto store = std::make_unique<kube::Store>();
    fill(*store, pages);
    ::malloc_trim(0);
    Memory used{resident_bytes() - rss_before, heap_in_use() - heap_before};
    store.reset();
    ::malloc_trim(0);
    return used;
}

void row(const std::string& what, long count, double seconds, const std::string& unit) {
    std::printf("%-44s %7ld %9.3f %12.0f %s\n", what.c_str(), count, seconds, seconds > 0 ? count / seconds : 0.0,
                unit.c_str());
}

} // namespace

int main(int argc, char** argv) try {
    const Options options = parse_options(argc, argv);
    auto config = kube::load_cluster_config({}, kube::ConfigEnvironment::process());
    if (!config) throw std::runtime_error(config.error().describe());

    asio::io_context io;
    std::vector<std::unique_ptr<kube::net::HttpsClient>> clients;
    kube::net::HttpsClientOptions client_options;
    client_options.max_idle_connections = static_cast<std::size_t>(options.workers);
    for (int c = 0; c < options.clients; ++c)
        clients.push_back(std::make_unique<kube::net::HttpsClient>(config.value(), io.get_executor(), client_options));
    kube::net::HttpsClient& client = *clients.front();

    std::printf("labfleet_bench_watch: %d ConfigMaps in namespace %s, %d concurrent requests over %d clients\n\n",
                options.objects, options.ns.c_str(), options.workers, options.clients);
    std::printf("%-44s %7s %9s %12s\n", "step", "count", "seconds", "rate");

    const kube::Json ns_object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", options.ns}}}};
    auto ns_created = run(io, kube::rest::create(client, kube::resources::namespaces(), "", ns_object));
    if (!ns_created && ns_created.error().reason != kube::ErrorReason::AlreadyExists)
        throw std::runtime_error("namespace: " + ns_created.error().describe());

    WriteJob creates;
    for (auto& c : clients) creates.clients.push_back(c.get());
    creates.ns = options.ns;
    creates.total = options.objects;
    auto start = bench_clock.steady_now();
    run_writes(io, creates, options.workers);
    row("create ConfigMaps (existing count as done)", options.objects, seconds_since(start), "objects/s");
    if (creates.failed > 0) throw std::runtime_error(std::to_string(creates.failed) + " creates failed: " + creates.first_error);

    // (a) initial list + decode into the Store.
    start = bench_clock.steady_now();
    const auto pages = run(io, fetch_pages(&client, options.ns));
    const double fetch_seconds = seconds_since(start);
    kube::Store listed;
    const auto decode_start = bench_clock.steady_now();
    const std::string list_rv = fill_store(listed, pages);
    const double decode_seconds = seconds_since(decode_start);
    const long objects = static_cast<long>(listed.size());
    row("list (HTTPS, pages of 500) + decode + Store", objects, fetch_seconds + decode_seconds, "objects/s");
    row("  of which decode + trim + Store swap", objects, decode_seconds, "objects/s");

    // (b) watch decode + apply, over MODIFIED lines captured from the real stream.
    Capture capture;
    capture.wanted = options.objects;
    asio::co_spawn(io, capture_watch(&client, options.ns, list_rv, &capture), asio::detached);
    WriteJob patches = creates;
    patches.patch = true;
    patches.stamp = std::to_string(bench_clock.now().time_since_epoch().count());
    patches.next = 0;
    patches.failed = 0;
    start = bench_clock.steady_now();
    run_writes(io, patches, options.workers);
    row("patch ConfigMaps (merge patch)", options.objects, seconds_since(start), "objects/s");
    io.restart();
    while (!capture.done) io.run_one();
    if (!capture.error.empty()) throw std::runtime_error("watch capture: " + capture.error);
    std::size_t line_bytes = 0;
    for (const auto& line : capture.lines) line_bytes += line.size();

    const kube::ObjectTrim trim({kube::last_applied_pointer});
    double best = 1e9;
    for (int round = 0; round < 5; ++round) {
        kube::Store store;
        fill_store(store, pages);
        const auto t0 = bench_clock.steady_now();
        for (const auto& line : capture.lines) {
            auto event = kube::parse_watch_event(line, trim);
            if (!event) throw std::runtime_error("event: " + event.error().describe());
            store.apply(std::move(event->object));
        }
        best = std::min(best, seconds_since(t0));
    }
    row("watch MODIFIED lines: parse + trim + apply", static_cast<long>(capture.lines.size()), best, "events/s");
    std::printf("  (best of 5 rounds; real lines, %zu bytes each on average)\n\n",
                capture.lines.empty() ? 0 : line_bytes / capture.lines.size());

    // (c) memory per cached object, trimmed (as the informer caches) and untrimmed.
    const auto fresh_pages = run(io, fetch_pages(&client, options.ns));  // now with the patchers' managedFields
    std::size_t body_bytes = 0;
    for (const auto& body : fresh_pages) body_bytes += body.size();
    const Memory trimmed = measure_store(fresh_pages, [](kube::Store& s, const auto& p) { fill_store(s, p); });
    const Memory untrimmed = measure_store(fresh_pages, fill_store_untrimmed);
    const std::string memory_title = "memory at " + std::to_string(objects) + " cached objects";
    std::printf("%-44s %12s %12s %12s %12s\n", memory_title.c_str(), "RSS delta",
                "heap delta", "RSS/object", "heap/object");
    auto memory_row = [&](const char* what, const Memory& m) {
        std::printf("%-44s %11.1fM %11.1fM %11ldB %11ldB\n", what, m.rss / 1048576.0, m.heap / 1048576.0,
                    m.rss / objects, m.heap / objects);
    };
    memory_row("trimmed (managedFields dropped)", trimmed);
    memory_row("untrimmed (as served)", untrimmed);
    std::printf("  (list JSON as served: %zu bytes/object)\n", body_bytes / static_cast<std::size_t>(objects));
    return 0;
} catch (const std::exception& error) {
    std::fprintf(stderr, "labfleet_bench_watch: %s\n", error.what());
    return 1;
}
