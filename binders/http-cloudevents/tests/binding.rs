//! The HTTP binding end to end in the codec: modes, status codes, problem
//! documents, the webhook handshake and configuration.

use bindery_http_cloudevents::{
    AttributeValue, BodyError, Config, Event, HandlerError, Rate, Reply, Response, ResponseMode,
    respond, respond_via_sink,
};
use serde_json::{Value, json};

type Headers = Vec<(String, Vec<u8>)>;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect()
}

fn binary_headers() -> Headers {
    headers(&[
        ("ce-specversion", "1.0"),
        ("ce-id", "42"),
        ("ce-source", "/orders"),
        ("ce-type", "com.example.order.created"),
        ("content-type", "application/json"),
    ])
}

/// Sends a request through the binder with an echoing handler; returns the
/// response and the events the handler saw.
fn send(config: &Config, method: &str, headers: &Headers, body: &[u8]) -> (Response, Vec<Event>) {
    let mut seen = Vec::new();
    let response = respond(
        config,
        method,
        headers,
        |_| Ok(body.to_vec()),
        |event| {
            seen.push(event.clone());
            Ok(Some(event))
        },
    );
    (response, seen)
}

fn post(headers: &Headers, body: &[u8]) -> (Response, Vec<Event>) {
    send(&Config::default(), "POST", headers, body)
}

fn problem(response: &Response) -> Value {
    assert_eq!(
        response.header_value("content-type"),
        Some(&b"application/json"[..])
    );
    serde_json::from_slice(&response.body).unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    std::str::from_utf8(
        response
            .header_value(name)
            .unwrap_or_else(|| panic!("no `{name}` header")),
    )
    .unwrap()
}

