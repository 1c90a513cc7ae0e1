#!/bin/sh
# Builds the binder component: ./build.sh [OUTPUT.wasm]
# Needs componentize-py on PATH (pip install componentize-py).
set -eu
cd "$(dirname "$0")"
componentize-py -d ../../wit -w bindery:cloudevents/http-binder componentize app -o "${1:-python-cloudevents-binary.wasm}"
