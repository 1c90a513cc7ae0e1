//! End-to-end tests over real components: one test binary, so wasmtime is
//! linked once.

mod attacks;
mod binder;
mod broker_auth;
mod compose;
mod faults;
mod generations;
mod host_matrix;
mod jetstream;
mod languages;
mod middleware;
mod nats;
mod scale_out;
mod serve;
mod sink;
mod stages;
mod templates;
mod test_host;
mod toolchain;
mod versions;
mod wasmcloud;
