// Package export_wasi_http_incoming_handler is a CloudEvents binder in Go:
// binary-mode CloudEvents over wasi:http.
//
// It exports `wasi:http/incoming-handler` and imports the app's
// `bindery:cloudevents/handler`, exactly as the Rust http-cloudevents binder
// does; `wit-bindgen go` generates the packages it imports from the
// repository's WIT, and this package is the export they call.
package export_wasi_http_incoming_handler

import (
	"encoding/base64"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	witRuntime "go.bytecodealliance.org/pkg/wit/runtime"
	witTypes "go.bytecodealliance.org/pkg/wit/types"

	"wit_component/bindery_cloudevents_handler"
	"wit_component/bindery_cloudevents_types"
	"wit_component/wasi_http_types"
	"wit_component/wasi_io_streams"
)

const (
	// The largest body this binder reads.
	maxBody = 1 << 20
	// How many bytes one read of the body asks for.
	readChunk = 65536
	// `blocking-write-and-flush` takes at most this many bytes per call.
	writeChunk = 4096
	// The most `ce-` headers one request may carry.
	maxAttributes = 64
	// The longest attribute name, in bytes.
	maxNameLength = 63
	// The heap never triggers a collection below this size.
	minCollectAt = 4 << 20
)

// Go's collector reads the clocks, and a component may call no import while
// the host allocates in it (`cabi_realloc`, which the bindings implement with
// Go's allocator); so the collector never starts by itself, and runs between
// requests instead, once the heap has doubled.
func init() {
	debug.SetGCPercent(-1)
}

// The heap size at which the next collection runs.
var collectAt uint64 = minCollectAt

// The context attributes a `ce-` header may carry; every other name is an
// extension.
var contextAttributes = map[string]bool{
	"specversion": true, "id": true, "source": true, "type": true,
	"dataschema": true, "subject": true, "time": true,
}

// An HTTP error answer: a status, a problem kind and a short reason.
type rejection struct {
	status uint16
	kind   string
	detail string
}

func invalid(detail string) *rejection {
	return &rejection{400, "invalid-event", detail}
}

// Handle answers one request.
func Handle(request *wasi_http_types.IncomingRequest, responseOut *wasi_http_types.ResponseOutparam) {
	// The host wrote this request's headers and body into memory the
	// bindings keep pinned; nothing refers to it once the answer is sent.
	defer collect()
	defer witRuntime.Unpin()
	defer request.Drop()
	if rejected := respond(request, responseOut); rejected != nil {
		sendRejection(responseOut, rejected)
	}
}

// collect runs the collector if the heap has reached `collectAt`.
func collect() {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	if stats.HeapAlloc < collectAt {
		return
	}
	runtime.GC()
	runtime.ReadMemStats(&stats)
	collectAt = max(minCollectAt, 2*stats.HeapAlloc)
}

// respond decodes the binary-mode event of `request` and answers it, or
// says why it cannot.
func respond(request *wasi_http_types.IncomingRequest, responseOut *wasi_http_types.ResponseOutparam) *rejection {
	if request.Method().Tag() != wasi_http_types.MethodPost {
		return &rejection{405, "method-not-allowed", "only POST is allowed"}
	}
	headers := request.Headers()
	entries := headers.Entries()
	headers.Drop()

	contentType := witTypes.None[string]()
	attributes := make(map[string]string)
	var order []string
	for _, entry := range entries {
		name := strings.ToLower(entry.F0)
		if name == "content-type" {
			if hasPrefixFold(entry.F1, "application/cloudevents") {
				return &rejection{415, "unsupported-media-type", "this binder reads binary-mode events only"}
			}
			contentType = witTypes.Some(string(entry.F1))
			continue
		}
		attribute, found := strings.CutPrefix(name, "ce-")
		if !found {
			continue
		}
		if len(order) == maxAttributes || len(attribute) > maxNameLength {
			return invalid("too many or too long `ce-` headers")
		}
		if attribute == "datacontenttype" {
			return invalid("`ce-datacontenttype` is not allowed; the Content-Type header carries it")
		}
		if _, seen := attributes[attribute]; seen {
			return invalid("header `ce-" + attribute + "` appears more than once")
		}
		value, ok := decodeValue(entry.F1)
		if !ok {
			return invalid("header `ce-" + attribute + "` does not percent-decode to UTF-8")
		}
		attributes[attribute] = value
		order = append(order, attribute)
	}
	if len(order) == 0 {
		return &rejection{415, "unsupported-media-type", "not a binary-mode CloudEvent: no ce- headers"}
	}
	for _, name := range []string{"specversion", "id", "source", "type"} {
		if attributes[name] == "" {
			return invalid("header `ce-" + name + "` is required but missing")
		}
	}
	if attributes["specversion"] != "1.0" {
		return invalid("specversion is not supported (1.0 is)")
	}
	var extensions []bindery_cloudevents_types.Extension
	for _, name := range order {
		if contextAttributes[name] {
			continue
		}
		if !validName(name) {
			return invalid("`" + name + "` is not a valid attribute name")
		}
		extensions = append(extensions, bindery_cloudevents_types.Extension{
			Name:  name,
			Value: bindery_cloudevents_types.MakeAttributeValueString(attributes[name]),
		})
	}
	body, rejected := readBody(request)
	if rejected != nil {
		return rejected
	}
	data := witTypes.None[[]uint8]()
	if len(body) > 0 {
		data = witTypes.Some(body)
	}
	event := bindery_cloudevents_types.Event{
		Id:              attributes["id"],
		Source:          attributes["source"],
		Specversion:     attributes["specversion"],
		Type:            attributes["type"],
		Datacontenttype: contentType,
		Dataschema:      optional(attributes, "dataschema"),
		Subject:         optional(attributes, "subject"),
		Time:            optional(attributes, "time"),
		Extensions:      extensions,
		Data:            data,
	}
	return callHandler(event, responseOut)
}

