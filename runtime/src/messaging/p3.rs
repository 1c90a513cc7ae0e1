//! The host's side of `wasmcloud:messaging@0.3.0`: every function is
//! `async` and a body is a `stream<u8>`. The consumer reads a guest's body
//! whole (within the broker's largest payload; core NATS sends a message as
//! one payload) and then publishes or requests as the 0.2 consumer does,
//! within the same subject policy; the broker's errors come back as the
//! interface's typed `error`. The handler side ([`deliver`]) gives a
//! message's payload to the guest as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;
use wasmtime::StoreContextMut;
use wasmtime::component::{
    Accessor, HasData, Linker, Source, StreamConsumer, StreamReader, StreamResult,
};

use super::{CheckError, Messaging, Sending};

mod generated {
    wasmtime::component::bindgen!({
        inline: "
            package bindery:host-p3;

            world messaging-app {
                import wasmcloud:messaging/consumer@0.3.0;
                export wasmcloud:messaging/handler@0.3.0;
            }
        ",
        path: "../wit/messaging-0.3/messaging.wit",
        world: "bindery:host-p3/messaging-app",
        exports: { default: async | store },
        require_store_data_send: true,
    });
}

pub(crate) use generated::wasmcloud::messaging::types::{BrokerMessage, Error, HandleMessageError};
pub(crate) use generated::{MessagingApp, MessagingAppPre};

use generated::wasmcloud::messaging::{consumer, types};

/// The [`HasData`] of the 0.3 consumer: the instance's [`Messaging`].
pub(crate) struct MessagingP3;

impl HasData for MessagingP3 {
    type Data<'a> = &'a mut Messaging;
}

impl types::Host for Messaging {}

impl consumer::Host for Messaging {}

impl<T: Send> consumer::HostWithStore<T> for MessagingP3 {
    async fn publish(accessor: &Accessor<T, Self>, msg: BrokerMessage) -> Result<(), Error> {
        let BrokerMessage {
            subject,
            body,
            reply_to,
        } = msg;
        let (answer, checked) = accessor.with(|mut access| {
            let messaging = access.get();
            let answer = messaging.answers(&subject);
            (answer, messaging.check(&subject, Sending::Publish).cloned())
        });
        let body = read_body(accessor, body, checked.as_ref().ok()).await;
        let client = checked.map_err(refused)?;
        let body = body?;
        let published = match reply_to {
            Some(reply) if !manifest::is_publish_subject(&reply) => {
                return Err(Error::SubjectInvalid);
            }
            Some(reply) => {
                client
                    .publish_with_reply(subject.clone(), reply, body)
                    .await
            }
            None => client.publish(subject.clone(), body).await,
        };
        published.map_err(|error| {
            tracing::warn!("cannot publish to `{subject}`: {error}");
            Error::BrokerUnavailable
        })?;
        if answer {
            return Ok(());
        }
        // As for 0.2: `ok` means the message was written to the broker's
        // connection, not merely queued in the client (a reply excepted:
        // see `Messaging::answers`).
        client.flush().await.map_err(|error| {
            tracing::warn!(
                "the message to `{subject}` could not be written to the broker: {error}"
            );
            Error::BrokerUnavailable
        })
    }

    async fn request(
        accessor: &Accessor<T, Self>,
        subject: String,
        body: StreamReader<u8>,
        timeout_ms: Option<u32>,
    ) -> Result<BrokerMessage, Error> {
        let (checked, limit) = accessor.with(|mut access| {
            let messaging = access.get();
            let checked = messaging.check(&subject, Sending::Request).cloned();
            (checked, messaging.request_limit)
        });
        let body = read_body(accessor, body, checked.as_ref().ok()).await;
        let client = checked.map_err(refused)?;
        let body = body?;
        let timeout = timeout_ms
            .map_or(limit, |ms| Duration::from_millis(ms.into()))
            .min(limit);
        let reply = match tokio::time::timeout(timeout, client.request(subject.clone(), body)).await
        {
            Err(_elapsed) => return Err(Error::Timeout),
            Ok(Err(error)) => {
                tracing::warn!("the request to `{subject}` failed: {error}");
                return Err(match error.kind() {
                    async_nats::RequestErrorKind::TimedOut => Error::Timeout,
                    async_nats::RequestErrorKind::NoResponders => {
                        Error::Other(format!("no responders on `{subject}`"))
                    }
                    async_nats::RequestErrorKind::Other => Error::BrokerUnavailable,
                });
            }
            Ok(Ok(reply)) => reply,
        };
        let body = accessor
            .with(|mut access| StreamReader::new(&mut access, reply.payload))
            .map_err(|error| Error::Other(format!("cannot pass the reply's body: {error}")))?;
        Ok(BrokerMessage {
            subject: reply.subject.to_string(),
            body,
            reply_to: reply.reply.as_ref().map(ToString::to_string),
        })
    }
}

