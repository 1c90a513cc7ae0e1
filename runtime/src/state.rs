//! The data of one instance's store, whichever trigger created it: WASI,
//! wasi:http with the outbound HTTP policy, `wasmcloud:messaging` with the
//! outbound subject policy, and the memory budget.

use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::budget::{Admission, InstanceMemory};
use crate::messaging::Messaging;
use crate::outbound::OutboundPolicy;

/// The per-instance store data.
pub(crate) struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    pub(crate) memory: InstanceMemory,
    admission: Admission,
    outbound: OutboundPolicy,
    messaging: Messaging,
    /// When its guest code is stopped (see [`crate::interrupt`]).
    pub(crate) stop_at: Instant,
}

impl State {
    /// The state of one instance: `environment` for its WASI environment,
    /// stdout and stderr inherited, `memory` its budget across all its
    /// linear memories, holding `admission` while it is alive.
    pub(crate) fn new(
        environment: &[(String, String)],
        memory: InstanceMemory,
        admission: Admission,
        outbound: OutboundPolicy,
        messaging: Messaging,
    ) -> Self {
        Self {
            wasi: WasiCtx::builder()
                .envs(environment)
                .inherit_stdout()
                .inherit_stderr()
                .build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            memory,
            admission,
            outbound,
            messaging,
            stop_at: Instant::now(),
        }
    }

    /// The admission this instance held, for another try at instantiating.
    pub(crate) fn into_admission(self) -> Admission {
        self.admission
    }
}

impl State {
    /// Its `wasmcloud:messaging/consumer`.
    pub(crate) fn messaging(&mut self) -> &mut Messaging {
        &mut self.messaging
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound as &mut dyn WasiHttpHooks,
        }
    }
}
