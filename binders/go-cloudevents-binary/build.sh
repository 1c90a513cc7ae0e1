#!/bin/sh
# Builds the binder component: ./build.sh [OUTPUT.wasm]
# Needs Go 1.25 or later, wit-bindgen with its Go generator (cargo install
# wit-bindgen-cli --version 0.61.0 --features go) and bindery on PATH. The
# bindings need the Go module go.bytecodealliance.org/pkg, which `go mod
# tidy` fetches (GOPROXY may name a local module proxy).
set -eu
cd "$(dirname "$0")"
out="${1:-go-cloudevents-binary.wasm}"
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
wit-bindgen go ../../wit --world bindery:cloudevents/http-binder --out-dir "$gen" >"$gen/log" 2>&1 ||
  { cat "$gen/log" >&2; exit 1; }
mkdir "$gen/export_wasi_http_incoming_handler"
cp binder.go "$gen/export_wasi_http_incoming_handler/"
# The bindings' runtime links to runtime.sbrk, which Go allows only with
# -checklinkname=0.
(cd "$gen" && go mod tidy && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared \
  -trimpath -ldflags="-checklinkname=0 -s" -o binder.core.wasm .)
bindery componentize "$gen/binder.core.wasm" --wit ../../wit --world bindery:cloudevents/http-binder -o "$out"
