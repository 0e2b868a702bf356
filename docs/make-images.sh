#!/usr/bin/env bash
# Regenerates the example diagrams shown in README.md, from a build in
# build/: the session lifecycle and message sequence of the bundled
# persistent-session scenario, the generic MQTT 5 lifecycle, and a
# screenshot of that scenario's report.html (needs chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/sessim run --quiet --render png --out "$tmp" scenarios/03-persistent-session.scn
cp "$tmp/03-persistent-session/sequence.png" docs/img/persistent-session-sequence.png
cp "$tmp/03-persistent-session/lifecycle-sub.png" docs/img/persistent-session-lifecycle.png
build/sessim render lifecycle --mqtt 5 --render png --out docs/img/lifecycle-mqtt5.png
# A report.html, as a browser shows it at step 45 (the subscriber away, two
# messages waiting in its session): headless Chromium, from file://.
build/sessim run --quiet --report --out "$tmp" scenarios/03-persistent-session.scn
sandbox=()
[ "$(id -u)" -eq 0 ] && sandbox=(--no-sandbox)
chromium --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1280,900 \
  --screenshot=docs/img/report.png \
  "file://$tmp/03-persistent-session/report.html#step=45" 2>/dev/null