fn assert_problem(response: &Response, status: u16, error: &str, names: &str) {
    assert_eq!(
        response.status,
        status,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let problem = problem(response);
    assert_eq!(problem["error"], error);
    assert!(
        problem["detail"].as_str().unwrap().contains(names),
        "`{names}` in {problem}"
    );
}

#[test]
fn binary_in_binary_out() {
    let mut request = binary_headers();
    request.push(("CE-Traceparent".into(), b"00-abc-01".to_vec()));
    let (response, seen) = post(&request, b"not json, and that is fine");
    assert_eq!(response.status, 200);
    assert_eq!(seen[0].datacontenttype.as_deref(), Some("application/json"));
    assert_eq!(
        seen[0].data.as_deref(),
        Some(&b"not json, and that is fine"[..])
    );
    assert_eq!(
        seen[0].extension("traceparent"),
        Some(&AttributeValue::String("00-abc-01".into()))
    );
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(header(&response, "ce-id"), "42");
    assert_eq!(header(&response, "ce-traceparent"), "00-abc-01");
    assert_eq!(response.body, b"not json, and that is fine");
}

#[test]
fn an_empty_body_means_no_data() {
    let (response, seen) = post(&binary_headers(), b"");
    assert_eq!(response.status, 200);
    assert_eq!(seen[0].data, None);
}

#[test]
fn structured_in_structured_out() {
    let body = json!({
        "specversion": "1.0", "id": "1", "source": "/s", "type": "t",
        "datacontenttype": "application/json", "subject": null,
        "data": {"b": [1, 2]}
    });
    let request = headers(&[(
        "Content-Type",
        "Application/CloudEvents+JSON; charset=utf-8",
    )]);
    let (response, seen) = post(&request, body.to_string().as_bytes());
    assert_eq!(response.status, 200);
    assert_eq!(seen[0].subject, None, "null means unset");
    assert_eq!(seen[0].data.as_deref(), Some(&br#"{"b":[1,2]}"#[..]));
    assert_eq!(
        header(&response, "content-type"),
        "application/cloudevents+json"
    );
    let answer: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(answer["data"], json!({"b": [1, 2]}));
}

#[test]
fn structured_data_by_content_type() {
    let structured = headers(&[("content-type", "application/cloudevents+json")]);
    let event = |extra: Value| {
        let mut base = json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base.to_string().into_bytes()
    };
    let (_, seen) = post(
        &structured,
        &event(json!({"datacontenttype": "text/plain", "data": "hi"})),
    );
    assert_eq!(seen[0].data.as_deref(), Some(&b"hi"[..]));
    let (_, seen) = post(&structured, &event(json!({"data": "hi"})));
    assert_eq!(
        seen[0].data.as_deref(),
        Some(&b"\"hi\""[..]),
        "no datacontenttype means JSON"
    );
    let (_, seen) = post(&structured, &event(json!({"data_base64": "AAH/"})));
    assert_eq!(seen[0].data.as_deref(), Some(&[0, 1, 255][..]));
    let (response, _) = post(
        &structured,
        &event(json!({"datacontenttype": "text/plain", "data": {"a": 1}})),
    );
    assert_problem(&response, 400, "invalid-event", "`data`");
    let (response, _) = post(
        &structured,
        &event(json!({"data": 1, "data_base64": "AA=="})),
    );
    assert_problem(&response, 400, "invalid-event", "`data_base64`");
    let (response, _) = post(
        &structured,
        br#"{"specversion":"1.0","id":"1","id":"2","source":"/s","type":"t"}"#,
    );
    assert_problem(
        &response,
        400,
        "invalid-event",
        "`id` appears more than once",
    );
    let (response, _) = post(&structured, b"{not json");
    assert_problem(&response, 400, "invalid-event", "malformed JSON");
}

#[test]
fn specversion_0_3_is_up_converted() {
    let structured = headers(&[("content-type", "application/cloudevents+json")]);
    let body = json!({
        "specversion": "0.3", "id": "1", "source": "/s", "type": "t",
        "schemaurl": "https://example.com/schema", "datacontenttype": "application/octet-stream",
        "datacontentencoding": "base64", "data": "AAH/"
    });
    let (response, seen) = post(&structured, body.to_string().as_bytes());
    assert_eq!(response.status, 200);
    assert_eq!(seen[0].specversion, "1.0");
    assert_eq!(
        seen[0].dataschema.as_deref(),
        Some("https://example.com/schema")
    );
    assert_eq!(seen[0].data.as_deref(), Some(&[0, 1, 255][..]));
    assert!(seen[0].extensions.is_empty());
    let mut legacy = binary_headers();
    legacy[0].1 = b"0.3".to_vec();
    legacy.push(("ce-schemaurl".into(), b"https://example.com/s".to_vec()));
    let (_, seen) = post(&legacy, b"{}");
    assert_eq!(seen[0].dataschema.as_deref(), Some("https://example.com/s"));
}

/// A stage drops an event by answering `dev.bindery.dropped`: the binder
/// acknowledges it with 202 and no body (the app's own empty answer is
/// 204), and leaves dropped items out of a batch's answers.
#[test]
fn a_dropped_event_is_acknowledged_without_an_answer() {
    let drop_odd = |event: Event| {
        let odd = event.id.parse::<u32>().is_ok_and(|id| id % 2 == 1);
        Ok(Some(if odd {
            Event::dropped(&event.id, &event.source)
        } else {
            event
        }))
    };
    let config = Config::default();
    let mut odd = binary_headers();
    odd.retain(|(name, _)| name != "ce-id");
    odd.push(("ce-id".into(), b"7".to_vec()));
    let response = respond(&config, "POST", &odd, |_| Ok(b"{}".to_vec()), drop_odd);
    assert_eq!((response.status, response.body.len()), (202, 0));
    assert!(response.header_value("content-type").is_none());
    let batch = headers(&[("content-type", "application/cloudevents-batch+json")]);
    let events: Vec<Value> = (0..4)
        .map(|i| json!({"specversion": "1.0", "id": i.to_string(), "source": "/s", "type": "t"}))
        .collect();
    let body = Value::from(events).to_string().into_bytes();
    let response = respond(&config, "POST", &batch, |_| Ok(body.clone()), drop_odd);
    assert_eq!(response.status, 200);
    let answer: Vec<Value> = serde_json::from_slice(&response.body).unwrap();
    let ids: Vec<_> = answer.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["0", "2"]);
}

#[test]
fn batch_calls_the_handler_once_per_event() {
    let batch = headers(&[("content-type", "application/cloudevents-batch+json")]);
    let events: Vec<Value> = (0..3)
        .map(|i| json!({"specversion": "1.0", "id": i.to_string(), "source": "/s", "type": "t"}))
        .collect();
    let (response, seen) = post(&batch, Value::from(events).to_string().as_bytes());
    assert_eq!(response.status, 200);
    assert_eq!(seen.len(), 3);
    assert_eq!(
        header(&response, "content-type"),
        "application/cloudevents-batch+json"
    );
    let answer: Vec<Value> = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        answer
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["0", "1", "2"]
    );
    let (response, seen) = post(&batch, b"[]");
    assert_eq!(
        (response.status, response.body.as_slice(), seen.len()),
        (200, &b"[]"[..], 0)
    );
    let mixed = json!([
        {"specversion": "1.0", "id": "1", "source": "/s", "type": "t"},
        {"specversion": "0.3", "id": "2", "source": "/s", "type": "t"}
    ]);
    let (response, _) = post(&batch, mixed.to_string().as_bytes());
    assert_problem(&response, 400, "invalid-event", "mixes specversion");
    let (response, _) = post(&batch, b"{}");
    assert_problem(&response, 400, "invalid-event", "JSON array");
}

#[test]
fn binary_mode_rejections_name_the_header() {
    let mut duplicate = binary_headers();
    duplicate.push(("Ce-Id".into(), b"43".to_vec()));
    assert_problem(
        &post(&duplicate, b"").0,
        400,
        "invalid-event",
        "`ce-id` appears more than once",
    );
    let mut forbidden = binary_headers();
    forbidden.push(("ce-datacontenttype".into(), b"text/plain".to_vec()));
    assert_problem(
        &post(&forbidden, b"").0,
        400,
        "invalid-event",
        "`ce-datacontenttype`",
    );
    let missing: Headers = binary_headers()
        .into_iter()
        .filter(|(k, _)| k != "ce-id")
        .collect();
    assert_problem(
        &post(&missing, b"").0,
        400,
        "invalid-event",
        "header `ce-id` is required",
    );
    let mut empty = binary_headers();
    empty[3].1 = Vec::new();
    assert_problem(
        &post(&empty, b"").0,
        400,
        "invalid-event",
        "header `ce-type` must not be empty",
    );
    let mut bad_time = binary_headers();
    bad_time.push(("ce-time".into(), b"yesterday".to_vec()));
    assert_problem(&post(&bad_time, b"").0, 400, "invalid-event", "`ce-time`");
    let mut bad_source = binary_headers();
    bad_source[2].1 = b"%20has%20spaces".to_vec();
    assert_problem(
        &post(&bad_source, b"").0,
        400,
        "invalid-event",
        "`ce-source`",
    );
    let mut control = binary_headers();
    control.push(("ce-note".into(), b"a%0Ab".to_vec()));
    assert_problem(&post(&control, b"").0, 400, "invalid-event", "U+000A");
    let mut bad_name = binary_headers();
    bad_name.push(("ce-my_ext".into(), b"x".to_vec()));
    assert_problem(&post(&bad_name, b"").0, 400, "invalid-event", "`ce-my_ext`");
}

#[test]
fn integers_must_be_in_range() {
    let structured = headers(&[("content-type", "application/cloudevents+json")]);
    let body = json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "big": 2147483648_i64});
    assert_problem(
        &post(&structured, body.to_string().as_bytes()).0,
        400,
        "invalid-event",
        "`big`",
    );
    let body = json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "small": -2147483648_i64});
    assert_eq!(post(&structured, body.to_string().as_bytes()).0.status, 200);
}

