# trawl in a container: Debian 12, the packages of packages.txt (build and
# runtime roles), built with the project's Makefile.
FROM debian:12-slim AS build
WORKDIR /src
COPY packages.txt .
RUN apt-get update -qq \
 && awk '!/^#/ && NF >= 2 && $2 == "build" { print $1 }' packages.txt \
    | xargs apt-get install -y -qq --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make -j"$(nproc)" trawl

FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      libcurl4 libxml2 libsqlite3-0 libjansson4 zlib1g ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/trawl /usr/local/bin/trawl
COPY config/trawl.example.json /etc/trawl/trawl.example.json
WORKDIR /data
ENTRYPOINT ["trawl"]
CMD ["--help"]
