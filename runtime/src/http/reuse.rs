//! Reused instances: wasmtime-wasi-http's `ProxyHandler` keeps instances of
//! a WASI 0.3 component and gives each up to [`Reuse::max_requests`]
//! requests, up to [`Reuse::max_concurrent`] of them at once, as `wasmtime
//! serve` does; a 0.2 component's instances too, one request at a time, when
//! [`Reuse::max_requests_p2`] is above 1. A trap retires its instance alone
//! (the requests in flight on it get 500); the next request gets a fresh one.

use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use manifest::InstanceReuse;
use wasmtime::component::GuestTaskId;
use wasmtime::{Store, StoreContextMut};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, Proxy, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};

use super::served::{HttpPre, Served};
use crate::context::HostContext;
use crate::state::State;

/// How instances are reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reuse {
    /// The most requests one instance of a 0.3 component serves before it
    /// is retired (`wasmtime serve`'s default: 128).
    pub max_requests: usize,
    /// The same for a 0.2 component, whose instance serves one request at a
    /// time: 1 (the default) gives every request a fresh instance; more
    /// trades the isolation of requests from one another for speed.
    pub max_requests_p2: usize,
    /// The most requests one instance serves at once (default 16).
    pub max_concurrent: usize,
    /// How long an idle instance is kept for the next request (default 1 s).
    pub idle_timeout: Duration,
}

impl Default for Reuse {
    fn default() -> Self {
        Self {
            max_requests: 128,
            max_requests_p2: 1,
            max_concurrent: 16,
            idle_timeout: Duration::from_secs(1),
        }
    }
}

impl Reuse {
    /// The settings given, and the defaults for those not given.
    pub fn from_settings(settings: InstanceReuse) -> Self {
        let default = Self::default();
        let count = |setting: Option<NonZeroU32>, default: usize| {
            setting.map_or(default, |count| count.get() as usize)
        };
        Self {
            max_requests: count(settings.max_requests, default.max_requests),
            max_requests_p2: count(settings.wasip2_max_requests, default.max_requests_p2),
            max_concurrent: count(settings.max_concurrent, default.max_concurrent),
            idle_timeout: settings
                .idle_timeout_ms
                .map_or(default.idle_timeout, Duration::from_millis),
        }
    }
}

/// The state of one component's `ProxyHandler`: what it takes to make an
/// instance.
pub(crate) struct Instances {
    pub(crate) context: Arc<HostContext>,
    pub(crate) served: Arc<Served>,
    pub(crate) reuse: Reuse,
}

impl Instances {
    /// The component id.
    pub(crate) fn component(&self) -> &str {
        &self.served.id
    }
}

impl HandlerState for Instances {
    type StoreData = State;
    type WorkerExpiration = Expiry;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<Instance<State, Expiry, Worker>> {
        let (context, served, reuse) = (&self.context, &self.served, &self.reuse);
        let config = &context.config;
        // An instance takes its admission as a fresh one does: a request
        // that finds none within the wait gets 503.
        let admission = context.admissions.admit(Some(config.slot_wait)).await?;
        let mut store = served.store(context, admission, None);
        let (proxy, max_requests, max_concurrent) = match &served.pre {
            HttpPre::P2(pre) => (
                Proxy::P2(pre.instantiate_async(&mut store).await?),
                reuse.max_requests_p2,
                1,
            ),
            HttpPre::P3(pre) => (
                Proxy::P3(pre.instantiate_async(&mut store).await?),
                reuse.max_requests,
                reuse.max_concurrent,
            ),
        };
        Ok(Instance {
            store,
            proxy,
            view: <State as WasiHttpView>::http,
            expiration: Expiry {
                idle_timeout: reuse.idle_timeout,
                request_timeout: config.deadline,
                sleep: Box::pin(tokio::time::sleep(Duration::MAX)),
            },
            state: Worker {
                component: served.id.clone(),
                max_requests,
                max_concurrent,
                deadline: config.deadline,
            },
        })
    }
}

/// When an instance is retired: idle past the idle timeout, or busy past
/// the deadline with no request started since (a guest that never yields
/// is stopped by the epoch deadline instead).
pub(crate) struct Expiry {
    idle_timeout: Duration,
    request_timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl WorkerExpiration for Expiry {
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let timeout = match status {
            WorkerStatus::Idle => self.idle_timeout,
            WorkerStatus::Requests | WorkerStatus::PostReturn => self.request_timeout,
        };
        let Some(deadline) = start.checked_add(timeout) else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx)
    }
}

/// One instance's limits.
pub(crate) struct Worker {
    component: String,
    max_requests: usize,
    max_concurrent: usize,
    deadline: Duration,
}

impl WorkerState for Worker {
    type StoreData = State;
    type RequestData = ();

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.max_requests {
            ShouldAccept::Never
        } else if concurrent >= self.max_concurrent {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        store: StoreContextMut<'_, State>,
        (): (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + 'static + Send + Sync>> {
        // Each request gets the whole deadline, counted from its start.
        crate::interrupt::extend(store, self.deadline);
        Box::pin(tokio::time::sleep(self.deadline))
    }

    fn drop(&self, store: Store<State>, result: wasmtime::Result<()>) {
        if let Err(error) = result {
            tracing::error!(component = %self.component, "an instance was retired: {error:?}");
        }
        drop(store);
    }
}
