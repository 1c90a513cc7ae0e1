//! A raw `wasi:http` test component for the host's fault matrix: the request
//! path selects the fault.
//!
//! | path | outcome |
//! |---|---|
//! | `/trap` | a trap |
//! | `/loop` | a loop that never ends |
//! | `/memory` | allocates until memory.grow fails (an abort) |
//! | `/stack` | recurses until the stack overflows |
//! | `/huge` | streams a 100 MB body, stopping when the client leaves |
//! | `/sleep` | sleeps one second, then answers `slept` |
//! | anything else | reads the body and answers `ok <bytes read>` |

wit_bindgen::generate!({
    world: "test:faulty/faulty",
    path: "wit",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::clocks::monotonic_clock;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// The size of the `/huge` body.
const HUGE: usize = 100 << 20;
/// The bytes written per call.
const CHUNK: usize = 4096;

struct Faulty;

impl Guest for Faulty {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        match path.as_str() {
            "/trap" => panic!("scripted trap"),
            "/loop" => loop {
                std::hint::black_box(&path);
            },
            "/memory" => {
                let mut held: Vec<Vec<u8>> = Vec::new();
                loop {
                    held.push(vec![1; 1 << 20]);
                    std::hint::black_box(&held);
                }
            }
            "/stack" => {
                std::hint::black_box(recurse(1));
            }
            "/huge" => answer(response_out, HUGE, b'x'),
            "/sleep" => {
                monotonic_clock::subscribe_duration(1_000_000_000).block();
                answer_text(response_out, b"slept");
            }
            _ => {
                let read = read_all(&request);
                answer_text(response_out, format!("ok {read}").as_bytes());
            }
        }
    }
}

/// Recurses with a frame in linear memory and on the wasm stack, forever.
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 64]);
    recurse(depth + 1).wrapping_add(frame[(depth % 64) as usize])
}

/// Reads the request body to its end, returning how many bytes came.
fn read_all(request: &IncomingRequest) -> usize {
    let Ok(body) = request.consume() else {
        return 0;
    };
    let Ok(stream) = body.stream() else {
        return 0;
    };
    let mut read = 0;
    while let Ok(chunk) = stream.blocking_read(64 << 10) {
        read += chunk.len();
    }
    read
}

fn answer_text(response_out: ResponseOutparam, text: &[u8]) {
    let response = OutgoingResponse::new(Fields::new());
    let body = response.body().expect("a new response has a body");
    ResponseOutparam::set(response_out, Ok(response));
    let stream = body.write().expect("a new body has a stream");
    let _ = stream.blocking_write_and_flush(text);
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}

/// Streams `size` bytes of `byte`, stopping early when the stream closes.
fn answer(response_out: ResponseOutparam, size: usize, byte: u8) {
    let response = OutgoingResponse::new(Fields::new());
    let body = response.body().expect("a new response has a body");
    ResponseOutparam::set(response_out, Ok(response));
    let stream = body.write().expect("a new body has a stream");
    let chunk = [byte; CHUNK];
    let mut left = size;
    while left > 0 {
        let len = left.min(CHUNK);
        match stream.blocking_write_and_flush(&chunk[..len]) {
            Ok(()) => left -= len,
            Err(_) => return,
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}

export!(Faulty);
