# labfleet-operator image: built on Debian bookworm with the distribution's -dev packages,
# run on bookworm-slim with only the shared libraries the binary links, as a non-root user.

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY operator/ operator/
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLABFLEET_BUILD_TESTS=OFF \
 && cmake --build build --target labfleet-operator \
 && strip --strip-unneeded build/operator/labfleet-operator \
 && ./build/operator/labfleet-operator version

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libyaml-cpp0.7 libprometheus-cpp-core1.0 libboost-url1.81.0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/operator/labfleet-operator /usr/local/bin/labfleet-operator
# Numeric, so runAsNonRoot can verify it without an /etc/passwd entry.
USER 65532:65532
# /metrics and /healthz,/readyz.
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/labfleet-operator"]
CMD ["run"]
