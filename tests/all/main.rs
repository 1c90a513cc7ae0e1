//! End-to-end tests over real components: one test binary, so wasmtime is
//! linked once.

mod binder;
mod broker;
mod compose;
mod faults;
mod generations;
mod host;
mod hosts;
mod languages;
mod middleware;
mod nats;
mod serve;
mod sink;
mod templates;
mod toolchain;
mod versions;
