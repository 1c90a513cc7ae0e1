//! The HTTP protocol binding as a whole: from a request (method, headers and
//! a body reader) to a response, calling the app's handler for each event.
//!
//! This is everything the binder component does, minus the `wasi:http`
//! plumbing, so it is tested natively.

use crate::binary::{self, Header};
use crate::config::{Config, ConfigError, Rate, Reply, ResponseMode};
use codec::DecodeError;
use codec::json;
use codec::{Event, HandlerError};
use codec::{Form, validate};

/// The media type of structured mode.
pub const STRUCTURED: &str = "application/cloudevents+json";
/// The media type of batch mode.
pub const BATCH: &str = "application/cloudevents-batch+json";
/// The methods a binder answers.
pub const ALLOW: &str = "POST, OPTIONS";

/// The content mode of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Attributes in headers, data in the body.
    Binary,
    /// One JSON event in the body.
    Structured,
    /// A JSON array of events in the body.
    Batch,
}

impl Mode {
    /// Detects the mode from a `Content-Type` value, case-insensitively:
    /// batch first, then structured, otherwise binary. Any other
    /// `application/cloudevents` format is unsupported.
    pub fn detect(content_type: Option<&str>) -> Result<Self, Rejection> {
        let Some(content_type) = content_type else {
            return Ok(Self::Binary);
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            BATCH => Ok(Self::Batch),
            STRUCTURED => Ok(Self::Structured),
            other if other.starts_with("application/cloudevents") => {
                Err(Rejection::UnknownFormat(content_type.to_owned()))
            }
            _ => Ok(Self::Binary),
        }
    }
}

/// Why reading a request body failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body is longer than the limit.
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body could not be read.
    #[error("the body could not be read: {0}")]
    Unreadable(String),
}

/// Why a request was not handled; each maps to a status and a problem
/// document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The message is not a valid event or batch.
    #[error(transparent)]
    Invalid(#[from] DecodeError),
    /// A binary-mode request with no `ce-` headers.
    #[error("not a CloudEvent: no `ce-` headers, and Content-Type {0} is not a CloudEvents format")]
    NotCloudEvent(String),
    /// An `application/cloudevents` format other than JSON.
    #[error(
        "Content-Type `{0}` is an event format this binder does not support (it supports application/cloudevents+json and application/cloudevents-batch+json)"
    )]
    UnknownFormat(String),
    /// A method other than POST or OPTIONS.
    #[error(
        "method {0} is not allowed; use POST to send events or OPTIONS for the webhook handshake"
    )]
    MethodNotAllowed(String),
    /// The body is over the limit, or could not be read.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The handshake's origin is not allowed.
    #[error("header `WebHook-Request-Origin`: origin `{0}` is not allowed to send events here")]
    OriginNotAllowed(String),
    /// A handshake header is missing or malformed.
    #[error("header `{header}`: {reason}")]
    Handshake {
        /// The header at fault.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The app rejected or failed on the event.
    #[error("{}", handler_detail(.0))]
    Handler(HandlerError),
    /// The app answered with an event that is not valid.
    #[error("the handler returned an invalid event: {0}")]
    InvalidResponse(DecodeError),
    /// The binder's configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The host refused the answer's headers.
    #[error("the host refused the response headers: {0}")]
    ResponseHeaders(&'static str),
    /// `reply = "sink"`, but the binder has no sender to reply through.
    #[error(
        "`reply = \"sink\"` needs a sender: compose this binder with a `bindery:cloudevents/sender` dependency of the component"
    )]
    NoSink,
    /// The sink did not take an answer event.
    #[error("the sink did not take the answer event: {0}")]
    Sink(String),
}

fn handler_detail(error: &HandlerError) -> &str {
    match error {
        HandlerError::Invalid(detail)
        | HandlerError::Unavailable(detail)
        | HandlerError::Internal(detail) => detail,
    }
}

