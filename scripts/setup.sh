#!/usr/bin/env bash
# Installs what Parley needs on a Debian (bookworm) machine: system packages, npm packages and the
# pocketsphinx addon. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  redis-server            # queues between the sfu and the workers
  pocketsphinx pocketsphinx-en-us libpocketsphinx-dev libsphinxbase-dev  # offline English speech recognition
  apertium-apy apertium-eng-spa apertium-eng-cat apertium-fr-es apertium-es-pt apertium-spa-ita  # offline translation server and pairs
  wamerican               # spelling word list: with Apertium's English dictionary, which recognised words are names
  chromium                # browser for the end-to-end tests
  sox espeak-ng pocketsphinx-testdata                                    # test audio: recorded and synthetic speech
  build-essential python3 # native addons (node-gyp)
  postgresql              # the tests run persistence against a real Postgres server too (initdb in a temp dir)
  meson ninja-build pkg-config curl libuv1-dev libssl-dev libflatbuffers-dev flatbuffers-compiler  # the mediasoup worker, built from source
  prometheus shellcheck   # checks of infra/: promtool for the alert rules, a real scrape in tests; shell scripts
  postgresql sqlite3      # infra/db-backup.sh and its test (pg_dump/pg_restore against a real server; sqlite3's online backup)
  libsrtp2-dev            # bench:sfu's lightweight DTLS-SRTP listener (bench/listener), built with cc
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Model weights for neural engines are fetched on request only; native packages must not download.
export ONNXRUNTIME_NODE_INSTALL=skip ELECTRON_SKIP_BINARY_DOWNLOAD=1
stamp=node_modules/.parley-installed
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "Installing npm packages"
  npm ci --no-audit --no-fund
  touch "$stamp"
fi

# The Whisper test fixture's decoder is committed in parts (no file over 5 MB in the repository).
fixture=workers/test-fixtures/models/tiny-whisper/onnx/decoder_model_merged.onnx
if [[ ! -f $fixture ]] || ! (cd "$(dirname "$fixture")" && sha256sum --check --status "$(basename "$fixture").sha256"); then
  cat "$fixture".part* > "$fixture"
  (cd "$(dirname "$fixture")" && sha256sum --check --quiet "$(basename "$fixture").sha256")
fi

# The mediasoup worker (media forwarding), built once per version and cached; prints its path.
bash scripts/build-mediasoup-worker.sh >/dev/null

addon=workers/native/pocketsphinx/build/Release/pocketsphinx.node
if [[ ! -f $addon || workers/native/pocketsphinx/src/addon.c -nt $addon || workers/native/pocketsphinx/binding.gyp -nt $addon || workers/native/pocketsphinx/internal-headers.mjs -nt $addon ]]; then
  echo "Building the pocketsphinx addon"
  npm run --silent build:native -w workers
fi
