//! Bench only: the floor of the host on WASI 0.3. It answers every request
//! with 200 and `hello`, reading nothing.
#![cfg(target_arch = "wasm32")]

use wasip3::http::types::{ErrorCode, Fields, Request, Response};
use wasip3::{wit_future, wit_stream};

struct Hello;

impl wasip3::exports::http::handler::Guest for Hello {
    async fn handle(_request: Request) -> Result<Response, ErrorCode> {
        let (mut body, body_reader) = wit_stream::new();
        let (trailers, trailers_reader) = wit_future::new(|| Ok(None));
        drop(trailers);
        let (response, _sent) = Response::new(Fields::new(), Some(body_reader), trailers_reader);
        wasip3::spawn_local(async move {
            let _ = body.write_all(b"hello".to_vec()).await;
        });
        Ok(response)
    }
}

wasip3::http::service::export!(Hello);
