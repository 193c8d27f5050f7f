#include "clusters/cluster_registry.hpp"

#include <set>

#include "api/v1alpha1/deployment_target.hpp"
#include "controllers/fleet_view.hpp"

namespace labfleet::clusters {

ClusterRegistry::ClusterRegistry(asio::any_io_executor executor, const kube::Clock& clock, kube::Store& secrets,
                                 kube::Store& targets, std::string secret_namespace, std::function<bool()> may_write,
                                 ClusterMetrics* metrics)
    : executor_(executor), clock_(clock), secrets_(secrets), targets_(targets),
      secret_namespace_(std::move(secret_namespace)), may_write_(std::move(may_write)), metrics_(metrics),
      log_(kube::default_logger().named("clusters")) {}

ClusterRegistry::~ClusterRegistry() { stop(); }

void ClusterRegistry::start() {
    started_ = true;
    auto again = [this](const kube::ObjectPtr&) { resync(); };
    auto again_on_update = [this](const kube::ObjectPtr&, const kube::ObjectPtr&) { resync(); };
    // A target's status churns; only its spec says which cluster and namespace it uses.
    auto spec_changed = [this](const kube::ObjectPtr& old_object, const kube::ObjectPtr& new_object) {
        const kube::Json::json_pointer spec("/spec");
        if (old_object->value(spec, kube::Json()) != new_object->value(spec, kube::Json())) resync();
    };
    secrets_.add_handlers({again, again_on_update, again});
    targets_.add_handlers({again, spec_changed, again});
    resync();
}

void ClusterRegistry::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& [name, connection] : connections_) {
        connection->stop();
        closing_.push_back(std::move(connection));  // goes with the registry, after its loops were cancelled
    }
    connections_.clear();
}

void ClusterRegistry::resync() {
    if (!started_ || stopped_) return;
    std::erase_if(closing_, [](const auto& connection) { return connection->finished(); });
    // The namespaces each cluster's targets use. A target that does not decode names no cluster.
    std::map<std::string, std::set<std::string>> wanted;
    for (const auto& target : controllers::decode_targets(targets_)->items)
        if (!target.cluster().empty()) wanted[target.cluster()].insert(target.spec.target_namespace);
    for (auto it = connections_.begin(); it != connections_.end();) {
        const std::string name = it->first;
        ++it;
        if (!wanted.contains(name)) {
            log_.info("closing: no target names the cluster any more", {{"cluster", name}});
            close(name);
        }
    }
    for (auto it = unusable_.begin(); it != unusable_.end();)
        it = wanted.contains(it->first) ? std::next(it) : unusable_.erase(it);

    for (const auto& [name, namespaces] : wanted) {
        std::string why;
        std::optional<ClusterCredentials> credentials;
        const kube::ObjectPtr secret = secrets_.get({secret_namespace_, name});
        if (!secret && !secrets_.synced()) continue;  // refresh() looks again once synced
        if (!secret) {
            why = "Secret " + secret_namespace_ + "/" + name + " not found (a cluster is registered by a Secret labelled " +
                  cluster_secret_selector() + ")";
        } else {
            auto read = credentials_from_secret(*secret);
            if (auto* error = std::get_if<std::string>(&read)) why = "Secret " + secret_namespace_ + "/" + name + ": " + *error;
            else credentials = std::move(std::get<ClusterCredentials>(read));
        }
        if (!credentials) {
            if (connections_.contains(name)) close(name);
            if (unusable_[name] != why) {
                log_.warn("cluster cannot be used", {{"cluster", name}, {"error", why}});
                unusable_[name] = why;
                changed(name);
            }
            continue;
        }
        if (unusable_.erase(name) > 0) changed(name);
        if (installation_.empty()) continue;  // set_installation() looks again
        auto found = connections_.find(name);
        if (found != connections_.end() && found->second->fingerprint() != credentials->fingerprint) {
            log_.info("credentials changed: reconnecting", {{"cluster", name}});
            close(name);
            found = connections_.end();
        }
        if (found == connections_.end()) {
            std::shared_ptr<ClusterConnection> connection;
            try {
                connection = std::make_shared<ClusterConnection>(name, installation_, std::move(*credentials), executor_, clock_,
                                                                 metrics_, may_write_, [this, name] { changed(name); });
            } catch (const std::exception& error) {  // a config the transport cannot use (bad URL, PEM)
                unusable_[name] = "Secret " + secret_namespace_ + "/" + name + ": " + error.what();
                changed(name);
                continue;
            }
            log_.info("connecting", {{"cluster", name}});
            connection->start();
            found = connections_.emplace(name, std::move(connection)).first;
            changed(name);
        }
        found->second->watch_namespaces(namespaces, hooks_.stores_opened);
    }
}

void ClusterRegistry::set_installation(std::string installation) {
    if (installation == installation_) return;
    installation_ = std::move(installation);
    log_.info("installation known", {{"installation", installation_}});
    resync();
}

void ClusterRegistry::close(const std::string& cluster) {
    const auto found = connections_.find(cluster);
    if (found == connections_.end()) return;
    found->second->stop();
    closing_.push_back(std::move(found->second));
    connections_.erase(found);
    changed(cluster);
}

void ClusterRegistry::changed(const std::string& cluster) {
    if (hooks_.cluster_changed) hooks_.cluster_changed(cluster);
}

controllers::ClusterAccess ClusterRegistry::access(const std::string& cluster, const std::string& ns) {
    controllers::ClusterAccess out;
    if (const auto unusable = unusable_.find(cluster); unusable != unusable_.end()) {
        out.reason = controllers::cluster_invalid_reason;
        out.message = "cluster " + cluster + ": " + unusable->second;
        return out;
    }
    const auto found = connections_.find(cluster);
    if (found == connections_.end()) {
        out.reason = controllers::cluster_pending_reason;
        out.message = "cluster " + cluster + (installation_.empty()
                                                  ? ": waiting for the home cluster's identity (namespace kube-system)"
                                                  : ": not connected yet");
        return out;
    }
    ClusterConnection& connection = *found->second;
    out.hold = found->second;
    out.uid = connection.uid();
    out.namespaces = &connection.namespaces();
    switch (connection.state()) {
    case ConnectionState::Up:
        if (const std::string missing = connection.missing_permissions(ns); !missing.empty()) {
            out.reason = controllers::cluster_forbidden_reason;
            out.message = "cluster " + cluster + ": its identity may not " + missing + " in namespace " + ns +
                          " (SelfSubjectAccessReview); nothing is written there until it may";
            break;
        }
        out.client = &connection.writer();
        out.synced = connection.synced(ns);
        if (!out.synced) {
            out.reason = controllers::cluster_pending_reason;
            out.message = "cluster " + cluster + ": the objects in namespace " + ns +
                          " are not listed yet, or the identity's permissions there not reviewed yet";
        }
        break;
    case ConnectionState::Connecting:
        out.reason = controllers::cluster_pending_reason;
        out.message = "cluster " + cluster + ": connecting";
        break;
    case ConnectionState::Down:
        out.reason = controllers::cluster_unreachable_reason;
        out.message = "cluster " + cluster + " does not answer: " + connection.problem();
        break;
    }
    return out;
}

std::vector<controllers::ChildStores> ClusterRegistry::child_stores() const {
    std::vector<controllers::ChildStores> out;
    for (const auto& [name, connection] : connections_)
        for (auto& stores : connection->child_stores()) out.push_back(stores);
    return out;
}

} // namespace labfleet::clusters