#[test]
fn unsupported_messages_and_methods() {
    let (response, _) = post(&headers(&[("content-type", "application/json")]), b"{}");
    assert_problem(&response, 415, "not-a-cloudevent", "no `ce-` headers");
    let (response, _) = post(
        &headers(&[("content-type", "application/cloudevents+xml")]),
        b"<e/>",
    );
    assert_problem(
        &response,
        415,
        "unsupported-format",
        "application/cloudevents+xml",
    );
    let (response, _) = post(
        &headers(&[("content-type", "application/cloudevents-batch+xml")]),
        b"<e/>",
    );
    assert_eq!(response.status, 415);
    for method in ["GET", "PUT", "DELETE", "HEAD"] {
        let (response, _) = send(&Config::default(), method, &binary_headers(), b"");
        assert_problem(&response, 405, "method-not-allowed", method);
        assert_eq!(header(&response, "allow"), "POST, OPTIONS");
    }
}

#[test]
fn bodies_over_the_limit_get_413() {
    let config = Config {
        max_body: 8,
        ..Config::default()
    };
    let response = respond(
        &config,
        "POST",
        &binary_headers(),
        |limit| Err(BodyError::TooLarge(limit)),
        |_| Ok(None),
    );
    assert_problem(&response, 413, "payload-too-large", "8 bytes");
    let mut declared = binary_headers();
    declared.push(("content-length".into(), b"9".to_vec()));
    let response = respond(
        &config,
        "POST",
        &declared,
        |_| panic!("the body must not be read"),
        |_| Ok(None),
    );
    assert_eq!(response.status, 413);
    assert_eq!(Config::default().max_body, 1024 * 1024);
}

