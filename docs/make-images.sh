#!/usr/bin/env bash
# Regenerates the example diagrams shown in README.md, from a build in
# build/: the session lifecycle and message sequence of the bundled
# persistent-session scenario, and the generic MQTT 5 lifecycle.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/sessim run --quiet --render png --out "$tmp" scenarios/03-persistent-session.scn
cp "$tmp/03-persistent-session/sequence.png" docs/img/persistent-session-sequence.png
cp "$tmp/03-persistent-session/lifecycle-sub.png" docs/img/persistent-session-lifecycle.png
build/sessim render lifecycle --mqtt 5 --render png --out docs/img/lifecycle-mqtt5.png
