// A CloudEvents binder in C: binary-mode CloudEvents over wasi:http.
//
// It exports `wasi:http/incoming-handler` and imports the app's
// `bindery:cloudevents/handler`, exactly as the Rust http-cloudevents binder
// does; `wit-bindgen c` generates `http_binder.h` from the repository's WIT.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_binder.h"

// The largest body this binder reads.
#define MAX_BODY (1 << 20)
// `blocking-write-and-flush` takes at most this many bytes per call.
#define WRITE_CHUNK 4096
// The most `ce-` headers one request may carry.
#define MAX_ATTRIBUTES 64

typedef http_binder_string_t string_t;

// A growable byte buffer.
typedef struct {
  uint8_t *ptr;
  size_t len;
  size_t cap;
} buffer_t;

static void buffer_push(buffer_t *buffer, const void *bytes, size_t len) {
  if (buffer->len + len > buffer->cap) {
    buffer->cap = (buffer->len + len) * 2 + 64;
    buffer->ptr = realloc(buffer->ptr, buffer->cap);
    if (buffer->ptr == NULL) abort();
  }
  memcpy(buffer->ptr + buffer->len, bytes, len);
  buffer->len += len;
}

static void buffer_text(buffer_t *buffer, const char *text) {
  buffer_push(buffer, text, strlen(text));
}

// One decoded `ce-` header: the attribute name and its value.
typedef struct {
  char name[64];
  buffer_t value;
} attribute_t;

// An HTTP error answer: a status, a problem kind and a short reason.
typedef struct {
  uint16_t status;
  const char *error;
  char detail[256];
} rejection_t;

static bool reject(rejection_t *rejection, uint16_t status, const char *error, const char *detail) {
  rejection->status = status;
  rejection->error = error;
  snprintf(rejection->detail, sizeof rejection->detail, "%s", detail);
  return false;
}

static bool invalid(rejection_t *rejection, const char *format, const char *argument) {
  char detail[200];
  snprintf(detail, sizeof detail, format, argument);
  return reject(rejection, 400, "invalid-event", detail);
}

static bool starts_with_ignoring_case(const uint8_t *text, size_t len, const char *prefix) {
  size_t prefix_len = strlen(prefix);
  if (len < prefix_len) return false;
  for (size_t i = 0; i < prefix_len; i++) {
    uint8_t c = text[i];
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c != (uint8_t)prefix[i]) return false;
  }
  return true;
}

static int hex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether `bytes` is well-formed UTF-8 (no overlong forms or surrogates).
static bool valid_utf8(const uint8_t *bytes, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t c = bytes[i];
    size_t extra;
    uint32_t min, code;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { extra = 1; min = 0x80; code = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; min = 0x800; code = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; min = 0x10000; code = c & 0x07; }
    else return false;
    if (i + extra >= len) return false;
    for (size_t k = 1; k <= extra; k++) {
      if ((bytes[i + k] & 0xC0) != 0x80) return false;
      code = (code << 6) | (bytes[i + k] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Unquotes a whole quoted-string, then percent-decodes it as UTF-8; a `%`
// that starts no escape stays as it is.
static bool decode_value(const uint8_t *raw, size_t len, buffer_t *out) {
  if (len >= 2 && raw[0] == '"' && raw[len - 1] == '"') {
    raw++;
    len -= 2;
  }
  for (size_t i = 0; i < len; i++) {
    int high = i + 2 < len ? hex_digit(raw[i + 1]) : -1;
    int low = i + 2 < len ? hex_digit(raw[i + 2]) : -1;
    if (raw[i] == '%' && high >= 0 && low >= 0) {
      uint8_t byte = (uint8_t)(high * 16 + low);
      buffer_push(out, &byte, 1);
      i += 2;
    } else {
      buffer_push(out, &raw[i], 1);
    }
  }
  return valid_utf8(out->ptr, out->len);
}

// Percent-encodes a value for a `ce-` header: printable ASCII but space,
// `"` and `%` stays as it is.
static void encode_value(const uint8_t *value, size_t len, buffer_t *out) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    uint8_t c = value[i];
    if (c > 0x20 && c < 0x7F && c != '"' && c != '%') {
      buffer_push(out, &c, 1);
    } else {
      char escape[3] = {'%', hex[c >> 4], hex[c & 15]};
      buffer_push(out, escape, 3);
    }
  }
}

static void base64(const uint8_t *bytes, size_t len, buffer_t *out) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < len; i += 3) {
    uint32_t group = (uint32_t)bytes[i] << 16;
    if (i + 1 < len) group |= (uint32_t)bytes[i + 1] << 8;
    if (i + 2 < len) group |= bytes[i + 2];
    char quad[4] = {alphabet[(group >> 18) & 63], alphabet[(group >> 12) & 63],
                    i + 1 < len ? alphabet[(group >> 6) & 63] : '=',
                    i + 2 < len ? alphabet[group & 63] : '='};
    buffer_push(out, quad, 4);
  }
}

