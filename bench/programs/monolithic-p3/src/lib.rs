//! Bench only: the physical limit of the guest-side approach on WASI 0.3.
//! The 0.3 binder's HTTP binding and the echo app's logic (answer with the
//! event itself) in one `wasi:http/handler@0.3.0` component, with no
//! component boundary between them.
#![cfg(target_arch = "wasm32")]

use bindery_http_cloudevents_p3::service::serve;
use wasip3::http::types::{ErrorCode, Request, Response};

struct Monolithic;

impl wasip3::exports::http::handler::Guest for Monolithic {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        Ok(serve(request, |event| Ok(Some(event))).await)
    }
}

wasip3::http::service::export!(Monolithic);
