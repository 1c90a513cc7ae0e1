"""An app in Python: it answers every CloudEvent with the event itself.

The tests compose it behind the Rust http-cloudevents binder and run the
CloudEvents conformance cases through it.
"""

from wit_world import exports


class Handler(exports.Handler):
    """The `bindery:cloudevents/handler` export."""

    def handle(self, event):
        return event
