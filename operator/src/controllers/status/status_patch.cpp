#include "controllers/status/status_patch.hpp"

#include "api/v1alpha1/field_reader.hpp"

namespace labfleet::controllers {

LenientHeader read_lenient_header(const kube::Json& object) {
    api::v1alpha1::DecodeState state;
    api::v1alpha1::FieldReader root(&object, "", state);
    LenientHeader out;
    out.metadata = api::v1alpha1::decode_object_meta(root);
    api::v1alpha1::DecodeState status_state;
    api::v1alpha1::FieldReader status(root.object("status"), "status", status_state);
    out.conditions = api::v1alpha1::decode_conditions(status, "conditions");
    if (status_state.failed()) out.conditions.clear();
    return out;
}

kube::Json event_regarding(const kube::Json& object, const std::string& api_version, const std::string& kind) {
    kube::Json metadata = kube::Json::object();
    if (const auto found = object.find("metadata"); found != object.end() && found->is_object()) {
        for (const char* key : {"name", "namespace", "uid", "resourceVersion"})
            if (const auto value = found->find(key); value != found->end()) metadata[key] = *value;
    }
    return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(metadata)}};
}

} // namespace labfleet::controllers