static string_t as_string(const buffer_t *buffer) {
  return (string_t){buffer->ptr, buffer->len};
}

static bool is_context_attribute(const char *name) {
  static const char *names[] = {"specversion", "id", "source", "type", "dataschema", "subject", "time"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(name, names[i]) == 0) return true;
  return false;
}

static const attribute_t *find(const attribute_t *attributes, size_t count, const char *name) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(attributes[i].name, name) == 0) return &attributes[i];
  return NULL;
}

static http_binder_option_string_t optional(const attribute_t *attributes, size_t count, const char *name) {
  const attribute_t *attribute = find(attributes, count, name);
  http_binder_option_string_t option = {attribute != NULL, {0}};
  if (attribute) option.val = as_string(&attribute->value);
  return option;
}

// Reads the whole body, up to MAX_BODY bytes.
static bool read_body(wasi_http_types_borrow_incoming_request_t request, buffer_t *body, rejection_t *rejection) {
  wasi_http_types_own_incoming_body_t incoming;
  wasi_io_streams_own_input_stream_t stream;
  if (!wasi_http_types_method_incoming_request_consume(request, &incoming))
    return reject(rejection, 400, "bad-request", "the request body could not be read");
  if (!wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(incoming), &stream))
    return reject(rejection, 400, "bad-request", "the request body could not be read");
  bool ok = true;
  for (;;) {
    http_binder_list_u8_t chunk;
    wasi_io_streams_stream_error_t error;
    if (!wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(stream), 65536, &chunk, &error)) {
      if (error.tag != WASI_IO_STREAMS_STREAM_ERROR_CLOSED)
        ok = reject(rejection, 400, "bad-request", "the request body could not be read");
      break;
    }
    if (body->len + chunk.len > MAX_BODY) {
      http_binder_list_u8_free(&chunk);
      ok = reject(rejection, 413, "payload-too-large", "the body is larger than 1048576 bytes");
      break;
    }
    buffer_push(body, chunk.ptr, chunk.len);
    http_binder_list_u8_free(&chunk);
  }
  wasi_io_streams_input_stream_drop_own(stream);
  wasi_http_types_future_trailers_drop_own(wasi_http_types_static_incoming_body_finish(incoming));
  return ok;
}

static void append_header(wasi_http_types_borrow_fields_t fields, const char *name, const uint8_t *value, size_t len) {
  wasi_http_types_field_name_t field_name = {(uint8_t *)name, strlen(name)};
  wasi_http_types_field_value_t field_value = {(uint8_t *)value, len};
  wasi_http_types_header_error_t error;
  wasi_http_types_method_fields_append(fields, &field_name, &field_value, &error);
}

static void append_attribute(wasi_http_types_borrow_fields_t fields, const char *name, const uint8_t *value, size_t len) {
  char header[80];
  buffer_t encoded = {0};
  snprintf(header, sizeof header, "ce-%s", name);
  encode_value(value, len, &encoded);
  append_header(fields, header, encoded.ptr, encoded.len);
  free(encoded.ptr);
}

