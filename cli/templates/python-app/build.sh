#!/bin/sh
# Builds the app component: ./build.sh [OUTPUT.wasm]
# Needs componentize-py on PATH (pip install componentize-py).
# WORLD=sending-app ./build.sh builds an app that may also send events
# (events.send); its manifest then names a sink in
# [component.{{name}}.dependencies].
set -eu
cd "$(dirname "$0")"
componentize-py -d wit -w "bindery:cloudevents/${WORLD:-app}" componentize app -o "${1:-{{name}}.wasm}"
