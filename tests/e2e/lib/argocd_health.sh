# argocd_health KIND [FILE]: the Argo CD health of a Labfleet object given as JSON (FILE, or
# stdin), computed by the chart's health check charts/labfleet/argocd/KIND.lua under Lua 5.1 the
# way Argo CD runs it (see argocd_health.lua). Prints `STATUS MESSAGE`, e.g.
#   kubectl get wl web -o json | argocd_health Workload   →   Healthy 2/2 targets ready
# Needs lua5.1 and python3. Source it, or run it: bash argocd_health.sh KIND [FILE].
# shellcheck shell=bash

argocd_health_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
argocd_health_scripts=${ARGOCD_HEALTH_SCRIPTS:-$(cd "$argocd_health_lib/../../../charts/labfleet/argocd" && pwd)}

argocd_health() {
  local kind=$1 file=${2:--} object status
  local script="$argocd_health_scripts/$kind.lua"
  [[ -f $script ]] || { echo "argocd_health: no health check $script" >&2; return 2; }
  object=$(mktemp --suffix=.lua) || return 2
  python3 "$argocd_health_lib/argocd_health.py" "$file" >"$object" || { rm -f "$object"; return 2; }
  lua5.1 "$argocd_health_lib/argocd_health.lua" "$script" "$object"
  status=$?
  rm -f "$object"
  return "$status"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  argocd_health "$@"
fi
