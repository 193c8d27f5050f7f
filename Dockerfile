# labfleet-operator image: built on Debian bookworm with the distribution's -dev packages; the
# runtime image holds the binary and exactly the shared libraries it links — no shell, no apt —
# and runs as a numeric non-root user. hack/image.sh builds it without a daemon.

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev prometheus-cpp-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY operator/ operator/
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLABFLEET_BUILD_TESTS=OFF \
 && cmake --build build --target labfleet-operator \
 && strip --strip-unneeded build/operator/labfleet-operator \
 && ./build/operator/labfleet-operator version
# The runtime's root filesystem: the binary, the dynamic loader and the libraries ldd resolves
# (copied at their resolved paths), and an empty /tmp. Same layout as hack/image.sh --host-binary.
RUN mkdir -p /rootfs/usr/local/bin /rootfs/tmp \
 && chmod 1777 /rootfs/tmp \
 && cp build/operator/labfleet-operator /rootfs/usr/local/bin/ \
 && ldd build/operator/labfleet-operator | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' \
    | xargs -r cp --parents -L -t /rootfs/ \
 && chroot /rootfs /usr/local/bin/labfleet-operator version

FROM scratch
COPY --from=build /rootfs/ /
# Numeric, so runAsNonRoot can verify it without an /etc/passwd entry.
USER 65532:65532
# /metrics and /healthz,/readyz.
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/labfleet-operator"]
CMD ["run"]
