#!/bin/sh
# Builds the binder component: ./build.sh [OUTPUT.wasm]
# Needs wit-bindgen (cargo install wit-bindgen-cli), clang with wasi-libc
# (apt install clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc; CC picks
# another clang) and bindery on PATH.
set -eu
cd "$(dirname "$0")"
out="${1:-c-cloudevents-binary.wasm}"
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
wit-bindgen c ../../wit --world bindery:cloudevents/http-binder --out-dir "$gen" >/dev/null
"${CC:-clang-19}" --target=wasm32-wasi -mexec-model=reactor -Os -Wall -I "$gen" \
  -o "$gen/binder.core.wasm" binder.c "$gen/http_binder.c" "$gen/http_binder_component_type.o"
bindery componentize "$gen/binder.core.wasm" -o "$out"
