#pragma once
// ClusterConfig: how to reach and authenticate to one API server, resolved
// from a kubeconfig or the in-cluster service account (kube/config_loader).

#include <string>

namespace labfleet::kube {

struct ClusterConfig {
    std::string server;            // "https://127.0.0.1:6443"
    std::string ca_pem;            // certificate-authority(-data); empty = system roots
    std::string client_cert_pem;   // client-certificate(-data)
    std::string client_key_pem;    // client-key(-data)
    std::string token;             // bearer token given inline
    std::string token_file;        // bearer token re-read from this file (service account, tokenFile)
    std::string tls_server_name;   // overrides the name verified and sent as SNI
    bool insecure_skip_tls_verify = false;  // only when the kubeconfig says so
    std::string ns;                // the context's namespace ("default" when unset)
    std::string source;            // where this came from, for messages: "kubeconfig /x (context y)", "in-cluster"
};

} // namespace labfleet::kube
