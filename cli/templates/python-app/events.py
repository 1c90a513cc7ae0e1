"""Conveniences for a CloudEvents app: JSON data and new events.

`new_event` fills in `id` (a random UUID) and `time` (now, in UTC); the
binder validates every event the app returns, as it validates the ones it
delivers.
"""

import json
import uuid
from datetime import datetime, timezone

from wit_world.exports.types import Event

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
