#!/bin/sh
# Builds the stage component: ./build.sh [OUTPUT.wasm]
# Needs componentize-js on PATH (npm install @bytecodealliance/componentize-js).
set -eu
cd "$(dirname "$0")"
componentize-js app.js --wit wit -n stage -o "${1:-{{name}}.wasm}"
