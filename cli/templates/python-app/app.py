"""{{name}}: a CloudEvents app component in Python.

It exports `bindery:cloudevents/handler` and holds no HTTP code: a binder,
linked in by `bindery compose`, turns requests into calls of `handle`.
"""

from wit_world import exports


class Handler(exports.Handler):
    """The `bindery:cloudevents/handler` export."""

    def handle(self, event):
        """Answers every event with the event itself.

        Return None to answer with nothing (HTTP 204), or raise
        `componentize_py_types.Err(HandlerError_Invalid("why"))` (from
        `wit_world.exports.types`) to refuse an event (400).
        """
        return event
