# argocd_health KIND [FILE]: the Argo CD health of a Labfleet object of kind KIND given as JSON
# (FILE, or stdin), computed by the chart's health check charts/labfleet/argocd/health.lua (one
# script for the four kinds) under Lua 5.1 the way Argo CD runs it (see argocd_health.lua). An
# object of another kind is an error: a fixture filed under the wrong kind is caught. Prints
# `STATUS MESSAGE`, e.g.
#   kubectl get wl web -o json | argocd_health Workload   →   Healthy 2/2 targets ready
# Needs lua5.1, python3 and jq. Source it, or run it: bash argocd_health.sh KIND [FILE].
# shellcheck shell=bash

argocd_health_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
argocd_health_scripts=${ARGOCD_HEALTH_SCRIPTS:-$(cd "$argocd_health_lib/../../../charts/labfleet/argocd" && pwd)}

argocd_health() {
  local kind=$1 file=${2:--} json object status
  local script="$argocd_health_scripts/health.lua"
  [[ -f $script ]] || { echo "argocd_health: no health check $script" >&2; return 2; }
  json=$(cat -- "$file") || return 2
  [[ $(jq -r .kind <<<"$json") == "$kind" ]] || { echo "argocd_health: not a $kind" >&2; return 2; }
  object=$(mktemp --suffix=.lua) || return 2
  python3 "$argocd_health_lib/argocd_health.py" <<<"$json" >"$object" || { rm -f "$object"; return 2; }
  lua5.1 "$argocd_health_lib/argocd_health.lua" "$script" "$object"
  status=$?
  rm -f "$object"
  return "$status"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  argocd_health "$@"
fi
