// {{name}}: a CloudEvents event stage in JavaScript.
//
// It stands between a binder and the app (or the next stage), handling each
// event first: `bindery compose` links it in when a binder executor names it
// in `stages`. It exports `bindery:cloudevents/handler` and imports the next
// one's.
import { handle as next } from 'bindery:cloudevents/handler@0.1.0';

// The answer that drops an event: the binder acknowledges it without a
// reply (HTTP 202, no NATS reply).
const DROPPED = 'dev.bindery.dropped';

export const handler = {
  // Drops `com.example.drop` events; passes every other event on with
  // `next`, after appending this stage's name to its `stages` extension.
  // A stage may also answer an event itself (return an event without
  // calling `next`), or refuse it: throw { tag: 'invalid', val: 'why' } (400).
  handle(event) {
    if (event.type === 'com.example.drop') {
      return { id: event.id, source: event.source, specversion: '1.0', type: DROPPED, extensions: [] };
    }
    const previous = event.extensions.find((extension) => extension.name === 'stages');
    const trail = previous ? `${previous.value.val},{{name}}` : '{{name}}';
    event.extensions = event.extensions.filter((extension) => extension.name !== 'stages');
    event.extensions.push({ name: 'stages', value: { tag: 'string', val: trail } });
    return next(event);
  },
};