#[test]
fn handler_results_map_to_status_codes() {
    let cases = [
        (
            Err(HandlerError::Invalid("bad order".into())),
            400,
            "rejected-by-handler",
        ),
        (
            Err(HandlerError::Unavailable("busy".into())),
            503,
            "handler-unavailable",
        ),
        (
            Err(HandlerError::Internal("boom".into())),
            500,
            "handler-failed",
        ),
    ];
    for (result, status, code) in cases {
        let response = respond(
            &Config::default(),
            "POST",
            &binary_headers(),
            |_| Ok(Vec::new()),
            |_| result.clone(),
        );
        assert_eq!(response.status, status);
        assert_eq!(problem(&response)["error"], code);
        let retry_after = response.header_value("retry-after");
        if status == 503 {
            assert_eq!(retry_after, Some(&b"5"[..]), "the default wait");
        } else {
            assert_eq!(retry_after, None, "{status}");
        }
    }
    let config = Config {
        retry_after: 120,
        ..Config::default()
    };
    let response = respond(
        &config,
        "POST",
        &binary_headers(),
        |_| Ok(Vec::new()),
        |_| Err(HandlerError::Unavailable("down for maintenance".into())),
    );
    assert_eq!(response.header_value("retry-after"), Some(&b"120"[..]));
    let response = respond(
        &Config::default(),
        "POST",
        &binary_headers(),
        |_| Ok(Vec::new()),
        |_| Ok(None),
    );
    assert_eq!((response.status, response.body.len()), (204, 0));
    let response = respond(
        &Config::default(),
        "POST",
        &binary_headers(),
        |_| Ok(Vec::new()),
        |event| {
            Ok(Some(Event {
                id: String::new(),
                ..event
            }))
        },
    );
    assert_problem(&response, 500, "invalid-response-event", "`id`");
}