// An extension value in its canonical string form.
static void text_of(const bindery_cloudevents_types_attribute_value_t *value, buffer_t *out) {
  char number[16];
  switch (value->tag) {
    case BINDERY_CLOUDEVENTS_TYPES_ATTRIBUTE_VALUE_BOOLEAN:
      buffer_text(out, value->val.boolean ? "true" : "false");
      break;
    case BINDERY_CLOUDEVENTS_TYPES_ATTRIBUTE_VALUE_INTEGER:
      snprintf(number, sizeof number, "%d", (int)value->val.integer);
      buffer_text(out, number);
      break;
    case BINDERY_CLOUDEVENTS_TYPES_ATTRIBUTE_VALUE_BINARY:
      base64(value->val.binary.ptr, value->val.binary.len, out);
      break;
    default:
      // Every other case is text, and shares the string's layout.
      buffer_push(out, value->val.string.ptr, value->val.string.len);
  }
}

static void send(wasi_http_types_own_response_outparam_t response_out, wasi_http_types_own_fields_t fields,
                 uint16_t status, const uint8_t *body, size_t len) {
  wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(fields);
  wasi_http_types_method_outgoing_response_set_status_code(wasi_http_types_borrow_outgoing_response(response), status);
  wasi_http_types_own_outgoing_body_t outgoing;
  wasi_http_types_method_outgoing_response_body(wasi_http_types_borrow_outgoing_response(response), &outgoing);
  wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false, .val.ok = response};
  wasi_http_types_static_response_outparam_set(response_out, &result);
  wasi_io_streams_own_output_stream_t stream;
  if (wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(outgoing), &stream)) {
    for (size_t start = 0; start < len; start += WRITE_CHUNK) {
      size_t size = len - start < WRITE_CHUNK ? len - start : WRITE_CHUNK;
      http_binder_list_u8_t chunk = {(uint8_t *)body + start, size};
      wasi_io_streams_stream_error_t error;
      if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(stream), &chunk, &error))
        break;
    }
    wasi_io_streams_output_stream_drop_own(stream);
  }
  wasi_http_types_error_code_t error;
  wasi_http_types_static_outgoing_body_finish(outgoing, NULL, &error);
}

// Writes `text` as a JSON string.
static void json_string(buffer_t *out, const char *text) {
  buffer_text(out, "\"");
  for (const char *c = text; *c; c++) {
    char escape[8];
    if (*c == '"' || *c == '\\') {
      escape[0] = '\\';
      escape[1] = *c;
      buffer_push(out, escape, 2);
    } else if ((unsigned char)*c < 0x20) {
      snprintf(escape, sizeof escape, "\\u%04x", (unsigned char)*c);
      buffer_text(out, escape);
    } else {
      buffer_push(out, c, 1);
    }
  }
  buffer_text(out, "\"");
}

static void send_rejection(wasi_http_types_own_response_outparam_t response_out, const rejection_t *rejection) {
  buffer_t problem = {0};
  buffer_text(&problem, "{\"error\":");
  json_string(&problem, rejection->error);
  buffer_text(&problem, ",\"detail\":");
  json_string(&problem, rejection->detail);
  buffer_text(&problem, "}");
  wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
  wasi_http_types_borrow_fields_t borrowed = wasi_http_types_borrow_fields(fields);
  append_header(borrowed, "content-type", (const uint8_t *)"application/json", 16);
  if (rejection->status == 405) append_header(borrowed, "allow", (const uint8_t *)"POST", 4);
  send(response_out, fields, rejection->status, problem.ptr, problem.len);
  free(problem.ptr);
}

