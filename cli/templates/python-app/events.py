"""Conveniences for a CloudEvents app: JSON data, new events, and sending.

`new_event` fills in `id` (a random UUID) and `time` (now, in UTC); the
binder validates every event the app returns, as it validates the ones it
delivers. `send` needs the app built for the `sending-app` world
(`WORLD=sending-app ./build.sh`) and a sink in the manifest.
"""

import json
import uuid
from datetime import datetime, timezone

try:
    from wit_world.exports.types import Event
except ImportError:
    # The sending-app world: the contract's types come in with the sender.
    from wit_world.imports.types import Event

JSON = "application/json"


def json_data(event):
    """The event's data, parsed as JSON (its datacontenttype must be JSON, or absent)."""
    content_type = (event.datacontenttype or JSON).split(";")[0].strip().lower()
    if content_type != JSON and not content_type.endswith("+json"):
        raise ValueError(f"the data is {content_type}, not JSON")
    if event.data is None:
        raise ValueError("the event has no data")
    return json.loads(bytes(event.data))


def now():
    """Now, as an RFC 3339 timestamp in UTC."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_event(type_, source, *, data=None, subject=None, id=None, time=None, extensions=()):
    """A new event of type `type_` from `source`, with `data` as JSON if given."""
    return Event(
        id=id or str(uuid.uuid4()),
        source=source,
        specversion="1.0",
        type=type_,
        datacontenttype=JSON if data is not None else None,
        dataschema=None,
        subject=subject,
        time=time or now(),
        extensions=list(extensions),
        data=json.dumps(data).encode() if data is not None else None,
    )


class SendError(Exception):
    """The sink did not take the event: `kind` is `refused`, `unreachable`
    or `invalid`, and the message says why."""

    def __init__(self, kind, reason):
        super().__init__(f"{kind}: {reason}")
        self.kind = kind


def send(event):
    """Sends `event` through the component's sink and waits for the sink to
    take it; raises SendError if it does not."""
    try:
        from wit_world.imports import sender
    except ImportError as err:
        raise RuntimeError(
            "send needs the app built for the sending-app world: WORLD=sending-app ./build.sh"
        ) from err
    from componentize_py_types import Err

    try:
        sender.send(event)
    except Err as err:
        kind = type(err.value).__name__.rsplit("_", 1)[-1].lower()
        raise SendError(kind, err.value.value) from err
