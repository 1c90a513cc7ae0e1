//! The nats-cloudevents binder for WASI 0.3: the same NATS binding as the
//! 0.2 binder ([`nats_binding::on_message`], the same codec, the same
//! answers), behind `wasmcloud:messaging/handler@0.3.0`, whose functions are
//! `async` and whose message bodies are `stream<u8>`.
//!
//! What 0.3 adds is the disposition of a failure: an invalid message, or
//! an event the app refuses as invalid, is `reject` (delivering it again
//! will not help); an app that is unavailable or failed, an answer that
//! cannot be made, and an answer that cannot be published are `retry`. A
//! JetStream trigger turns `retry` into a negative acknowledgement with its
//! back-off and `reject` into a terminal one; `bindery compose` picks this
//! build for `wasi = "0.3"` on a NATS executor.

#[cfg(target_arch = "wasm32")]
mod binder;

/// What a failure of the binding is worth to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Delivering the message again may succeed.
    Retry,
    /// Delivering it again will not help.
    Reject,
}

/// The disposition of a failure of [`nats_binding::on_message`].
pub fn disposition(failure: &nats_binding::Failure) -> Disposition {
    if failure.retry {
        Disposition::Retry
    } else {
        Disposition::Reject
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nats_binding::{Config, HandlerError, Message, on_message};

    fn message(body: &str) -> Message {
        Message {
            subject: "orders.created".into(),
            body: body.as_bytes().to_vec(),
            reply_to: None,
        }
    }

    const EVENT: &str =
        r#"{"specversion":"1.0","id":"1","source":"/shop","type":"com.example.order.created"}"#;

    fn config() -> Config {
        Config::from_env(std::iter::empty()).unwrap()
    }

    #[test]
    fn an_invalid_message_is_rejected() {
        let failure = on_message(&config(), &message("{"), |_| Ok(None)).unwrap_err();
        assert_eq!(disposition(&failure), Disposition::Reject);
    }

    #[test]
    fn an_event_the_app_refuses_is_rejected_and_an_unavailable_app_retried() {
        let refused = on_message(&config(), &message(EVENT), |_| {
            Err(HandlerError::Invalid("no".into()))
        })
        .unwrap_err();
        assert_eq!(disposition(&refused), Disposition::Reject);
        for error in [
            HandlerError::Unavailable("busy".into()),
            HandlerError::Internal("bug".into()),
        ] {
            let failed =
                on_message(&config(), &message(EVENT), |_| Err(error.clone())).unwrap_err();
            assert_eq!(disposition(&failed), Disposition::Retry);
        }
    }
}
