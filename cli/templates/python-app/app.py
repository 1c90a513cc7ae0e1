"""{{name}}: a CloudEvents app component in Python.

It exports `bindery:cloudevents/handler` and holds no HTTP code: a binder,
linked in by `bindery compose`, turns requests into calls of `handle`.
"""

from wit_world import exports

import events


class Handler(exports.Handler):
    """The `bindery:cloudevents/handler` export."""

    def handle(self, event):
        """Answers `com.example.ping` with a new `com.example.pong` event
        carrying the ping's JSON data, sends a `com.example.notified` event
        for each `com.example.notify` through the sink and answers nothing,
        and answers every other event with itself.

        Return None to answer with nothing (HTTP 204), or raise
        `componentize_py_types.Err(HandlerError_Invalid("why"))` (from
        `wit_world.exports.types`, or `wit_world.imports.types` when built for
        the sending-app world) to refuse an event (400).
        """
        if event.type == "com.example.ping":
            return events.new_event(
                "com.example.pong", "/{{name}}", data={"pong": events.json_data(event)}
            )
        if event.type == "com.example.notify":
            # Needs WORLD=sending-app ./build.sh and a sink (see events.send).
            events.send(
                events.new_event(
                    "com.example.notified", "/{{name}}", data=events.json_data(event)
                )
            )
            return None
        return event
