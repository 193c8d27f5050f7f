#!/usr/bin/env bash
# Builds Labfleet's images without a daemon (buildah) and saves each as an
# image archive for a node's containerd to import. No registry is used: the
# Debian base is made here from Debian's packages (mmdebstrap) and stored under
# the name the Dockerfile's FROM uses.
#
#   hack/image.sh operator [--host-binary BIN]  the operator image, labfleet/labfleet-operator:<chart appVersion>:
#                                               from the Dockerfile as written (default), or from a binary
#                                               built on this host (same Debian release) into the same layout
#   hack/image.sh files TAG...                  localhost/labfleet/files:TAG: busybox httpd serving a page naming TAG
#   hack/image.sh pause                         localhost/labfleet/pause:1, the pods' sandbox process
#   hack/image.sh archive NAME|operator         print the archive path of a built image (for ctr import);
#                                               `operator` names the operator image
#
# Everything is cached: the base rootfs under the user's cache directory,
# image layers in buildah's store (--layers), archives next to the rootfs and
# rewritten only when the image changed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/hack/lib/log.sh"

cache="$(labfleet_cache_dir)/images"
mkdir -p "$cache"
app_version=$(awk '$1 == "appVersion:" {gsub(/"/, "", $2); print $2}' "$root/charts/labfleet/Chart.yaml")
operator_image="labfleet/labfleet-operator:$app_version"

for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || die "$tool is missing (hack/deps.sh installs it)"
done

# archive_of IMAGE: where IMAGE's archive is kept.
archive_of() { printf '%s/%s.tar' "$cache" "$(printf '%s' "$1" | tr '/:' '__')"; }

# save IMAGE: writes IMAGE as a docker-archive (which `ctr images import`
# takes with its name), unless the archive already holds this image id.
save() {
  local image=$1 archive id
  archive=$(archive_of "$image")
  id=$(buildah images --noheading --format '{{.ID}}' "$image" | head -n1)
  if [[ -f "$archive.id" && $(cat "$archive.id") == "$id" && -f "$archive" ]]; then
    return 0
  fi
  rm -f "$archive"
  buildah push --quiet "$image" "docker-archive:$archive:$image" >/dev/null
  printf '%s' "$id" > "$archive.id"
  step "image: $image saved ($(du -m "$archive" | cut -f1) MB archive, id ${id:0:12})"
}

has_image() { buildah images --noheading "$1" >/dev/null 2>&1; }

# base: Debian bookworm (minbase) from Debian's packages, under the name the
# Dockerfile's FROM uses. Its apt sources are this machine's, so the build
# stage's apt-get reaches the same Debian mirror the host does.
base() {
  has_image debian:bookworm && return 0
  local sources rootfs=$cache/debian-bookworm.tar
  sources=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
  [[ -n $sources ]] || sources=/etc/apt/sources.list
  if [[ ! -f $rootfs ]]; then
    step "image: making the Debian bookworm base from Debian's packages (mmdebstrap; ~1-2 min)"
    rm -rf "$rootfs.partial"
    mmdebstrap --quiet --format=tar --variant=minbase --include=ca-certificates \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' bookworm "$rootfs.partial" "$sources"
    mv "$rootfs.partial" "$rootfs"
  fi
  step "image: importing the base as debian:bookworm ($(du -m "$rootfs" | cut -f1) MB)"
  local c; c=$(buildah from --quiet scratch)
  buildah add --quiet "$c" "$rootfs" / >/dev/null
  buildah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$c"
  buildah commit --quiet --rm "$c" debian:bookworm >/dev/null
}

# build_step LOG: the Dockerfile step the build is on.
build_step() { grep -E '^STEP|^\[[0-9]+/[0-9]+\]' "$1" | tail -n1 | cut -c1-100; }

