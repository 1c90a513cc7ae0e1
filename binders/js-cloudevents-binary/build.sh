#!/bin/sh
# Builds the binder component: ./build.sh [OUTPUT.wasm]
# Needs componentize-js on PATH (npm install @bytecodealliance/componentize-js).
set -eu
cd "$(dirname "$0")"
componentize-js app.js --wit wit -n http-binder -o "${1:-js-cloudevents-binary.wasm}"