impl Rejection {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) | Self::OriginNotAllowed(_) | Self::Handshake { .. } => 400,
            Self::Body(BodyError::Unreadable(_)) => 400,
            Self::Body(BodyError::TooLarge(_)) => 413,
            Self::NotCloudEvent(_) | Self::UnknownFormat(_) => 415,
            Self::MethodNotAllowed(_) => 405,
            Self::Handler(HandlerError::Invalid(_)) => 400,
            Self::Handler(HandlerError::Unavailable(_)) => 503,
            Self::Handler(HandlerError::Internal(_))
            | Self::InvalidResponse(_)
            | Self::Config(_)
            | Self::NoSink
            | Self::ResponseHeaders(_) => 500,
            Self::Sink(_) => 502,
        }
    }

    /// A short, stable name for the problem: the `error` of the document.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid-event",
            Self::NotCloudEvent(_) => "not-a-cloudevent",
            Self::UnknownFormat(_) => "unsupported-format",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Body(BodyError::TooLarge(_)) => "payload-too-large",
            Self::Body(BodyError::Unreadable(_)) => "unreadable-body",
            Self::OriginNotAllowed(_) => "origin-not-allowed",
            Self::Handshake { .. } => "invalid-handshake",
            Self::Handler(HandlerError::Invalid(_)) => "rejected-by-handler",
            Self::Handler(HandlerError::Unavailable(_)) => "handler-unavailable",
            Self::Handler(HandlerError::Internal(_)) => "handler-failed",
            Self::InvalidResponse(_) => "invalid-response-event",
            Self::Config(_) | Self::NoSink => "invalid-configuration",
            Self::ResponseHeaders(_) => "response-headers-refused",
            Self::Sink(_) => "sink-failed",
        }
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<Header>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn content(self, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            body,
            ..self.header("content-type", content_type)
        }
    }

    /// The value of the header `name` (case-insensitive), if present.
    pub fn header_value(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.headers, name)
    }

    /// The answer and its headers as the host's `fields`, which `fields`
    /// makes. Every value was validated or encoded, but the host may still
    /// refuse a header block (over its size limit, say): then the answer is
    /// a 500 problem document whose reason `why` gives, not a trap after
    /// the handler has run.
    pub fn with_fields<F, E: std::fmt::Debug>(
        self,
        fields: impl Fn(&[Header]) -> Result<F, E>,
        why: impl FnOnce(E) -> &'static str,
    ) -> (Self, F) {
        match fields(&self.headers) {
            Ok(made) => (self, made),
            Err(error) => {
                let refused = Self::from(Rejection::ResponseHeaders(why(error)));
                let made =
                    fields(&refused.headers).expect("a problem document's headers are valid HTTP");
                (refused, made)
            }
        }
    }
}

impl From<Rejection> for Response {
    /// A problem document: `{"error": "<code>", "detail": "<what and where>"}`.
    fn from(rejection: Rejection) -> Self {
        let document = Problem {
            error: rejection.code(),
            detail: rejection.to_string(),
        };
        let body = serde_json::to_vec(&document).expect("a problem document always serializes");
        let response = Response::new(rejection.status());
        let response = match rejection {
            Rejection::MethodNotAllowed(_) => response.header("allow", ALLOW),
            _ => response,
        };
        response.content("application/json", body)
    }
}

/// The body of every error response.
#[derive(serde::Serialize)]
struct Problem {
    error: &'static str,
    detail: String,
}

/// The value of the header `name` (case-insensitive), if present.
pub fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_slice())
}

/// Answers one HTTP request.
///
/// `read_body` is called at most once, with the body limit, and only for a
/// POST that passed the header checks. `handle` is called once per event.
/// With `reply = "sink"` in `config` the request is refused with a 500: this
/// entry point has no sender (see [`respond_via_sink`]).
pub fn respond(
    config: &Config,
    method: &str,
    headers: &[Header],
    read_body: impl FnOnce(usize) -> Result<Vec<u8>, BodyError>,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
) -> Response {
    answer_now(config, method, headers, read_body, handle, None)
}

