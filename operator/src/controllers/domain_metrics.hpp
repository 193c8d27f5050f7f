#pragma once
// DomainMetrics: the labfleet_* metrics an SRE watches beside the
// controller-runtime ones: leases by phase, how late leases were released,
// how long leases queued, how many (workload, target) pairs exist, which image
// each pair runs, and each object's conditions and each lease's phase.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "kube/metrics/metrics.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

class DomainMetrics {
public:
    /// Registers the families on `metrics`, which must outlive this object's use.
    explicit DomainMetrics(kube::RuntimeMetrics& metrics);
    DomainMetrics(const DomainMetrics&) = delete;  // `metrics` writes this one's families
    DomainMetrics& operator=(const DomainMetrics&) = delete;

    /// labfleet_leases{phase}: the EnvironmentLeases of `leases` in each phase
    /// (no status.phase counts as Pending), kept by `leases`' change handlers
    /// in O(1) per change. `leases` must outlive this object's registry use.
    void count_leases(kube::Store& leases);
    /// labfleet_lease_queue_wait_seconds: status.acquiredAt minus
    /// creationTimestamp, observed when `leases`' change handlers see a lease
    /// become Active while `leading()` is true. So each grant is observed once
    /// across replicas (only the leader grants, and only the leader observes)
    /// and never again after a restart (the cache's first sync is a list, not a
    /// transition). A lease created and granted entirely while this replica's
    /// watch was down is seen Active at once and not observed.
    void observe_queue_waits(kube::Store& leases, std::function<bool()> leading);
    /// The caches of the four Labfleet kinds.
    struct FleetStores {
        kube::Store& workloads;
        kube::Store& targets;
        kube::Store& policies;
        kube::Store& leases;
    };
    /// From now on every scrape writes, from the objects in `fleet` at that
    /// moment: labfleet_resource_condition{kind,name,type,status}, for each
    /// condition of each object one series per status True/False/Unknown (1 for
    /// its status, 0 for the others), and labfleet_lease_phase{name,target,phase}
    /// = 1 per lease (no status.phase is Pending). Invariant: the series are
    /// exactly those of the cached objects, so a deleted object has none and
    /// memory follows the cache's size, not its churn. The stores must outlive
    /// this object's registry use.
    void export_objects(FleetStores fleet);
    /// labfleet_lease_expiry_lag_seconds: release time minus expiresAt.
    void observe_expiry_lag(std::chrono::duration<double> lag);
    /// labfleet_assignments: (workload, target) pairs across all policies.
    void set_assignments(int pairs);
    /// An image a pair runs and why its tag won.
    struct ImageInfo {
        std::string image;
        std::string source;
        auto operator<=>(const ImageInfo&) const = default;
    };
    /// The images of one (workload, target) pair.
    struct PairImages {
        std::string target;
        std::vector<ImageInfo> images;
    };
    /// labfleet_workload_image_info{workload,target,image,source} = 1 for each
    /// image of each pair of `workload`; its series not in `pairs` are removed.
    void set_workload_images(const std::string& workload, std::vector<PairImages> pairs);
    /// One environment of a workload's promotion.
    struct EnvironmentPromotionSeries {
        std::string environment;
        std::string workshop_tag, files_tag;  // empty: the environment was given no version
        double soak_ratio = 0;                // of the candidate's soak served there, 0..1
        std::optional<double> stalled_since;  // unix seconds, while Blocked or Failed there
        friend bool operator==(const EnvironmentPromotionSeries&, const EnvironmentPromotionSeries&) = default;
    };
    /// labfleet_promotion_version_info{workload,environment,workshop_tag,files_tag} = 1,
    /// labfleet_promotion_soak_ratio{workload,environment} and
    /// labfleet_promotion_stalled_since_timestamp_seconds{workload,environment}
    /// for each environment of `workload`'s promotion; an empty list removes them.
    void set_promotion(const std::string& workload, std::vector<EnvironmentPromotionSeries> environments);
    /// labfleet_promotions_total{workload,environment,outcome} += 1.
    void count_promotion(const std::string& workload, const std::string& environment, const std::string& outcome);
    /// Removes every image and promotion series of `workload`.
    void forget_workload(const std::string& workload);
    /// Appends labfleet_workload_image_info in the text exposition format.
    void write_image_info(std::string& out) const;
    /// Appends the labfleet_promotion* families in the text exposition format.
    void write_promotions(std::string& out) const;

    /// Appends labfleet_resource_condition and labfleet_lease_phase in the text
    /// exposition format (nothing before export_objects).
    void write_object_series(std::string& out);

private:
    /// One cached object's lines of the two per-object families.
    struct ObjectSeries {
        std::uint64_t snapshot = 0;  // the Store snapshot they were rendered from
        std::string conditions;
        std::string phase;
    };
    using SeriesMemo = std::map<kube::ObjectKey, ObjectSeries>;
    /// Brings `memo` to the objects of `store`, rendering only the new or
    /// replaced ones; entries of objects gone from `store` are dropped.
    static void refresh(SeriesMemo& memo, const kube::Store& store, std::string_view kind);

    /// The labfleet_leases gauge of a status.phase value; null for unknown ones.
    prometheus::Gauge* lease_gauge(const kube::Json& lease);

    prometheus::Family<prometheus::Gauge>& leases_;
    std::map<std::string, prometheus::Gauge*, std::less<>> lease_gauges_;
    prometheus::Family<prometheus::Histogram>& expiry_lag_;
    prometheus::Histogram& expiry_lag_histogram_;
    prometheus::Family<prometheus::Histogram>& queue_wait_;
    prometheus::Histogram& queue_wait_histogram_;
    prometheus::Family<prometheus::Gauge>& assignments_;
    std::optional<FleetStores> fleet_;
    /// Per kind, the series of each cached object, keyed like the store and
    /// re-rendered only when its snapshot changes (a scrape decodes only what
    /// changed since the last one).
    std::array<SeriesMemo, 4> object_series_;
    /// (workload, target) -> its images: kept here and written at each scrape,
    /// not in the registry (at 10,000 pairs the registry's label maps and
    /// per-scrape copies were a fifth of the operator's peak memory).
    std::map<std::pair<std::string, std::string>, std::vector<ImageInfo>> image_series_;
    /// workload -> its promotion's environments; likewise kept here.
    std::map<std::string, std::vector<EnvironmentPromotionSeries>> promotion_series_;
    /// (workload, environment, outcome) -> promotions counted.
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> promotion_counts_;
};

} // namespace labfleet::controllers
