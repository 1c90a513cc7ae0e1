#!/bin/sh
# Builds the app component: ./build.sh [OUTPUT.wasm]
# Needs the wasm32-wasip2 target (rustup target add wasm32-wasip2).
set -eu
cd "$(dirname "$0")"
# WORLD=sending-app ./build.sh turns on the feature of that name: the app may
# then send events, and its manifest names a sink.
features=""
if [ "${WORLD:-app}" = sending-app ]; then
    features="--features sending-app"
fi
cargo build --quiet --target wasm32-wasip2 --release $features
cp "${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/{{crate}}.wasm" "${1:-{{name}}.wasm}"
