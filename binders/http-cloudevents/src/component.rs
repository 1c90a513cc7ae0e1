//! The binder component: `wasi:http/incoming-handler` on the outside, the
//! app's `bindery:cloudevents/handler` on the inside, and [`crate::respond`]
//! in between.
//!
//! With the `binder` feature (the default) the crate exports the binder.
//! Without it, [`serve`] puts the codec behind another crate's own
//! `wasi:http` export, through [`bindings::export!`]: the benchmarks compile
//! the codec and an app into one component that way.

use crate::binary::Header;
use crate::{BodyError, Config, Event, HandlerError, Response, respond, respond_via_sink};

/// The `wasi:http` and `bindery:cloudevents` bindings of the binder world
/// (with the `reply-sink` feature, the world that also imports `sender`).
#[allow(missing_docs)]
pub mod bindings {
    #[cfg(not(feature = "reply-sink"))]
    wit_bindgen::generate!({
        world: "bindery:cloudevents/http-binder",
        path: "../../wit",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "bindery_http_cloudevents::component::bindings",
    });
    #[cfg(feature = "reply-sink")]
    wit_bindgen::generate!({
        world: "bindery:cloudevents/http-reply-binder",
        path: "../../wit",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "bindery_http_cloudevents::component::bindings",
    });
}

use bindings::wasi::http::types::{
    Fields, HeaderError, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use bindings::wasi::io::streams::StreamError;

/// Answers one `wasi:http` request with the binding, calling `handle` for
/// each event, with the configuration of the component's environment.
pub fn serve(
    request: IncomingRequest,
    response_out: ResponseOutparam,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
) {
    serve_with(
        request,
        response_out,
        |config, method, headers, read_body| respond(config, method, headers, read_body, handle),
    );
}

/// [`serve`], with `send` to reply through when the configuration says
/// `reply = "sink"`.
pub fn serve_via_sink(
    request: IncomingRequest,
    response_out: ResponseOutparam,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    send: impl FnMut(Event) -> Result<(), String>,
) {
    serve_with(
        request,
        response_out,
        |config, method, headers, read_body| {
            respond_via_sink(config, method, headers, read_body, handle, send)
        },
    );
}

/// Reads the configuration and the request, and sends what `answer` makes
/// of them.
fn serve_with(
    request: IncomingRequest,
    response_out: ResponseOutparam,
    answer: impl FnOnce(&Config, &str, &[Header], ReadBody) -> Response,
) {
    let response = match Config::from_env(std::env::vars()) {
        Ok(config) => {
            let method = method_name(request.method());
            let headers = request.headers().entries();
            answer(
                &config,
                &method,
                &headers,
                Box::new(|limit| read_body(request, limit)),
            )
        }
        Err(error) => Response::from(crate::Rejection::Config(error)),
    };
    send(response, response_out);
}

/// The request body's reader, called with the body limit.
type ReadBody = Box<dyn FnOnce(usize) -> Result<Vec<u8>, BodyError>>;

crate::method_name!(Method);

/// Reads the whole body, failing as soon as it grows past `limit`.
fn read_body(request: IncomingRequest, limit: usize) -> Result<Vec<u8>, BodyError> {
    let unreadable = || BodyError::Unreadable("the request body stream is unavailable".into());
    let body = request.consume().map_err(|()| unreadable())?;
    let stream = body.stream().map_err(|()| unreadable())?;
    let mut bytes = Vec::new();
    loop {
        let room = (limit.saturating_add(1) - bytes.len()).min(64 * 1024) as u64;
        match stream.blocking_read(room) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(error)) => {
                return Err(BodyError::Unreadable(error.to_debug_string()));
            }
        }
        if bytes.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
    }
    Ok(bytes)
}

fn send(response: Response, response_out: ResponseOutparam) {
    let (response, headers) = response.with_fields(Fields::from_list, |error| match error {
        HeaderError::InvalidSyntax => "invalid syntax",
        HeaderError::Forbidden => "a forbidden header",
        HeaderError::Immutable => "immutable fields",
    });
    let outgoing = OutgoingResponse::new(headers);
    outgoing
        .set_status_code(response.status)
        .expect("binder status codes are valid");
    let body = outgoing.body().expect("a new response has a body");
    ResponseOutparam::set(response_out, Ok(outgoing));
    let stream = body.write().expect("a new body has a stream");
    // As much as the host accepts per call (`check-write`), waiting for room
    // when there is none: a large answer costs a few calls, not one per
    // 4 KiB. A stream that fails has lost its client; the rest is dropped.
    let mut rest = response.body.as_slice();
    while !rest.is_empty() {
        let Ok(room) = stream.check_write() else {
            return;
        };
        if room == 0 {
            stream.subscribe().block();
            continue;
        }
        let (now, later) =
            rest.split_at(rest.len().min(usize::try_from(room).unwrap_or(usize::MAX)));
        if stream.write(now).is_err() {
            return;
        }
        rest = later;
    }
    if stream.blocking_flush().is_err() {
        return;
    }
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}

/// The binder's export: [`serve`] with the app's imported handler.
#[cfg(feature = "binder")]
mod binder {
    use super::bindings::bindery::cloudevents::handler;
    #[cfg(feature = "reply-sink")]
    use super::bindings::bindery::cloudevents::sender;
    use super::bindings::bindery::cloudevents::types as wit;
    use super::bindings::exports::wasi::http::incoming_handler::Guest;
    use super::bindings::wasi::http::types::{IncomingRequest, ResponseOutparam};
    use crate::{Event, HandlerError};

    struct Binder;

    impl Guest for Binder {
        #[cfg(not(feature = "reply-sink"))]
        fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
            super::serve(request, response_out, call_app);
        }

        #[cfg(feature = "reply-sink")]
        fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
            super::serve_via_sink(request, response_out, call_app, send_to_sink);
        }
    }

    super::bindings::export!(Binder with_types_in crate::component::bindings);

    fn call_app(event: Event) -> Result<Option<Event>, HandlerError> {
        answer_from_wit(handler::handle(&to_wit(event)))
    }

    #[cfg(not(feature = "reply-sink"))]
    codec::wit_conversions!(wit);
    #[cfg(feature = "reply-sink")]
    codec::wit_conversions!(wit, sender);
}
