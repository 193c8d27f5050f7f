#!/usr/bin/env bash
# The "real node" fixture: a cluster with a real node, and the images the
# in-cluster tests run loaded into it: the operator's (saved by hack/image.sh;
# built from the host's binary when no archive exists yet) and the files
# server's at two tags.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
source "$root/hack/lib/log.sh"
: "${LABFLEET_CLUSTER_DIR:?run through ctest}"

"$root/hack/local-cluster.sh" up --node real --dir "$LABFLEET_CLUSTER_DIR"
operator_archive=$("$root/hack/image.sh" archive operator)
if [[ ! -f $operator_archive ]]; then
  step "incluster: no operator image saved yet: building one from ${LABFLEET_OPERATOR:?}"
  "$root/hack/image.sh" operator --host-binary "$LABFLEET_OPERATOR"
fi
"$root/hack/image.sh" files v1 v2
"$root/hack/local-cluster.sh" load --dir "$LABFLEET_CLUSTER_DIR" "$operator_archive" \
  "$("$root/hack/image.sh" archive localhost/labfleet/files:v1)" "$("$root/hack/image.sh" archive localhost/labfleet/files:v2)"