/// [`respond`], for a binder that has a sender: with `reply = "sink"` each
/// answer event is given to `send` (which returns why the sink did not take
/// it), and the request is answered 202 once all were taken.
pub fn respond_via_sink(
    config: &Config,
    method: &str,
    headers: &[Header],
    read_body: impl FnOnce(usize) -> Result<Vec<u8>, BodyError>,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    mut send: impl FnMut(Event) -> Result<(), String>,
) -> Response {
    answer_now(config, method, headers, read_body, handle, Some(&mut send))
}

/// [`answer`] with a body that is read at once.
fn answer_now(
    config: &Config,
    method: &str,
    headers: &[Header],
    read_body: impl FnOnce(usize) -> Result<Vec<u8>, BodyError>,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    sink: Sink<'_>,
) -> Response {
    ready(answer(
        config,
        method,
        headers,
        |limit| std::future::ready(read_body(limit)),
        handle,
        sink,
    ))
}

/// [`respond`], reading the body asynchronously: for a binder whose
/// transport streams the body (`wasi:http` 0.3). A binder with a sender
/// passes it as `sink`, and then answers as [`respond_via_sink`] does.
pub async fn respond_async<Body: Future<Output = Result<Vec<u8>, BodyError>>>(
    config: &Config,
    method: &str,
    headers: &[Header],
    read_body: impl FnOnce(usize) -> Body,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    sink: Sink<'_>,
) -> Response {
    answer(config, method, headers, read_body, handle, sink).await
}

/// The value of a future that is ready when first polled, as [`answer`]
/// is when its body reader is.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("a ready body reader leaves nothing to wait for"),
    }
}

/// Where answers go when `reply = "sink"`.
/// Where a binder that replies through a sink gives each answer event: the
/// sink's `send`, which returns why the sink did not take it.
pub type Sink<'a> = Option<&'a mut dyn FnMut(Event) -> Result<(), String>>;

async fn answer<Body: Future<Output = Result<Vec<u8>, BodyError>>>(
    config: &Config,
    method: &str,
    headers: &[Header],
    read_body: impl FnOnce(usize) -> Body,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    sink: Sink<'_>,
) -> Response {
    let result = match method {
        "OPTIONS" => handshake(config, headers),
        "POST" => deliver(config, headers, read_body, handle, sink).await,
        other => Err(Rejection::MethodNotAllowed(other.to_owned())),
    };
    let response = result.unwrap_or_else(Response::from);
    if response.status == 503 {
        // The app is unavailable for now: say when a producer may try again.
        return response.header("retry-after", config.retry_after.to_string());
    }
    response
}

