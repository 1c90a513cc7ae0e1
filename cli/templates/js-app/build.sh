#!/bin/sh
# Builds the app component: ./build.sh [OUTPUT.wasm]
# Needs componentize-js on PATH (npm install @bytecodealliance/componentize-js).
# WORLD=sending-app ./build.sh builds an app that may also send events
# (send in app.js); its manifest then names a sink in
# [component.{{name}}.dependencies].
set -eu
cd "$(dirname "$0")"
world="${WORLD:-app}"
source=app.js
if [ "$world" = sending-app ]; then
    # componentize-js reads one module, and keeps every import of the world:
    # the sender's import goes in front of app.js only for this world.
    source=.sending-app.js
    {
        echo "import { send as sinkSend } from 'bindery:cloudevents/sender@0.1.0';"
        echo "globalThis.binderySinkSend = sinkSend;"
        cat app.js
    } > "$source"
fi
componentize-js "$source" --wit wit -n "$world" -o "${1:-{{name}}.wasm}"
