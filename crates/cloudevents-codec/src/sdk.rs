//! Conversions to and from `cloudevents::Event` of the CloudEvents Rust SDK
//! (`cloudevents-sdk`), behind the `cloudevents-sdk` feature.
//!
//! The SDK's extension values are strings, booleans and 64-bit integers
//! only: URI, URI-reference and timestamp extensions become strings, binary
//! ones their base64 string, and an SDK integer outside the 32-bit range of
//! the CloudEvents type system a string. Its `time` is a `DateTime<Utc>`,
//! written back as RFC 3339 in UTC; its `dataschema` a parsed `Url`.

use cloudevents::event::{ExtensionValue, TryIntoUrl as _};
use cloudevents::{AttributesReader as _, AttributesWriter as _, Data};

use crate::event::{AttributeValue, Event, Extension};
use crate::json::is_json_media_type;

/// Why an event cannot become an SDK event.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The SDK's builder refused it (a missing attribute, a bad `time`).
    #[error("the CloudEvents SDK refuses the event")]
    Refused(#[source] cloudevents::event::EventBuilderError),
    /// `dataschema` is not an absolute URL.
    #[error("dataschema `{0}` is not an absolute URL")]
    DataSchema(String, #[source] Box<dyn std::error::Error + Send + Sync>),
    /// JSON data that does not parse.
    #[error("the data is declared JSON but does not parse")]
    Json(#[source] serde_json::Error),
}

impl TryFrom<Event> for cloudevents::Event {
    type Error = SdkError;

    fn try_from(event: Event) -> Result<Self, SdkError> {
        use cloudevents::EventBuilder as _;
        let mut builder = cloudevents::EventBuilderV10::new()
            .id(event.id)
            .source(event.source)
            .ty(event.ty);
        if let Some(subject) = event.subject {
            builder = builder.subject(subject);
        }
        if let Some(time) = event.time {
            builder = builder.time(time);
        }
        for Extension { name, value } in event.extensions {
            let value = match value {
                AttributeValue::Boolean(value) => ExtensionValue::Boolean(value),
                AttributeValue::Integer(value) => ExtensionValue::Integer(value.into()),
                other => ExtensionValue::String(other.to_string()),
            };
            builder = builder.extension(&name, value);
        }
        let mut sdk = builder.build().map_err(SdkError::Refused)?;
        if let Some(dataschema) = event.dataschema {
            let url = dataschema
                .as_str()
                .into_url()
                .map_err(|error| SdkError::DataSchema(dataschema.clone(), Box::new(error)))?;
            sdk.set_dataschema(Some(url));
        }
        let json = is_json_media_type(
            event
                .datacontenttype
                .as_deref()
                .unwrap_or("application/json"),
        );
        sdk.set_datacontenttype(event.datacontenttype);
        if let Some(data) = event.data {
            let data = if json {
                Data::Json(serde_json::from_slice(&data).map_err(SdkError::Json)?)
            } else {
                Data::Binary(data)
            };
            sdk.set_data_unchecked(data);
        }
        Ok(sdk)
    }
}

impl From<cloudevents::Event> for Event {
    fn from(sdk: cloudevents::Event) -> Self {
        let extensions = sdk
            .iter_extensions()
            .map(|(name, value)| {
                let value = match value {
                    ExtensionValue::Boolean(value) => AttributeValue::Boolean(*value),
                    ExtensionValue::Integer(value) => i32::try_from(*value).map_or_else(
                        |_| AttributeValue::String(value.to_string()),
                        AttributeValue::Integer,
                    ),
                    ExtensionValue::String(value) => AttributeValue::String(value.clone()),
                };
                Extension::new(name, value)
            })
            .collect();
        let data = sdk.data().map(|data| match data {
            Data::Binary(bytes) => bytes.clone(),
            Data::String(text) => text.clone().into_bytes(),
            Data::Json(value) => value.to_string().into_bytes(),
        });
        Self {
            id: sdk.id().to_owned(),
            source: sdk.source().to_string(),
            specversion: sdk.specversion().to_string(),
            ty: sdk.ty().to_owned(),
            datacontenttype: sdk.datacontenttype().map(str::to_owned),
            dataschema: sdk.dataschema().map(ToString::to_string),
            subject: sdk.subject().map(str::to_owned),
            time: sdk.time().map(|time| time.to_rfc3339()),
            extensions,
            data,
        }
    }
}