// Calls the app with a decoded event and sends its answer; a handler error
// becomes `rejection`.
static bool call_handler(bindery_cloudevents_types_event_t *event, wasi_http_types_own_response_outparam_t response_out,
                         rejection_t *rejection) {
  bindery_cloudevents_handler_option_event_t answer;
  bindery_cloudevents_handler_handler_error_t error;
  if (!bindery_cloudevents_handler_handle(event, &answer, &error)) {
    uint16_t status = error.tag == BINDERY_CLOUDEVENTS_TYPES_HANDLER_ERROR_INVALID       ? 400
                      : error.tag == BINDERY_CLOUDEVENTS_TYPES_HANDLER_ERROR_UNAVAILABLE ? 503
                                                                                         : 500;
    // Every case carries a string at the same place.
    char *reason = strndup((const char *)error.val.invalid.ptr, error.val.invalid.len);
    reject(rejection, status, "rejected-by-handler", reason);
    free(reason);
    bindery_cloudevents_handler_handler_error_free(&error);
    return false;
  }
  wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
  if (!answer.is_some) {
    send(response_out, fields, 204, NULL, 0);
    return true;
  }
  bindery_cloudevents_types_event_t *reply = &answer.val;
  wasi_http_types_borrow_fields_t borrowed = wasi_http_types_borrow_fields(fields);
  if (reply->datacontenttype.is_some)
    append_header(borrowed, "content-type", reply->datacontenttype.val.ptr, reply->datacontenttype.val.len);
  append_attribute(borrowed, "specversion", reply->specversion.ptr, reply->specversion.len);
  append_attribute(borrowed, "id", reply->id.ptr, reply->id.len);
  append_attribute(borrowed, "source", reply->source.ptr, reply->source.len);
  append_attribute(borrowed, "type", reply->type.ptr, reply->type.len);
  const struct { const char *name; http_binder_option_string_t *value; } optionals[] = {
      {"dataschema", &reply->dataschema}, {"subject", &reply->subject}, {"time", &reply->time}};
  for (size_t i = 0; i < 3; i++)
    if (optionals[i].value->is_some)
      append_attribute(borrowed, optionals[i].name, optionals[i].value->val.ptr, optionals[i].value->val.len);
  for (size_t i = 0; i < reply->extensions.len; i++) {
    bindery_cloudevents_types_extension_t *extension = &reply->extensions.ptr[i];
    char *name = strndup((const char *)extension->name.ptr, extension->name.len);
    buffer_t text = {0};
    text_of(&extension->value, &text);
    append_attribute(borrowed, name, text.ptr, text.len);
    free(text.ptr);
    free(name);
  }
  send(response_out, fields, 200, reply->data.is_some ? reply->data.val.ptr : NULL,
       reply->data.is_some ? reply->data.val.len : 0);
  bindery_cloudevents_handler_option_event_free(&answer);
  return true;
}

