// A CloudEvents binder in JavaScript: binary-mode CloudEvents over wasi:http.
//
// StarlingMonkey turns each wasi:http request into a `fetch` event; this
// module answers it by calling the app's `bindery:cloudevents/handler`, which
// `bindery compose` links in, exactly as for the Rust binder.

import { handle } from 'bindery:cloudevents/handler@0.1.0';

// Context attributes with a header of their own; every other `ce-` header is
// an extension.
const REQUIRED = ['specversion', 'id', 'source', 'type'];
const OPTIONAL = ['dataschema', 'subject', 'time'];
const EXTENSION_NAME = /^[a-z0-9]+$/;
// The largest body this binder reads.
const MAX_BODY = 1 << 20;
// The handler's error cases and their statuses.
const HANDLER_STATUS = { invalid: 400, unavailable: 503, internal: 500 };

// An HTTP error answer: a status, a problem kind and a short reason.
class Rejection extends Error {
  constructor(status, error, detail, headers = {}) {
    super(detail);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

// A 400 for an event that breaks the spec.
function invalid(detail) {
  return new Rejection(400, 'invalid-event', detail);
}

// Percent-decodes a `ce-` header value (its characters are the header's
// bytes) as UTF-8; a `%` that starts no escape stays as it is.
function decodeValue(name, raw) {
  let text = raw;
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    text = text.slice(1, -1);
  }
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const escape = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(escape)) {
      bytes.push(parseInt(escape, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw invalid(`header \`${name}\` does not percent-decode to UTF-8`);
  }
}

// Percent-encodes a value for a `ce-` header: printable ASCII but space,
// `"` and `%` stays as it is.
function encodeValue(value) {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    const printable = byte > 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x25;
    out += printable ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// The event of a binary-mode request.
function decode(headers, body) {
  const attributes = new Map();
  for (const [name, raw] of headers) {
    if (!name.startsWith('ce-')) continue;
    const attribute = name.slice(3);
    if (attribute === 'datacontenttype') {
      throw invalid('`ce-datacontenttype` is not allowed; the Content-Type header carries it');
    }
    attributes.set(attribute, decodeValue(name, raw));
  }
  if (attributes.size === 0) {
    throw new Rejection(415, 'unsupported-media-type', 'not a binary-mode CloudEvent: no ce- headers');
  }
  for (const name of REQUIRED) {
    if (!attributes.get(name)) throw invalid(`header \`ce-${name}\` is required but missing`);
  }
  if (attributes.get('specversion') !== '1.0') {
    throw invalid(`specversion \`${attributes.get('specversion')}\` is not supported (1.0 is)`);
  }
  const extensions = [];
  for (const [name, value] of attributes) {
    if (REQUIRED.includes(name) || OPTIONAL.includes(name)) continue;
    if (!EXTENSION_NAME.test(name)) throw invalid(`\`${name}\` is not a valid attribute name`);
    extensions.push({ name, value: { tag: 'string', val: value } });
  }
  return {
    id: attributes.get('id'),
    source: attributes.get('source'),
    specversion: attributes.get('specversion'),
    type: attributes.get('type'),
    datacontenttype: headers.get('content-type') ?? undefined,
    dataschema: attributes.get('dataschema'),
    subject: attributes.get('subject'),
    time: attributes.get('time'),
    extensions,
    data: body.length > 0 ? body : undefined,
  };
}

// An extension value in its canonical string form.
function textOf(value) {
  switch (value.tag) {
    case 'boolean':
      return value.val ? 'true' : 'false';
    case 'integer':
      return String(value.val);
    case 'binary':
      return btoa(String.fromCharCode(...value.val));
    default:
      return value.val;
  }
}

// The headers of a binary-mode answer.
function encode(event) {
  const headers = new Headers();
  if (event.datacontenttype !== undefined) headers.set('content-type', event.datacontenttype);
  const attributes = [
    ['specversion', event.specversion], ['id', event.id], ['source', event.source],
    ['type', event.type], ['dataschema', event.dataschema], ['subject', event.subject],
    ['time', event.time],
    ...event.extensions.map((extension) => [extension.name, textOf(extension.value)]),
  ];
  for (const [name, value] of attributes) {
    if (value !== undefined) headers.set(`ce-${name}`, encodeValue(value));
  }
  return headers;
}

async function respond(request) {
  if (request.method !== 'POST') {
    throw new Rejection(405, 'method-not-allowed', 'only POST is allowed', { allow: 'POST' });
  }
  const contentType = (request.headers.get('content-type') ?? '').toLowerCase();
  if (contentType.startsWith('application/cloudevents')) {
    throw new Rejection(415, 'unsupported-media-type', 'this binder reads binary-mode events only');
  }
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_BODY) {
    throw new Rejection(413, 'payload-too-large', `the body is larger than ${MAX_BODY} bytes`);
  }
  const event = decode(request.headers, body);
  let answer;
  try {
    answer = handle(event);
  } catch (error) {
    const reason = error.payload;
    if (reason === undefined) throw error;
    throw new Rejection(HANDLER_STATUS[reason.tag] ?? 500, 'rejected-by-handler', reason.val);
  }
  if (answer === undefined || answer === null) return new Response(null, { status: 204 });
  return new Response(answer.data ?? null, { status: 200, headers: encode(answer) });
}

addEventListener('fetch', (event) =>
  event.respondWith(
    respond(event.request).catch((error) => {
      if (!(error instanceof Rejection)) throw error;
      const problem = JSON.stringify({ error: error.error, detail: error.message });
      return new Response(problem, {
        status: error.status,
        headers: { 'content-type': 'application/json', ...error.headers },
      });
    }),
  ),
);