#[test]
fn response_mode_and_content_type() {
    let structured = Config {
        response_mode: ResponseMode::Structured,
        ..Config::default()
    };
    let (response, _) = send(&structured, "POST", &binary_headers(), b"{\"a\":1}");
    assert_eq!(
        header(&response, "content-type"),
        "application/cloudevents+json"
    );
    let binary = Config {
        response_mode: ResponseMode::Binary,
        ..Config::default()
    };
    let body =
        json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "data": {"a": 1}});
    let request = headers(&[("content-type", "application/cloudevents+json")]);
    let (response, _) = send(&binary, "POST", &request, body.to_string().as_bytes());
    assert_eq!(
        header(&response, "content-type"),
        "application/json",
        "implied by the JSON format"
    );
    assert_eq!(response.body, br#"{"a":1}"#);
    let no_data = json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t"});
    let (response, _) = send(&binary, "POST", &request, no_data.to_string().as_bytes());
    assert_eq!(
        (response.status, response.header_value("content-type")),
        (200, None),
        "binary mode without data needs no Content-Type (HTTP binding 3.1)"
    );
    assert_eq!(header(&response, "ce-id"), "1");
    assert!(response.body.is_empty());
}

/// An event that arrived in binary mode without data is answered in binary
/// mode when the mode is `same`: the client reads the `ce-` headers.
#[test]
fn a_binary_event_without_data_is_answered_in_binary_mode() {
    let request = headers(&[
        ("ce-specversion", "1.0"),
        ("ce-id", "nd"),
        ("ce-source", "/s"),
        ("ce-type", "t"),
    ]);
    let (response, _) = send(&Config::default(), "POST", &request, b"");
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "ce-id"), "nd");
    assert_eq!(response.header_value("content-type"), None);
    assert!(response.body.is_empty());
}

fn handshake(config: &Config, pairs: &[(&str, &str)]) -> Response {
    send(config, "OPTIONS", &headers(pairs), b"").0
}

#[test]
fn webhook_handshake() {
    let config = Config {
        allowed_origins: vec!["events.example.com".into()],
        ..Config::default()
    };
    let response = handshake(&config, &[("WebHook-Request-Origin", "events.example.com")]);
    assert_eq!(response.status, 200);
    assert_eq!(
        header(&response, "webhook-allowed-origin"),
        "events.example.com"
    );
    assert_eq!(header(&response, "allow"), "POST, OPTIONS");
    assert_eq!(
        header(&response, "webhook-allowed-rate"),
        "*",
        "webhook 4.2.2: returned on every allowed handshake, `*` when unlimited"
    );
    let response = handshake(
        &config,
        &[
            ("webhook-request-origin", "events.example.com"),
            ("WebHook-Request-Rate", "120"),
        ],
    );
    assert_eq!(header(&response, "webhook-allowed-rate"), "120");
    for refused in [
        "evil.example.com",
        "EVENTS.example.com",
        "*",
        "events.example.com.evil",
    ] {
        let response = handshake(&config, &[("WebHook-Request-Origin", refused)]);
        assert_problem(&response, 400, "origin-not-allowed", refused);
        assert!(response.header_value("webhook-allowed-origin").is_none());
        assert!(response.header_value("allow").is_none());
    }
    assert_problem(
        &handshake(&config, &[]),
        400,
        "invalid-handshake",
        "WebHook-Request-Origin",
    );
    let response = handshake(
        &config,
        &[
            ("WebHook-Request-Origin", "events.example.com"),
            ("WebHook-Request-Rate", "0"),
        ],
    );
    assert_problem(&response, 400, "invalid-handshake", "WebHook-Request-Rate");
    assert_eq!(
        handshake(
            &Config::default(),
            &[("WebHook-Request-Origin", "a.example")]
        )
        .status,
        400
    );
}