async fn deliver<Body: Future<Output = Result<Vec<u8>, BodyError>>>(
    config: &Config,
    headers: &[Header],
    read_body: impl FnOnce(usize) -> Body,
    mut handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    sink: Sink<'_>,
) -> Result<Response, Rejection> {
    let sink = match (config.reply, sink) {
        (Reply::Response, _) => None,
        (Reply::Sink, Some(sink)) => Some(sink),
        (Reply::Sink, None) => return Err(Rejection::NoSink),
    };
    let content_type = find_header(headers, "content-type").map(String::from_utf8_lossy);
    let mode = Mode::detect(content_type.as_deref())?;
    if mode == Mode::Binary && !binary::has_attributes(headers) {
        let shown = content_type.map_or("(none)".to_owned(), |ct| format!("`{ct}`"));
        return Err(Rejection::NotCloudEvent(shown));
    }
    let declared = find_header(headers, "content-length")
        .and_then(|value| std::str::from_utf8(value).ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > config.max_body as u64) {
        return Err(BodyError::TooLarge(config.max_body).into());
    }
    let body = read_body(config.max_body).await?;
    let types = &config.extension_types;
    let mut dropped = 0;
    let mut call = |event| {
        let answer = handle(event).map_err(Rejection::Handler)?;
        if answer.as_ref().is_some_and(Event::is_dropped) {
            dropped += 1;
            return Ok(None);
        }
        if let Some(answer) = &answer {
            validate(answer, Form::Json).map_err(Rejection::InvalidResponse)?;
        }
        Ok::<_, Rejection>(answer)
    };
    let answers = match mode {
        Mode::Batch => {
            let mut answers = Vec::new();
            for event in json::decode_batch(&body, types)? {
                answers.extend(call(event)?);
            }
            answers
        }
        Mode::Structured | Mode::Binary => {
            let event = match mode {
                Mode::Binary => binary::decode(headers, body, types)?,
                _ => json::decode_event(&body, types)?,
            };
            let answer = call(event)?;
            if dropped > 0 {
                // A stage dropped the event: acknowledged, with no answer.
                return Ok(Response::new(202));
            }
            Vec::from_iter(answer)
        }
    };
    if let Some(send) = sink {
        for answer in answers {
            send(answer).map_err(Rejection::Sink)?;
        }
        return Ok(Response::new(202));
    }
    if mode == Mode::Batch {
        return Ok(Response::new(200).content(BATCH, json::encode_batch(&answers)));
    }
    let Some(answer) = answers.into_iter().next() else {
        return Ok(Response::new(204));
    };
    let binary = match config.response_mode {
        ResponseMode::Same => mode == Mode::Binary,
        ResponseMode::Binary => true,
        ResponseMode::Structured => false,
    };
    Ok(encode_answer(answer, binary))
}

/// Encodes a handler's event as a 200 response. In binary mode an event
/// with neither data nor `datacontenttype` has no `Content-Type` and an
/// empty body (HTTP binding section 3.1: the header describes the data).
fn encode_answer(event: Event, binary: bool) -> Response {
    if binary {
        let (headers, body) = binary::encode(event);
        Response {
            status: 200,
            headers,
            body,
        }
    } else {
        Response::new(200).content(STRUCTURED, json::encode_event(&event))
    }
}

/// The webhook validation handshake (CloudEvents HTTP webhook section 4).
fn handshake(config: &Config, headers: &[Header]) -> Result<Response, Rejection> {
    let origin = find_header(headers, "webhook-request-origin")
        .and_then(|value| std::str::from_utf8(value).ok())
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .ok_or(Rejection::Handshake {
            header: "WebHook-Request-Origin",
            reason: "required in the validation request",
        })?;
    let granted_origin = if config
        .allowed_origins
        .iter()
        .any(|allowed| allowed == origin)
    {
        origin
    } else if config.allowed_origins.iter().any(|allowed| allowed == "*") {
        "*"
    } else {
        return Err(Rejection::OriginNotAllowed(origin.to_owned()));
    };
    let requested = find_header(headers, "webhook-request-rate")
        .map(|value| {
            std::str::from_utf8(value)
                .ok()
                .and_then(Rate::parse)
                .filter(|rate| *rate != Rate::Unlimited)
                .ok_or(Rejection::Handshake {
                    header: "WebHook-Request-Rate",
                    reason: "must be a positive integer (requests per minute)",
                })
        })
        .transpose()?;
    // Webhook section 4.2.2: the allowed rate SHOULD be returned on every
    // granted handshake, `*` when unlimited.
    let granted_rate = match (config.allowed_rate, requested) {
        (Some(allowed), Some(requested)) => allowed.min(requested),
        (allowed, requested) => allowed.or(requested).unwrap_or(Rate::Unlimited),
    };
    Ok(Response::new(200)
        .header("allow", ALLOW)
        .header("webhook-allowed-origin", granted_origin)
        .header("webhook-allowed-rate", granted_rate.to_string()))
}
