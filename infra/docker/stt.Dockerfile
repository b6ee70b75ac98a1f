# syntax=docker/dockerfile:1
# The speech recognition worker. Two targets from the repository root:
#   docker build -f infra/docker/stt.Dockerfile --target stt      -t parley/stt .       (CPU)
#   docker build -f infra/docker/stt.Dockerfile --target stt-cuda -t parley/stt-cuda .  (NVIDIA GPU, DEVICE=cuda)
# Whisper weights are not in the image: mount a volume filled by `npm run models -- pull` at
# /app/models-cache. Without them the worker uses pocketsphinx (English).

FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential python3 ca-certificates libpocketsphinx-dev libsphinxbase-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY client/package.json client/
COPY sfu/package.json sfu/
COPY web/package.json web/
COPY workers/package.json workers/
COPY desktop-shell/package.json desktop-shell/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund --include-workspace-root -w protocol -w workers
COPY protocol protocol
COPY workers workers
COPY tsconfig.base.json ./
RUN npm run build:native -w workers

# The CUDA target's only difference in the build: onnxruntime's CUDA provider, fetched by its install step.
FROM build AS build-cuda
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node

FROM node:20-bookworm-slim AS stt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us ca-certificates \
      lttoolbox apertium-eng-spa wamerican \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HEALTH_PORT=9101 HEALTH_HOST=0.0.0.0 MODELS_DIR=/app/models-cache
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/protocol protocol
COPY --from=build /app/workers workers
RUN mkdir -p /app/models-cache && chown node:node /app/models-cache
USER node
EXPOSE 9101
CMD ["node", "--import", "tsx", "workers/src/stt/main.ts"]

# CUDA 12 + cuDNN 9 runtime for onnxruntime's CUDA provider; Node from the official image (its
# binary runs on this newer glibc, as do the addons built on bookworm above).
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS stt-cuda
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us ca-certificates \
      lttoolbox apertium-eng-spa wamerican \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production HEALTH_PORT=9101 HEALTH_HOST=0.0.0.0 MODELS_DIR=/app/models-cache DEVICE=cuda
COPY --from=build-cuda /app/package.json /app/package-lock.json ./
COPY --from=build-cuda /app/node_modules node_modules
COPY --from=build-cuda /app/protocol protocol
COPY --from=build-cuda /app/workers workers
# uid 1000 is the image's own unprivileged user.
RUN mkdir -p /app/models-cache && chown 1000:1000 /app/models-cache
USER 1000
EXPOSE 9101
CMD ["node", "--import", "tsx", "workers/src/stt/main.ts"]