#[test]
fn webhook_wildcard_and_rates() {
    let config = Config {
        allowed_origins: vec!["*".into()],
        allowed_rate: Some(Rate::PerMinute(100)),
        ..Config::default()
    };
    let response = handshake(&config, &[("WebHook-Request-Origin", "any.example.com")]);
    assert_eq!(header(&response, "webhook-allowed-origin"), "*");
    assert_eq!(header(&response, "webhook-allowed-rate"), "100");
    let response = handshake(
        &config,
        &[
            ("WebHook-Request-Origin", "any.example.com"),
            ("WebHook-Request-Rate", "30"),
        ],
    );
    assert_eq!(header(&response, "webhook-allowed-rate"), "30");
    let response = handshake(
        &config,
        &[
            ("WebHook-Request-Origin", "any.example.com"),
            ("WebHook-Request-Rate", "500"),
        ],
    );
    assert_eq!(header(&response, "webhook-allowed-rate"), "100");
    // Any positive integer is a legal request: granted, or capped.
    let open = Config {
        allowed_origins: vec!["*".into()],
        ..Config::default()
    };
    for (requested, granted) in [
        ("4294967296", "4294967295"),
        ("99999999999999999999", "4294967295"),
        ("7", "7"),
    ] {
        let response = handshake(
            &open,
            &[
                ("WebHook-Request-Origin", "a.example"),
                ("WebHook-Request-Rate", requested),
            ],
        );
        assert_eq!(response.status, 200, "{requested}");
        assert_eq!(header(&response, "webhook-allowed-rate"), granted);
    }
    let response = handshake(
        &config,
        &[
            ("WebHook-Request-Origin", "a.example"),
            ("WebHook-Request-Rate", "4294967296"),
        ],
    );
    assert_eq!(header(&response, "webhook-allowed-rate"), "100");
    for refused in ["+5", "-1", "1e3", "00"] {
        let response = handshake(
            &open,
            &[
                ("WebHook-Request-Origin", "a.example"),
                ("WebHook-Request-Rate", refused),
            ],
        );
        assert_eq!(response.status, 400, "{refused}");
    }
}

#[test]
fn configuration_from_the_environment() {
    let vars = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let config = Config::from_env(vars(&[
        (
            "BINDERY_CONFIG_ALLOWED_ORIGINS",
            "a.example.com, b.example.com",
        ),
        ("BINDERY_CONFIG_ALLOWED_RATE", "*"),
        ("BINDERY_CONFIG_RESPONSE_MODE", "structured"),
        ("BINDERY_CONFIG_MAX_BODY", "2048"),
        ("BINDERY_CONFIG_REPLY", "sink"),
        ("BINDERY_CONFIG_RETRY_AFTER", "30"),
        (
            "BINDERY_CONFIG_EXTENSION_TYPES",
            "count=integer, seen=timestamp",
        ),
        ("PATH", "/bin"),
    ]))
    .unwrap();
    assert_eq!(config.allowed_origins, ["a.example.com", "b.example.com"]);
    assert_eq!(config.allowed_rate, Some(Rate::Unlimited));
    assert_eq!(config.response_mode, ResponseMode::Structured);
    assert_eq!(config.max_body, 2048);
    assert_eq!(config.reply, Reply::Sink);
    assert_eq!(config.retry_after, 30);
    assert_eq!(Config::from_env(vars(&[])).unwrap(), Config::default());
    assert_eq!(Config::default().reply, Reply::Response);
    for (variable, value) in [
        ("BINDERY_CONFIG_ALLOWED_RATE", "fast"),
        ("BINDERY_CONFIG_RESPONSE_MODE", "xml"),
        ("BINDERY_CONFIG_REPLY", "queue"),
        ("BINDERY_CONFIG_MAX_BODY", "1MB"),
        ("BINDERY_CONFIG_MAX_BODY", "4294967295"),
        ("BINDERY_CONFIG_EXTENSION_TYPES", "count=float"),
        ("BINDERY_CONFIG_RETRY_AFTER", "soon"),
        ("BINDERY_CONFIG_RETRY_AFTER", "86401"),
        ("BINDERY_CONFIG_ALLOWED_ORIGIN", "typo.example.com"),
    ] {
        let error = Config::from_env(vars(&[(variable, value)])).unwrap_err();
        assert_eq!(error.variable, variable);
        let response = Response::from(bindery_http_cloudevents::Rejection::Config(error));
        assert_problem(&response, 500, "invalid-configuration", variable);
    }
}

