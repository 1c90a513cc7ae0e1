#!/bin/sh
# Builds the stage component: ./build.sh [OUTPUT.wasm]
# Needs the wasm32-wasip2 target (rustup target add wasm32-wasip2).
set -eu
cd "$(dirname "$0")"
cargo build --quiet --target wasm32-wasip2 --release
cp "${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/{{crate}}.wasm" "${1:-{{name}}.wasm}"
