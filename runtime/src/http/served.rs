//! A component on an HTTP trigger, linked once, with its pre-instance by
//! the generation of the `wasi:http` handler it exports.

use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p3::bindings::ServicePre;

use crate::linked::Linked;
use crate::state::State;

/// A component on an HTTP trigger: linked once, then instantiated per
/// request (WASI 0.2) or kept and reused (WASI 0.3).
pub(crate) type Served = Linked<HttpPre>;

/// The pre-instance of an HTTP component, by the generation of the
/// `wasi:http` handler it exports.
pub(crate) enum HttpPre {
    /// `wasi:http/incoming-handler@0.2.x`.
    P2(ProxyPre<State>),
    /// `wasi:http/handler@0.3.x`.
    P3(ServicePre<State>),
}