/// Sends `body` with `headers` through a binder configured to reply to a
/// sink, with a handler that answers each event with `answer`, and a sink
/// that takes events until `refuse_after` and refuses later ones. Returns
/// the response and what the sink took.
fn via_sink(
    headers: &Headers,
    body: &[u8],
    answer: fn(Event) -> Option<Event>,
    refuse_after: usize,
) -> (Response, Vec<Event>) {
    let config = Config {
        reply: Reply::Sink,
        ..Config::default()
    };
    let mut taken = Vec::new();
    let response = respond_via_sink(
        &config,
        "POST",
        headers,
        |_| Ok(body.to_vec()),
        |event| Ok(answer(event)),
        |event| {
            if taken.len() == refuse_after {
                return Err("refused: status 503: busy".to_owned());
            }
            taken.push(event);
            Ok(())
        },
    );
    (response, taken)
}

#[test]
fn replies_to_a_sink() {
    // The answer goes to the sink, the request gets 202 and no body.
    let (response, taken) = via_sink(&binary_headers(), b"{}", Some, usize::MAX);
    assert_eq!((response.status, response.body.len()), (202, 0));
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, "42");
    // No answer: accepted, and nothing sent.
    let (response, taken) = via_sink(&binary_headers(), b"{}", |_| None, usize::MAX);
    assert_eq!((response.status, taken.len()), (202, 0));
    // A batch: every answer, in order.
    let batch = br#"[{"specversion":"1.0","id":"a","source":"/s","type":"t"},
                     {"specversion":"1.0","id":"b","source":"/s","type":"t"}]"#;
    let batch_headers = headers(&[("content-type", "application/cloudevents-batch+json")]);
    let (response, taken) = via_sink(&batch_headers, batch, Some, usize::MAX);
    assert_eq!(response.status, 202);
    let ids: Vec<_> = taken.iter().map(|event| event.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    // The sink's refusal is a 502 naming it; the answers before it went.
    let (response, taken) = via_sink(&batch_headers, batch, Some, 1);
    assert_problem(&response, 502, "sink-failed", "refused: status 503: busy");
    assert_eq!(taken.len(), 1);
    // An invalid answer is never sent.
    let (response, taken) = via_sink(
        &binary_headers(),
        b"{}",
        |event| {
            Some(Event {
                id: String::new(),
                ..event
            })
        },
        usize::MAX,
    );
    assert_problem(&response, 500, "invalid-response-event", "`id`");
    assert!(taken.is_empty());
    // Handler errors keep their statuses.
    let config = Config {
        reply: Reply::Sink,
        ..Config::default()
    };
    let response = respond_via_sink(
        &config,
        "POST",
        &binary_headers(),
        |_| Ok(Vec::new()),
        |_| Err(HandlerError::Unavailable("busy".into())),
        |_| panic!("nothing to send"),
    );
    assert_problem(&response, 503, "handler-unavailable", "busy");
    // Without a sender, `reply = "sink"` is a configuration problem.
    let response = respond(
        &config,
        "POST",
        &binary_headers(),
        |_| panic!("the body must not be read"),
        |_| panic!("no handler call"),
    );
    assert_problem(&response, 500, "invalid-configuration", "sender");
    // The default replies in the response, even with a sender.
    let response = respond_via_sink(
        &Config::default(),
        "POST",
        &binary_headers(),
        |_| Ok(b"{}".to_vec()),
        |event| Ok(Some(event)),
        |_| panic!("replies go in the response"),
    );
    assert_eq!(response.status, 200);
}
