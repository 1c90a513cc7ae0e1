// {{name}}: a CloudEvents app component in JavaScript.
//
// It exports `bindery:cloudevents/handler` and holds no HTTP code: a binder,
// linked in by `bindery compose`, turns requests into calls of `handle`.

// Conveniences for a CloudEvents app: JSON data, new events, and sending.
// `newEvent` fills in `id` (a random UUID) and `time` (now); the binder
// validates every event the app returns, as it validates the ones it
// delivers. `send` needs the app built for the `sending-app` world
// (`WORLD=sending-app ./build.sh`) and a sink in the manifest.
const JSON_TYPE = 'application/json';

export function jsonData(event) {
  const contentType = (event.datacontenttype ?? JSON_TYPE).split(';')[0].trim().toLowerCase();
  if (contentType !== JSON_TYPE && !contentType.endsWith('+json')) {
    throw new Error(`the data is ${contentType}, not JSON`);
  }
  if (event.data === undefined) {
    throw new Error('the event has no data');
  }
  return JSON.parse(new TextDecoder().decode(event.data));
}

export function newEvent(type, source, { data, subject, id, time, extensions = [] } = {}) {
  return {
    id: id ?? crypto.randomUUID(),
    source,
    specversion: '1.0',
    type,
    datacontenttype: data === undefined ? undefined : JSON_TYPE,
    dataschema: undefined,
    subject,
    time: time ?? new Date().toISOString(),
    extensions,
    data: data === undefined ? undefined : new TextEncoder().encode(JSON.stringify(data)),
  };
}

// Sends `event` through the component's sink and waits for the sink to take
// it; throws { tag: 'refused' | 'unreachable' | 'invalid', val: 'why' } if
// it does not.
export function send(event) {
  if (globalThis.binderySinkSend === undefined) {
    throw new Error('send needs the app built for the sending-app world: WORLD=sending-app ./build.sh');
  }
  globalThis.binderySinkSend(event);
}

export const handler = {
  // Answers `com.example.ping` with a new `com.example.pong` event carrying
  // the ping's JSON data, sends a `com.example.notified` event for each
  // `com.example.notify` through the sink and answers nothing, and answers
  // every other event with itself. Return
  // undefined to answer with nothing (HTTP 204), or throw
  // { tag: 'invalid', val: 'why' } to refuse an event (400).
  handle(event) {
    if (event.type === 'com.example.ping') {
      return newEvent('com.example.pong', '/{{name}}', { data: { pong: jsonData(event) } });
    }
    if (event.type === 'com.example.notify') {
      // Needs WORLD=sending-app ./build.sh and a sink (see send).
      send(newEvent('com.example.notified', '/{{name}}', { data: jsonData(event) }));
      return undefined;
    }
    return event;
  },
};
