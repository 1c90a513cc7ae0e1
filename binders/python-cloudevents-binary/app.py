"""A CloudEvents binder in Python: binary-mode CloudEvents over wasi:http.

It exports `wasi:http/incoming-handler` and imports the app's
`bindery:cloudevents/handler`, exactly as the Rust http-cloudevents binder
does, so `bindery compose` links it with any app unchanged.
"""

import base64
import json
import re
from urllib.parse import quote, unquote

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import handler, streams
from wit_world.imports import bindery_cloudevents_types as ce
from wit_world.imports import wasi_http_types as http

# Context attributes with a header of their own; everything else is an
# extension.
REQUIRED = ("specversion", "id", "source", "type")
OPTIONAL = ("dataschema", "subject", "time")
EXTENSION_NAME = re.compile(r"^[a-z0-9]+$")
# The largest body this binder reads.
MAX_BODY = 1 << 20
# `blocking-write-and-flush` takes at most this many bytes per call.
WRITE_CHUNK = 4096


class Rejection(Exception):
    """An HTTP error answer: a status, a problem kind and a short reason."""

    def __init__(self, status, error, detail, headers=()):
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = list(headers)


def invalid(detail):
    """A 400 for an event that breaks the spec."""
    return Rejection(400, "invalid-event", detail)


def header_value(raw, name):
    """Percent-decodes a `ce-` header value; invalid UTF-8 is refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid(f"header `{name}` is not valid UTF-8") from None
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise invalid(f"header `{name}` does not percent-decode to UTF-8") from None


def decode(headers, body):
    """The event of a binary-mode request."""
    attributes = {}
    content_type = None
    for name, raw in headers:
        lower = name.lower()
        if lower == "content-type":
            content_type = raw.decode("latin-1").strip()
        if not lower.startswith("ce-"):
            continue
        attribute = lower[3:]
        if attribute in attributes:
            raise invalid(f"header `{lower}` appears more than once")
        if attribute == "datacontenttype":
            raise invalid("`ce-datacontenttype` is not allowed; the Content-Type header carries it")
        attributes[attribute] = header_value(raw, lower)
    if not attributes:
        raise Rejection(415, "unsupported-media-type",
                        "not a binary-mode CloudEvent: no ce- headers")
    for name in REQUIRED:
        if not attributes.get(name):
            raise invalid(f"header `ce-{name}` is required but missing")
    if attributes["specversion"] != "1.0":
        raise invalid(f"specversion `{attributes['specversion']}` is not supported (1.0 is)")
    extensions = []
    for name, value in attributes.items():
        if name in REQUIRED or name in OPTIONAL:
            continue
        if not EXTENSION_NAME.match(name):
            raise invalid(f"`{name}` is not a valid attribute name")
        extensions.append(ce.Extension(name, ce.AttributeValue_String(value)))
    return ce.Event(
        id=attributes["id"],
        source=attributes["source"],
        specversion=attributes["specversion"],
        type=attributes["type"],
        datacontenttype=content_type,
        dataschema=attributes.get("dataschema"),
        subject=attributes.get("subject"),
        time=attributes.get("time"),
        extensions=extensions,
        data=body or None,
    )


def text_of(value):
    """An extension value in its canonical string form."""
    if isinstance(value, ce.AttributeValue_Boolean):
        return "true" if value.value else "false"
    if isinstance(value, ce.AttributeValue_Integer):
        return str(value.value)
    if isinstance(value, ce.AttributeValue_Binary):
        return base64.b64encode(value.value).decode("ascii")
    return value.value


def encode(event):
    """The headers and body of a binary-mode answer."""
    headers = []
    if event.datacontenttype is not None:
        headers.append(("content-type", event.datacontenttype))
    attributes = [("specversion", event.specversion), ("id", event.id),
                  ("source", event.source), ("type", event.type),
                  ("dataschema", event.dataschema), ("subject", event.subject),
                  ("time", event.time)]
    attributes += [(extension.name, text_of(extension.value)) for extension in event.extensions]
    for name, value in attributes:
        if value is not None:
            # Printable ASCII but space, `"` and `%` stays as is.
            headers.append((f"ce-{name}", quote(value, safe="!#$&'()*+,/:;<=>?@[\\]^`{|}~")))
    return headers, event.data or b""


def read_body(request):
    """The whole request body, up to MAX_BODY bytes (413 beyond)."""
    body = request.consume()
    stream = body.stream()
    chunks, size = [], 0
    try:
        while True:
            chunk = stream.blocking_read(65536)
            size += len(chunk)
            if size > MAX_BODY:
                raise Rejection(413, "payload-too-large", f"the body is larger than {MAX_BODY} bytes")
            chunks.append(chunk)
    except Err as err:
        if not isinstance(err.value, streams.StreamError_Closed):
            raise Rejection(400, "bad-request", "the request body could not be read") from None
    finally:
        stream.__exit__(None, None, None)
        http.IncomingBody.finish(body)
    return b"".join(chunks)


def respond(request):
    """The status, headers and body answering `request`."""
    method = request.method()
    if not isinstance(method, http.Method_Post):
        raise Rejection(405, "method-not-allowed", "only POST is allowed", [("allow", "POST")])
    headers = request.headers().entries()
    for name, raw in headers:
        if name.lower() == "content-type" and raw.lower().startswith(b"application/cloudevents"):
            raise Rejection(415, "unsupported-media-type",
                            "this binder reads binary-mode events only")
    event = decode(headers, read_body(request))
    try:
        answer = handler.handle(event)
    except Err as err:
        reason = err.value
        status = {ce.HandlerError_Invalid: 400, ce.HandlerError_Unavailable: 503}.get(type(reason), 500)
        raise Rejection(status, "rejected-by-handler", reason.value) from None
    if answer is None:
        return 204, [], b""
    headers, body = encode(answer)
    return 200, headers, body


def send(response_out, status, headers, body):
    """Sends the answer through `response_out`."""
    fields = http.Fields.from_list([(name, value.encode("utf-8")) for name, value in headers])
    response = http.OutgoingResponse(fields)
    response.set_status_code(status)
    outgoing = response.body()
    http.ResponseOutparam.set(response_out, Ok(response))
    stream = outgoing.write()
    for start in range(0, len(body), WRITE_CHUNK):
        stream.blocking_write_and_flush(body[start:start + WRITE_CHUNK])
    stream.__exit__(None, None, None)
    http.OutgoingBody.finish(outgoing, None)


class IncomingHandler(exports.IncomingHandler):
    """The wasi:http export: every request is answered, errors included."""

    def handle(self, request, response_out):
        try:
            status, headers, body = respond(request)
        except Rejection as rejection:
            problem = json.dumps({"error": rejection.error, "detail": rejection.detail})
            status = rejection.status
            headers = [("content-type", "application/json")] + rejection.headers
            body = problem.encode("utf-8")
        send(response_out, status, headers, body)