/// The 0.3 error for a message the policy refuses.
fn refused(error: CheckError) -> Error {
    match error {
        CheckError::NoConnection => Error::BrokerUnavailable,
        CheckError::NotASubject(_) => Error::SubjectInvalid,
        CheckError::Denied(_) => Error::AccessDenied,
    }
}

/// Reads the guest's `body` whole for `client`'s broker (at most its
/// largest payload), or, without a client (the message is refused), closes
/// it unread and returns nothing.
async fn read_body<T>(
    accessor: &Accessor<T, MessagingP3>,
    mut body: StreamReader<u8>,
    client: Option<&async_nats::Client>,
) -> Result<Bytes, Error> {
    let Some(client) = client else {
        let _ = accessor.with(|mut access| body.close(&mut access));
        return Ok(Bytes::new());
    };
    let limit = client.server_info().max_payload;
    let (done, read) = oneshot::channel();
    accessor
        .with(|mut access| {
            body.pipe(
                &mut access,
                Collect {
                    bytes: Vec::new(),
                    limit,
                    done: Some(done),
                },
            )
        })
        .map_err(|error| Error::Other(format!("cannot read the body: {error}")))?;
    match read.await {
        Ok(Ok(bytes)) => Ok(Bytes::from(bytes)),
        Ok(Err(TooLarge)) => Err(Error::MessageTooLarge),
        Err(_) => Err(Error::Other("the body was not read to its end".into())),
    }
}

/// A body over the broker's largest payload.
struct TooLarge;

/// Collects a guest's byte stream, at most `limit` bytes; sends what it
/// read when the stream ends (the guest closed it, and the consumer is
/// dropped), or that it grew too large.
struct Collect {
    bytes: Vec<u8>,
    limit: usize,
    done: Option<oneshot::Sender<Result<Vec<u8>, TooLarge>>>,
}

impl<D> StreamConsumer<D> for Collect {
    type Item = u8;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<Self::Item>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut source = source.as_direct(store);
        let chunk = source.remaining();
        if self.bytes.len() + chunk.len() > self.limit {
            if let Some(done) = self.done.take() {
                let _ = done.send(Err(TooLarge));
            }
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let read = chunk.len();
        self.bytes.extend_from_slice(chunk);
        source.mark_read(read);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(Ok(std::mem::take(&mut self.bytes)));
        }
    }
}

/// Adds `wasmcloud:messaging/consumer@0.3.0` (and its types) to `linker`,
/// served by the [`Messaging`] that `get` finds in a store's data.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut Messaging,
) -> wasmtime::Result<()> {
    MessagingApp::add_to_linker::<T, MessagingP3>(linker, get)
}

/// Calls the handler of `app` in `store` with `subject`, `payload` and
/// `reply_to`, the payload given as a stream.
pub(crate) async fn deliver<T: Send + 'static>(
    store: &mut wasmtime::Store<T>,
    app: &MessagingApp,
    (subject, payload, reply_to): (String, Vec<u8>, Option<String>),
) -> wasmtime::Result<Result<(), HandleMessageError>> {
    store
        .run_concurrent(async |accessor| {
            let body =
                accessor.with(|mut access| StreamReader::new(&mut access, Bytes::from(payload)))?;
            let message = BrokerMessage {
                subject,
                body,
                reply_to,
            };
            app.wasmcloud_messaging_handler()
                .call_handle_message(accessor, message)
                .await
        })
        .await?
}

/// What a 0.3 handler's error says, for the log.
pub(crate) fn describe(error: &HandleMessageError) -> String {
    match error {
        HandleMessageError::Reject => "rejected (delivering it again will not help)".to_owned(),
        HandleMessageError::Retry => "asked for the message again (retry)".to_owned(),
        HandleMessageError::Other(detail) => format!("failed: {detail}"),
    }
}

/// Whether the handler's error leaves redelivery worth trying: `retry`
/// only (`other` is a `reject` for redelivery, as the interface says).
pub(crate) fn may_retry(error: &HandleMessageError) -> bool {
    matches!(error, HandleMessageError::Retry)
}
