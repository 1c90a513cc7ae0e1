// {{name}}: a CloudEvents app component in JavaScript.
//
// It exports `bindery:cloudevents/handler` and holds no HTTP code: a binder,
// linked in by `bindery compose`, turns requests into calls of `handle`.

export const handler = {
  // Answers every event with the event itself. Return undefined to answer
  // with nothing (HTTP 204), or throw { tag: 'invalid', val: 'why' } to
  // refuse an event (400).
  handle(event) {
    return event;
  },
};
