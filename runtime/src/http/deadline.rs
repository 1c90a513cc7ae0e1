//! A response body that ends at a deadline. A reused instance streams its
//! answer after its handler has returned; a guest that never finishes the
//! body would keep the connection, and its task on the instance, waiting.
//! At the deadline the body fails, hyper closes the connection, and the
//! guest's write side sees its reader gone. (A client that stops reading is
//! bounded by the instance's expiry: an instance that holds a request past
//! its deadline with no newer one is retired.)

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::Error;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// `body`, failing once `deadline` has passed.
pub(crate) struct DeadlineBody {
    body: HyperOutgoingBody,
    deadline: Pin<Box<Sleep>>,
}

impl DeadlineBody {
    /// `body`, ending at `deadline`.
    pub(crate) fn new(body: HyperOutgoingBody, deadline: Instant) -> Self {
        Self {
            body,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Error::InternalError(Some(
                "the answer did not end before the deadline".into(),
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http_body_util::{BodyExt as _, StreamBody};

    use super::*;

    #[tokio::test]
    async fn a_body_that_never_ends_fails_at_the_deadline() {
        let never = StreamBody::new(futures::stream::pending::<Result<Frame<Bytes>, Error>>());
        let ends = Instant::now() + Duration::from_millis(50);
        let body = DeadlineBody::new(never.boxed_unsync(), ends);
        let collected = tokio::time::timeout(Duration::from_secs(10), body.collect()).await;
        let error = collected.expect("the body ends").unwrap_err();
        assert!(error.to_string().contains("deadline"), "{error}");
    }

    #[tokio::test]
    async fn a_body_within_the_deadline_is_whole() {
        let frames = futures::stream::iter(
            ["a", "b"]
                .map(|chunk| Ok::<_, Error>(Frame::data(Bytes::from_static(chunk.as_bytes())))),
        );
        let ends = Instant::now() + Duration::from_secs(60);
        let body = DeadlineBody::new(StreamBody::new(frames).boxed_unsync(), ends);
        assert_eq!(body.collect().await.unwrap().to_bytes(), "ab");
    }
}
