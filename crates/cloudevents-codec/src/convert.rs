//! Conversions between the codec's [`Event`](crate::Event) and the `event`
//! record of `bindery:cloudevents/types` as a bindings generator makes it.
//! Generated bindings differ from one generator to another (wit-bindgen in
//! a guest, `wasmtime::component::bindgen!` in a host) but agree on names,
//! so one macro serves them all.

/// Defines `fn to_wit(event: Event) -> $wit::Event`,
/// `fn from_wit(event: $wit::Event) -> Event`, `fn answer_from_wit`, which
/// turns a `handle` call's WIT result into the codec's, and `fn
/// answer_to_wit`, the other way, in the calling module, where
/// `$wit` names the generated `bindery:cloudevents/types` module in scope
/// (for example through `use ... as wit`). With a second module, the
/// generated `bindery:cloudevents/sender`, it also defines `fn
/// send_to_sink(event: Event) -> Result<(), String>`.
#[macro_export]
macro_rules! wit_conversions {
    ($wit:ident, $sender:ident) => {
        $crate::wit_conversions!($wit);

        /// Sends an event through the component's sender; the error says
        /// why the sink did not take it.
        fn send_to_sink(event: $crate::Event) -> Result<(), String> {
            use $sender::SendError;
            $sender::send(&to_wit(event)).map_err(|error| match error {
                SendError::Refused(why) => format!("refused: {why}"),
                SendError::Unreachable(why) => format!("unreachable: {why}"),
                SendError::Invalid(why) => format!("invalid: {why}"),
            })
        }
    };
    ($wit:ident) => {
        fn to_wit(event: $crate::Event) -> $wit::Event {
            use $crate::AttributeValue as Codec;
            use $wit::AttributeValue as Wit;
            $wit::Event {
                id: event.id,
                source: event.source,
                specversion: event.specversion,
                type_: event.ty,
                datacontenttype: event.datacontenttype,
                dataschema: event.dataschema,
                subject: event.subject,
                time: event.time,
                extensions: event
                    .extensions
                    .into_iter()
                    .map(|extension| $wit::Extension {
                        name: extension.name,
                        value: match extension.value {
                            Codec::Boolean(value) => Wit::Boolean(value),
                            Codec::Integer(value) => Wit::Integer(value),
                            Codec::String(value) => Wit::String(value),
                            Codec::Binary(value) => Wit::Binary(value),
                            Codec::Uri(value) => Wit::Uri(value),
                            Codec::UriRef(value) => Wit::UriRef(value),
                            Codec::Timestamp(value) => Wit::Timestamp(value),
                        },
                    })
                    .collect(),
                data: event.data,
            }
        }

        fn from_wit(event: $wit::Event) -> $crate::Event {
            use $crate::AttributeValue as Codec;
            use $wit::AttributeValue as Wit;
            $crate::Event {
                id: event.id,
                source: event.source,
                specversion: event.specversion,
                ty: event.type_,
                datacontenttype: event.datacontenttype,
                dataschema: event.dataschema,
                subject: event.subject,
                time: event.time,
                extensions: event
                    .extensions
                    .into_iter()
                    .map(|extension| {
                        let value = match extension.value {
                            Wit::Boolean(value) => Codec::Boolean(value),
                            Wit::Integer(value) => Codec::Integer(value),
                            Wit::String(value) => Codec::String(value),
                            Wit::Binary(value) => Codec::Binary(value),
                            Wit::Uri(value) => Codec::Uri(value),
                            Wit::UriRef(value) => Codec::UriRef(value),
                            Wit::Timestamp(value) => Codec::Timestamp(value),
                        };
                        $crate::Extension::new(extension.name, value)
                    })
                    .collect(),
                data: event.data,
            }
        }

        #[allow(dead_code, reason = "a binder lifts answers, an app lowers them")]
        fn answer_to_wit(
            answer: Result<Option<$crate::Event>, $crate::HandlerError>,
        ) -> Result<Option<$wit::Event>, $wit::HandlerError> {
            match answer {
                Ok(answer) => Ok(answer.map(to_wit)),
                Err($crate::HandlerError::Invalid(why)) => Err($wit::HandlerError::Invalid(why)),
                Err($crate::HandlerError::Unavailable(why)) => {
                    Err($wit::HandlerError::Unavailable(why))
                }
                Err($crate::HandlerError::Internal(why)) => Err($wit::HandlerError::Internal(why)),
            }
        }

        #[allow(dead_code, reason = "a binder lifts answers, an app lowers them")]
        fn answer_from_wit(
            answer: Result<Option<$wit::Event>, $wit::HandlerError>,
        ) -> Result<Option<$crate::Event>, $crate::HandlerError> {
            match answer {
                Ok(answer) => Ok(answer.map(from_wit)),
                Err($wit::HandlerError::Invalid(why)) => Err($crate::HandlerError::Invalid(why)),
                Err($wit::HandlerError::Unavailable(why)) => {
                    Err($crate::HandlerError::Unavailable(why))
                }
                Err($wit::HandlerError::Internal(why)) => Err($crate::HandlerError::Internal(why)),
            }
        }
    };
}
