#!/bin/sh
# Builds the stage component: ./build.sh [OUTPUT.wasm]
# Needs componentize-py on PATH (pip install componentize-py).
set -eu
cd "$(dirname "$0")"
componentize-py -d wit -w "bindery:cloudevents/stage" componentize app -o "${1:-{{name}}.wasm}"
