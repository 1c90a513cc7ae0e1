"""{{name}}: a CloudEvents event stage in Python.

It stands between a binder and the app (or the next stage), handling each
event first: `bindery compose` links it in when a binder executor names it
in `stages`. It exports `bindery:cloudevents/handler` and imports the next
one's; the two sides have types of their own, which `inward` and `outward`
convert between.
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import types as mine
from wit_world.imports import handler as next_stage
from wit_world.imports import types as theirs

# The answer that drops an event: the binder acknowledges it without a
# reply (HTTP 202, no NATS reply).
DROPPED = "dev.bindery.dropped"


def convert(event, to):
    """`event` as the `Event` of the types module `to`."""
    extensions = [
        to.Extension(e.name, getattr(to, type(e.value).__name__)(e.value.value))
        for e in event.extensions
    ]
    return to.Event(
        id=event.id, source=event.source, specversion=event.specversion, type=event.type,
        datacontenttype=event.datacontenttype, dataschema=event.dataschema,
        subject=event.subject, time=event.time, extensions=extensions, data=event.data,
    )


def next_handler(event):
    """Passes `event` on to the next stage, or the app, and returns its answer."""
    try:
        answer = next_stage.handle(convert(event, theirs))
    except Err as err:
        raise Err(getattr(mine, type(err.value).__name__)(err.value.value)) from None
    return None if answer is None else convert(answer, mine)


class Handler(exports.Handler):
    """The `bindery:cloudevents/handler` export."""

    def handle(self, event):
        """Drops `com.example.drop` events; passes every other event on,
        after appending this stage's name to its `stages` extension.

        A stage may also answer an event itself (return an event without
        calling `next_handler`), or refuse it:
        `raise Err(mine.HandlerError_Invalid("why"))` (400).
        """
        if event.type == "com.example.drop":
            return mine.Event(
                id=event.id, source=event.source, specversion="1.0", type=DROPPED,
                datacontenttype=None, dataschema=None, subject=None, time=None,
                extensions=[], data=None,
            )
        trail = "{{name}}"
        kept = []
        for extension in event.extensions:
            if extension.name == "stages":
                trail = f"{extension.value.value},{trail}"
            else:
                kept.append(extension)
        kept.append(mine.Extension("stages", mine.AttributeValue_String(trail)))
        event.extensions = kept
        return next_handler(event)