// Decodes the binary-mode event of `request` and answers it.
static bool respond(wasi_http_types_borrow_incoming_request_t request, wasi_http_types_own_response_outparam_t response_out,
                    rejection_t *rejection) {
  wasi_http_types_method_t method;
  wasi_http_types_method_incoming_request_method(request, &method);
  bool post = method.tag == WASI_HTTP_TYPES_METHOD_POST;
  wasi_http_types_method_free(&method);
  if (!post) return reject(rejection, 405, "method-not-allowed", "only POST is allowed");

  attribute_t attributes[MAX_ATTRIBUTES];
  size_t count = 0;
  http_binder_option_string_t content_type = {false, {0}};
  wasi_http_types_own_headers_t headers = wasi_http_types_method_incoming_request_headers(request);
  wasi_http_types_list_tuple2_field_name_field_value_t entries;
  wasi_http_types_method_fields_entries(wasi_http_types_borrow_fields(headers), &entries);
  bool ok = true;
  for (size_t i = 0; ok && i < entries.len; i++) {
    string_t name = entries.ptr[i].f0;
    wasi_http_types_field_value_t value = entries.ptr[i].f1;
    if (name.len == 12 && starts_with_ignoring_case(name.ptr, name.len, "content-type")) {
      if (starts_with_ignoring_case(value.ptr, value.len, "application/cloudevents")) {
        ok = reject(rejection, 415, "unsupported-media-type", "this binder reads binary-mode events only");
        break;
      }
      content_type = (http_binder_option_string_t){true, {value.ptr, value.len}};
      continue;
    }
    if (!starts_with_ignoring_case(name.ptr, name.len, "ce-")) continue;
    if (count == MAX_ATTRIBUTES || name.len - 3 >= sizeof attributes[0].name) {
      ok = invalid(rejection, "too many or too long `ce-` headers%s", "");
      break;
    }
    attribute_t *attribute = &attributes[count];
    for (size_t k = 3; k < name.len; k++) {
      uint8_t c = name.ptr[k];
      attribute->name[k - 3] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    attribute->name[name.len - 3] = '\0';
    attribute->value = (buffer_t){0};
    if (strcmp(attribute->name, "datacontenttype") == 0) {
      ok = invalid(rejection, "`ce-datacontenttype` is not allowed; the Content-Type header carries it%s", "");
    } else if (find(attributes, count, attribute->name)) {
      ok = invalid(rejection, "header `ce-%s` appears more than once", attribute->name);
    } else if (!decode_value(value.ptr, value.len, &attribute->value)) {
      ok = invalid(rejection, "header `ce-%s` does not percent-decode to UTF-8", attribute->name);
    }
    count++;
  }
  if (ok && count == 0) ok = reject(rejection, 415, "unsupported-media-type", "not a binary-mode CloudEvent: no ce- headers");
  static const char *required[] = {"specversion", "id", "source", "type"};
  for (size_t i = 0; ok && i < 4; i++) {
    const attribute_t *attribute = find(attributes, count, required[i]);
    if (attribute == NULL || attribute->value.len == 0)
      ok = invalid(rejection, "header `ce-%s` is required but missing", required[i]);
  }
  const attribute_t *specversion = ok ? find(attributes, count, "specversion") : NULL;
  if (ok && (specversion->value.len != 3 || memcmp(specversion->value.ptr, "1.0", 3) != 0))
    ok = invalid(rejection, "specversion is not supported (1.0 is)%s", "");
  bindery_cloudevents_types_extension_t extensions[MAX_ATTRIBUTES];
  size_t extension_count = 0;
  for (size_t i = 0; ok && i < count; i++) {
    if (is_context_attribute(attributes[i].name)) continue;
    if (strspn(attributes[i].name, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(attributes[i].name)) {
      ok = invalid(rejection, "`%s` is not a valid attribute name", attributes[i].name);
      break;
    }
    extensions[extension_count].name = (string_t){(uint8_t *)attributes[i].name, strlen(attributes[i].name)};
    extensions[extension_count].value.tag = BINDERY_CLOUDEVENTS_TYPES_ATTRIBUTE_VALUE_STRING;
    extensions[extension_count].value.val.string = as_string(&attributes[i].value);
    extension_count++;
  }
  buffer_t body = {0};
  if (ok) ok = read_body(request, &body, rejection);
  if (ok) {
    bindery_cloudevents_types_event_t event = {
        .id = as_string(&find(attributes, count, "id")->value),
        .source = as_string(&find(attributes, count, "source")->value),
        .specversion = as_string(&specversion->value),
        .type = as_string(&find(attributes, count, "type")->value),
        .datacontenttype = content_type,
        .dataschema = optional(attributes, count, "dataschema"),
        .subject = optional(attributes, count, "subject"),
        .time = optional(attributes, count, "time"),
        .extensions = {extensions, extension_count},
        .data = {body.len > 0, {body.ptr, body.len}},
    };
    ok = call_handler(&event, response_out, rejection);
  }
  free(body.ptr);
  for (size_t i = 0; i < count; i++) free(attributes[i].value.ptr);
  wasi_http_types_list_tuple2_field_name_field_value_free(&entries);
  wasi_http_types_fields_drop_own(headers);
  return ok;
}

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t response_out) {
  rejection_t rejection;
  if (!respond(wasi_http_types_borrow_incoming_request(request), response_out, &rejection))
    send_rejection(response_out, &rejection);
  wasi_http_types_incoming_request_drop_own(request);
}