// callHandler calls the app with `event` and sends its answer; a handler
// error becomes a rejection.
func callHandler(event bindery_cloudevents_types.Event, responseOut *wasi_http_types.ResponseOutparam) *rejection {
	result := bindery_cloudevents_handler.Handle(event)
	if result.IsErr() {
		failure := result.Err()
		switch failure.Tag() {
		case bindery_cloudevents_types.HandlerErrorInvalid:
			return &rejection{400, "rejected-by-handler", failure.Invalid()}
		case bindery_cloudevents_types.HandlerErrorUnavailable:
			return &rejection{503, "rejected-by-handler", failure.Unavailable()}
		default:
			return &rejection{500, "rejected-by-handler", failure.Internal()}
		}
	}
	answer := result.Ok()
	fields := wasi_http_types.MakeFields()
	if answer.IsNone() {
		send(responseOut, fields, 204, nil)
		return nil
	}
	reply := answer.Some()
	if reply.Datacontenttype.IsSome() {
		fields.Append("content-type", []byte(reply.Datacontenttype.Some()))
	}
	appendAttribute(fields, "specversion", reply.Specversion)
	appendAttribute(fields, "id", reply.Id)
	appendAttribute(fields, "source", reply.Source)
	appendAttribute(fields, "type", reply.Type)
	for _, attribute := range []struct {
		name  string
		value witTypes.Option[string]
	}{{"dataschema", reply.Dataschema}, {"subject", reply.Subject}, {"time", reply.Time}} {
		if attribute.value.IsSome() {
			appendAttribute(fields, attribute.name, attribute.value.Some())
		}
	}
	for _, extension := range reply.Extensions {
		appendAttribute(fields, extension.Name, textOf(extension.Value))
	}
	send(responseOut, fields, 200, reply.Data.SomeOr(nil))
	return nil
}

// readBody reads the whole body, up to maxBody bytes.
func readBody(request *wasi_http_types.IncomingRequest) ([]byte, *rejection) {
	unreadable := &rejection{400, "bad-request", "the request body could not be read"}
	consumed := request.Consume()
	if consumed.IsErr() {
		return nil, unreadable
	}
	incoming := consumed.Ok()
	opened := incoming.Stream()
	if opened.IsErr() {
		incoming.Drop()
		return nil, unreadable
	}
	stream := opened.Ok()
	var body []byte
	var rejected *rejection
	for {
		read := stream.BlockingRead(readChunk)
		if read.IsErr() {
			if read.Err().Tag() != wasi_io_streams.StreamErrorClosed {
				rejected = unreadable
			}
			break
		}
		chunk := read.Ok()
		if len(body)+len(chunk) > maxBody {
			rejected = &rejection{413, "payload-too-large", "the body is larger than 1048576 bytes"}
			break
		}
		body = append(body, chunk...)
	}
	stream.Drop()
	wasi_http_types.IncomingBodyFinish(incoming).Drop()
	return body, rejected
}

