# syntax=docker/dockerfile:1
# The sfu (web app, signaling, WebRTC media through mediasoup, caption delivery) and the transcript
# writer (same image: `npm run -w sfu transcripts`). Build from the repository root:
#   docker build -f infra/docker/sfu.Dockerfile -t parley/sfu .

FROM node:20-bookworm-slim AS build
# mediasoup's worker is built here from the npm package's own source against Debian's libraries
# (scripts/build-mediasoup-worker.sh, as `npm start` does); nothing is downloaded prebuilt.
# The same Debian packages scripts/setup.sh installs for it; libsrtp is built by the script.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config meson ninja-build curl ca-certificates \
      libuv1-dev libssl-dev libflatbuffers-dev flatbuffers-compiler \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# MEDIASOUP_WORKER_BIN makes mediasoup's install step skip its own worker download or build.
ENV ONNXRUNTIME_NODE_INSTALL=skip ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
    PARLEY_CACHE_DIR=/opt/parley-cache MEDIASOUP_WORKER_BIN=/opt/mediasoup/mediasoup-worker
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY client/package.json client/
COPY sfu/package.json sfu/
COPY web/package.json web/
COPY workers/package.json workers/
COPY desktop-shell/package.json desktop-shell/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund --include-workspace-root -w protocol -w client -w sfu -w web
COPY protocol protocol
COPY client client
COPY sfu sfu
COPY web web
COPY scripts scripts
COPY tsconfig.base.json tsconfig.json ./
RUN worker="$(bash scripts/build-mediasoup-worker.sh | tail -n 1)" \
 && install -D -m 0755 "$worker" "$MEDIASOUP_WORKER_BIN"
RUN npm run build -w web

FROM node:20-bookworm-slim AS runtime
# Only the shared libraries the mediasoup worker and the native addons link against.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production MEDIASOUP_WORKER_BIN=/opt/mediasoup/mediasoup-worker \
    GATEWAY_PORT=5026 HOST=0.0.0.0
COPY --from=build /opt/mediasoup /opt/mediasoup
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/protocol protocol
COPY --from=build /app/client client
COPY --from=build /app/sfu sfu
COPY --from=build /app/web/package.json web/package.json
COPY --from=build /app/web/dist web/dist
# Fails the build, not the first room, when a library the worker needs is missing.
RUN ! ldd "$MEDIASOUP_WORKER_BIN" | grep 'not found' \
 && mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 5026
VOLUME ["/app/data"]
CMD ["node", "--import", "tsx", "sfu/src/main.ts"]
