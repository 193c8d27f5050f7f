#!/usr/bin/env bash
# Checks that the Helm chart's CRDs are byte-for-byte the repository's crds/
# (the one source of truth); prints a diff and fails when they differ.
# --fix copies crds/*.yaml into the chart and removes chart CRDs that no longer exist.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="${repo_root}/crds"
chart_dir="${repo_root}/charts/labfleet/crds"

usage() {
  echo "usage: hack/check-chart.sh [--fix]" >&2
  exit 2
}

fix=false
case "${1:-}" in
  "") ;;
  --fix) fix=true ;;
  *) usage ;;
esac
(($# <= 1)) || usage

if [[ "${fix}" == true ]]; then
  mkdir -p "${chart_dir}"
  rm -f "${chart_dir}"/*.yaml
  cp "${source_dir}"/*.yaml "${chart_dir}/"
  echo "check-chart: copied $(find "${source_dir}" -maxdepth 1 -name '*.yaml' | wc -l) CRDs into charts/labfleet/crds"
  exit 0
fi

if [[ ! -d "${chart_dir}" ]]; then
  echo "check-chart: charts/labfleet/crds is missing; run hack/check-chart.sh --fix" >&2
  exit 1
fi
# Relative paths, so the diff reads the same on every machine.
if ! (cd "${repo_root}" && diff -ru crds charts/labfleet/crds) >&2; then
  echo "check-chart: charts/labfleet/crds differs from crds/; run hack/check-chart.sh --fix" >&2
  exit 1
fi
echo "check-chart: charts/labfleet/crds matches crds/"