// send answers with `status`, the headers in `fields` and `body`.
func send(responseOut *wasi_http_types.ResponseOutparam, fields *wasi_http_types.Fields, status uint16, body []byte) {
	response := wasi_http_types.MakeOutgoingResponse(fields)
	response.SetStatusCode(status)
	outgoing := response.Body().Ok()
	wasi_http_types.ResponseOutparamSet(responseOut, witTypes.Ok[*wasi_http_types.OutgoingResponse, wasi_http_types.ErrorCode](response))
	if opened := outgoing.Write(); opened.IsOk() {
		stream := opened.Ok()
		for start := 0; start < len(body); start += writeChunk {
			if stream.BlockingWriteAndFlush(body[start:min(start+writeChunk, len(body))]).IsErr() {
				break
			}
		}
		stream.Drop()
	}
	wasi_http_types.OutgoingBodyFinish(outgoing, witTypes.None[*wasi_http_types.Fields]())
}

// sendRejection answers with the rejection's status and a JSON problem
// document.
func sendRejection(responseOut *wasi_http_types.ResponseOutparam, rejected *rejection) {
	problem, _ := json.Marshal(struct {
		Error  string `json:"error"`
		Detail string `json:"detail"`
	}{rejected.kind, rejected.detail})
	fields := wasi_http_types.MakeFields()
	fields.Append("content-type", []byte("application/json"))
	if rejected.status == 405 {
		fields.Append("allow", []byte("POST"))
	}
	send(responseOut, fields, rejected.status, problem)
}

// appendAttribute adds the `ce-` header of an attribute, its value
// percent-encoded.
func appendAttribute(fields *wasi_http_types.Fields, name string, value string) {
	fields.Append("ce-"+name, encodeValue(value))
}

// hasPrefixFold says whether `text` starts with the lower-case `prefix`,
// ignoring ASCII case.
func hasPrefixFold(text []byte, prefix string) bool {
	return len(text) >= len(prefix) && strings.EqualFold(string(text[:len(prefix)]), prefix)
}

// validName says whether `name` is an extension name: lower-case ASCII
// letters and digits.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// decodeValue unquotes a whole quoted-string, then percent-decodes it and
// checks that it is UTF-8; a `%` that starts no escape stays as it is.
func decodeValue(raw []byte) (string, bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	decoded := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		high, low := unhex(raw, i+1), unhex(raw, i+2)
		if raw[i] == '%' && high >= 0 && low >= 0 {
			decoded = append(decoded, byte(high<<4|low))
			i += 2
			continue
		}
		decoded = append(decoded, raw[i])
	}
	return string(decoded), utf8.Valid(decoded)
}

// unhex is the value of the hexadecimal digit at `raw[i]`, or -1.
func unhex(raw []byte, i int) int {
	if i >= len(raw) {
		return -1
	}
	switch c := raw[i]; {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// encodeValue percent-encodes a value for a `ce-` header: printable ASCII
// but space, `"` and `%` stays as it is.
func encodeValue(value string) []byte {
	const hex = "0123456789ABCDEF"
	encoded := make([]byte, 0, len(value))
	for _, c := range []byte(value) {
		if c > 0x20 && c < 0x7F && c != '"' && c != '%' {
			encoded = append(encoded, c)
		} else {
			encoded = append(encoded, '%', hex[c>>4], hex[c&15])
		}
	}
	return encoded
}

// textOf gives an extension value in its canonical string form.
func textOf(value bindery_cloudevents_types.AttributeValue) string {
	switch value.Tag() {
	case bindery_cloudevents_types.AttributeValueBoolean:
		return strconv.FormatBool(value.Boolean())
	case bindery_cloudevents_types.AttributeValueInteger:
		return strconv.Itoa(int(value.Integer()))
	case bindery_cloudevents_types.AttributeValueBinary:
		return base64.StdEncoding.EncodeToString(value.Binary())
	case bindery_cloudevents_types.AttributeValueUri:
		return value.Uri()
	case bindery_cloudevents_types.AttributeValueUriRef:
		return value.UriRef()
	case bindery_cloudevents_types.AttributeValueTimestamp:
		return value.Timestamp()
	default:
		return value.String()
	}
}

// optional is the attribute `name`, if the request carried it.
func optional(attributes map[string]string, name string) witTypes.Option[string] {
	if value, found := attributes[name]; found {
		return witTypes.Some(value)
	}
	return witTypes.None[string]()
}
