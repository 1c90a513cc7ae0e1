//! The `http-cloudevents` binder for WASI 0.3: `wasi:http/handler@0.3.0` on
//! the outside, the app's `bindery:cloudevents/handler` on the inside, and
//! the HTTP binding of `bindery-http-cloudevents` in between, the same
//! binding as the 0.2 binder's.
//!
//! A 0.3 host may reuse one instance for many requests, and run several at
//! once (`bindery serve`'s defaults are those of `wasmtime serve`: 128
//! requests, 16 at a time): the binder keeps nothing of one request for the
//! next, and reads its settings once, on an instance's first request. The
//! body is read from its stream as the binding asks for it, and the answer
//! is written to the response's stream by a task of its own.
//!
//! Without its default `binder` feature the crate is the binding alone
//! ([`service::serve`]), for components that handle events themselves.
#![cfg(target_arch = "wasm32")]

#[cfg(feature = "binder")]
mod binder;
pub mod service;
