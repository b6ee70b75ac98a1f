#!/usr/bin/env bash
# Builds the mediasoup worker (C++) from the npm package's own source against Debian's libraries,
# with Parley's patch applied, and prints the binary's path. Cached per mediasoup version, patch
# and this script, so it runs once (about 5 minutes on 2 cores).
#
# mediasoup's own build downloads its dependencies; here they come from Debian (libuv, OpenSSL,
# flatbuffers) and libsrtp 2 is built from Debian's source tarball against OpenSSL: Debian's
# binary libsrtp2 uses NSS, whose AES-CM is about 5 times slower per packet.
set -euo pipefail
cd "$(dirname "$0")/.."

SRTP_VERSION=2.5.0
SRTP_TARBALL=libsrtp2_${SRTP_VERSION}.orig.tar.gz
SRTP_URL=${PARLEY_LIBSRTP_URL:-http://deb.debian.org/debian/pool/main/libs/libsrtp2/$SRTP_TARBALL}
SRTP_SHA256=8a43ef8e9ae2b665292591af62aa1a4ae41e468b6d98d8258f91478735da4e09

package=node_modules/mediasoup
[[ -f $package/package.json ]] || { echo "mediasoup is not installed: run npm ci first" >&2; exit 1; }
version=$(node -p "require('./$package/package.json').version")
patch=scripts/mediasoup/mediasoup-$version.patch
[[ -f $patch ]] || { echo "no patch for mediasoup $version ($patch): Parley supports the version in package-lock.json" >&2; exit 1; }

key=$(cat "$patch" "$0" | sha256sum | cut -c1-12)
cache=${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}
out=$cache/mediasoup-worker-$version-$key
if [[ -x $out/mediasoup-worker ]]; then
  echo "$out/mediasoup-worker"
  exit 0
fi

for tool in meson ninja pkg-config flatc curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup.sh" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=$(nproc)

echo "Building libsrtp $SRTP_VERSION (OpenSSL crypto)" >&2
curl -fsSL --retry 3 -o "$work/$SRTP_TARBALL" "$SRTP_URL"
echo "$SRTP_SHA256  $work/$SRTP_TARBALL" | sha256sum --check --quiet
tar xzf "$work/$SRTP_TARBALL" -C "$work"
(
  cd "$work/libsrtp-$SRTP_VERSION"
  ./configure --enable-openssl --disable-pcap --prefix="$work/srtp" CFLAGS="-O3 -fPIC" >"$work/srtp-configure.log" 2>&1 ||
    { cat "$work/srtp-configure.log" >&2; exit 1; }
  make -j"$jobs" libsrtp2.a >"$work/srtp-make.log" 2>&1 || { cat "$work/srtp-make.log" >&2; exit 1; }
  make install >/dev/null 2>&1
)

echo "Building the mediasoup $version worker (a few minutes)" >&2
cp -r "$package/worker" "$work/worker"
patch -d "$work/worker" -p1 --quiet <"$patch"
PKG_CONFIG_PATH="$work/srtp/lib/pkgconfig" meson setup "$work/build" "$work/worker" \
  --buildtype=release -Db_ndebug=true -Dms_use_builtin_bwe=true --wrap-mode=nodownload >"$work/meson.log" 2>&1 ||
  { cat "$work/meson.log" >&2; exit 1; }
ninja -C "$work/build" -j"$jobs" mediasoup-worker >"$work/ninja.log" 2>&1 || { tail -50 "$work/ninja.log" >&2; exit 1; }

mkdir -p "$cache"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$work/build/mediasoup-worker" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/mediasoup-worker"
