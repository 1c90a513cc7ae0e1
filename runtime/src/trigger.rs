//! What the host asks of a trigger kind: to get ready before serving (bind,
//! subscribe), then to serve in a [`HostContext`] until told to stop, and
//! to finish what is in flight before it returns.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::watch;

use crate::context::HostContext;
use crate::error::ServeError;

/// A trigger kind of the host (HTTP, NATS), with the components it serves.
pub(crate) trait Trigger: Send + 'static {
    /// Gets ready to serve, in `context` (with its broker connection, if
    /// any): for example, subscribes, so that what arrives from now on
    /// waits for [`Trigger::run`].
    fn prepare<'a>(&'a mut self, context: &'a HostContext)
    -> BoxFuture<'a, Result<(), ServeError>>;

    /// Serves until `stopping` changes, then stops taking work, finishes
    /// what is in flight and returns.
    fn run(
        self: Box<Self>,
        context: Arc<HostContext>,
        stopping: watch::Receiver<bool>,
    ) -> BoxFuture<'static, ()>;
}