# operator_from_dockerfile: the Dockerfile exactly as written. --network host:
# the build stage's apt-get is the only network use, and no bridge is made.
operator_from_dockerfile() {
  base
  step "image: building $operator_image from the Dockerfile (cold: apt + a Release build, several minutes)"
  local started=$SECONDS
  with_progress "image: building $operator_image" "$cache/operator-build.log" build_step \
    buildah bud --layers --pull=never --network host -f "$root/Dockerfile" -t "$operator_image" "$root"
  step "image: built $operator_image in $((SECONDS - started)) s ($(image_size "$operator_image"))"
}

# operator_from_binary BIN: the runtime layout of the Dockerfile's last stage,
# filled from a binary built on this host (same Debian release, so the same
# libraries), for a fast development loop.
operator_from_binary() {
  local bin=$1 rootfs c
  [[ -x $bin ]] || die "no operator binary at $bin (build it first)"
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  strip --strip-unneeded -o "$rootfs/usr/local/bin/labfleet-operator" "$bin"
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' \
    | xargs -r cp --parents -L -t "$rootfs/"
  chroot "$rootfs" /usr/local/bin/labfleet-operator version >/dev/null ||
    die "the image's root filesystem cannot run the operator"
  c=$(buildah from --quiet scratch)
  buildah copy --quiet "$c" "$rootfs" / >/dev/null
  buildah config --user 65532:65532 --port 8080 --port 8081 \
    --entrypoint '["/usr/local/bin/labfleet-operator"]' --cmd run "$c"
  buildah commit --quiet --rm "$c" "$operator_image" >/dev/null
  rm -rf "$rootfs"
  step "image: built $operator_image from $bin ($(image_size "$operator_image"))"
}

image_size() {
  buildah images --noheading --format '{{.Size}}' "$1" | head -n1
}

# files TAG...: busybox httpd on port 8080 as 65532, serving a page that names
# its tag: what a Workload's files Deployment runs in the in-cluster tests.
files() {
  local busybox tag ctx c
  busybox=$(command -v busybox) || die "busybox is missing (hack/deps.sh installs busybox-static)"
  for tag in "$@"; do
    if ! has_image "localhost/labfleet/files:$tag"; then
      ctx=$(mktemp -d)
      mkdir -p "$ctx/bin" "$ctx/www"
      cp "$busybox" "$ctx/bin/busybox"
      printf 'labfleet files %s\n' "$tag" > "$ctx/www/index.html"
      c=$(buildah from --quiet scratch)
      buildah copy --quiet "$c" "$ctx" / >/dev/null
      buildah config --user 65532:65532 --port 8080 \
        --entrypoint '["/bin/busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/www"]' "$c"
      buildah commit --quiet --rm "$c" "localhost/labfleet/files:$tag" >/dev/null
      rm -rf "$ctx"
      step "image: built localhost/labfleet/files:$tag"
    fi
    save "localhost/labfleet/files:$tag"
  done
}

# pause: the sandbox image containerd holds each pod's namespaces with
# (hack/images/pause.c, linked statically).
pause() {
  local image=localhost/labfleet/pause:1 ctx c
  if ! has_image "$image"; then
    ctx=$(mktemp -d)
    gcc -static -Os -s -o "$ctx/pause" "$root/hack/images/pause.c"
    c=$(buildah from --quiet scratch)
    buildah copy --quiet "$c" "$ctx/pause" /pause >/dev/null
    buildah config --user 65535:65535 --entrypoint '["/pause"]' "$c"
    buildah commit --quiet --rm "$c" "$image" >/dev/null
    rm -rf "$ctx"
    step "image: built $image"
  fi
  save "$image"
}

command=${1:-}
[[ -n $command ]] && shift
case $command in
  operator)
    if [[ ${1:-} == --host-binary ]]; then
      operator_from_binary "${2:?--host-binary needs the binary}"
    else
      operator_from_dockerfile
    fi
    save "$operator_image" ;;
  files) (($#)) || die "files needs at least one TAG"; files "$@" ;;
  pause) pause ;;
  archive)
    name=${1:?archive needs an image name}
    [[ $name == operator ]] && name=$operator_image
    archive_of "$name"; echo ;;
  *) die "usage: $0 operator [--host-binary BIN] | files TAG... | pause | archive NAME" ;;
esac
