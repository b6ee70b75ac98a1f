# syntax=docker/dockerfile:1
# The translation worker, with apertium-apy and its language pairs (the offline engine; the same
# image runs the apertium service: `apertium-apy -p 2737 /usr/share/apertium/modes`). From the
# repository root:  docker build -f infra/docker/mt.Dockerfile -t parley/mt .
# Marian/NLLB weights are not in the image: mount a volume filled by `npm run models -- pull`.

FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential python3 ca-certificates \
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

FROM node:20-bookworm-slim AS mt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      apertium-apy apertium-eng-spa apertium-eng-cat apertium-fr-es apertium-es-pt apertium-spa-ita ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HEALTH_PORT=9102 HEALTH_HOST=0.0.0.0 MODELS_DIR=/app/models-cache
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/protocol protocol
COPY --from=build /app/workers workers
RUN mkdir -p /app/models-cache && chown node:node /app/models-cache
USER node
EXPOSE 9102 2737
CMD ["node", "--import", "tsx", "workers/src/mt/main.ts"]
