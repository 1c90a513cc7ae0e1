//! How a guest that computes without end is stopped: at every epoch tick
//! it yields to the executor, so a spinning guest never holds a host
//! thread (nor keeps the instance looking free to the reuse handler); past
//! its store's stop time it traps with [`Trap::Interrupt`].

use std::time::{Duration, Instant};

use wasmtime::{Store, StoreContextMut, Trap, UpdateDeadline};

use crate::state::State;

/// Arms `store`: guest code yields at every tick and traps once it runs
/// past `deadline` from now.
pub(crate) fn arm(store: &mut Store<State>, deadline: Duration) {
    store.data_mut().stop_at = Instant::now() + deadline;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(tick);
}

/// Gives a request started on a reused instance the whole `deadline` from
/// now (the requests in flight beside it keep the handler's own timeouts).
pub(crate) fn extend(mut store: StoreContextMut<'_, State>, deadline: Duration) {
    store.data_mut().stop_at = Instant::now() + deadline;
    store.set_epoch_deadline(1);
}

fn tick(store: StoreContextMut<'_, State>) -> wasmtime::Result<UpdateDeadline> {
    if Instant::now() >= store.data().stop_at {
        Err(Trap::Interrupt.into())
    } else {
        Ok(UpdateDeadline::Yield(1))
    }
}
