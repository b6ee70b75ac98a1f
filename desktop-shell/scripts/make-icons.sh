#!/usr/bin/env bash
# Renders the app icon (assets/icon.svg) into what electron-builder and the window use: icon.png
# (512 px) and a multi-size icon.ico for Windows. Needs Debian's librsvg2-bin and icoutils.
# The results are committed; run this again after changing the SVG.
set -euo pipefail
cd "$(dirname "$0")/../assets"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for size in 16 24 32 48 64 128 256; do
  rsvg-convert -w "$size" -h "$size" icon.svg -o "$tmp/icon-$size.png"
done
rsvg-convert -w 512 -h 512 icon.svg -o icon.png
# The 256 px image is stored as PNG inside the .ico (-r), as Windows Vista and later expect.
icotool -c -o icon.ico "$tmp"/icon-{16,24,32,48,64,128}.png -r "$tmp/icon-256.png"
