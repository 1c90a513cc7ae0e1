//! The filter stage's work per event, natively (criterion): the orders
//! subscription (`types` and one CESQL filter) evaluated against a decoded
//! event, as the stage evaluates it for every event it is given.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use bindery_cloudevents_codec::Event;

use crate::codec::mean_ns;

/// The filters measured, as the `types`/`filters` shorthand of the orders
/// example with a CESQL filter writes them for the stage.
pub(crate) const ORDERS_FILTERS: &str = r#"[{"any":[{"exact":{"type":"com.example.order.created"}}]},{"sql":"source LIKE '/shop%' AND EXISTS traceparent"}]"#;

/// One measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FilterResult {
    /// The filters, as JSON.
    pub filters: &'static str,
    /// Nanoseconds per event: parsing, done once per instance, left out.
    pub ns_per_event: f64,
    /// Nanoseconds to parse the filters, once per instance.
    pub ns_to_parse: f64,
}

/// Measures the orders filters, writing criterion's data under `out`.
pub fn run(measure: Duration, out: &Path) -> Result<FilterResult> {
    let settings = [(
        bindery_filter::FILTERS_VARIABLE.to_owned(),
        ORDERS_FILTERS.to_owned(),
    )];
    let filters = bindery_filter::filters_from(settings.clone().into_iter())
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let event = Event {
        id: "o-1".into(),
        source: "/shop".into(),
        specversion: "1.0".into(),
        ty: "com.example.order.created".into(),
        extensions: vec![bindery_cloudevents_codec::Extension {
            name: "traceparent".into(),
            value: bindery_cloudevents_codec::AttributeValue::String(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
            ),
        }],
        ..Event::default()
    };
    anyhow::ensure!(
        filters.matches(&bindery_filter::Attributes(&event)),
        "the orders event passes the orders filters"
    );
    let mut criterion = crate::codec::criterion(measure, out);
    criterion.bench_function("filter-orders", |b| {
        b.iter(|| filters.matches(&bindery_filter::Attributes(std::hint::black_box(&event))))
    });
    criterion.bench_function("filter-orders-parse", |b| {
        b.iter(|| bindery_filter::filters_from(settings.clone().into_iter()).is_ok())
    });
    Ok(FilterResult {
        filters: ORDERS_FILTERS,
        ns_per_event: mean_ns(out, "filter-orders")?,
        ns_to_parse: mean_ns(out, "filter-orders-parse")?,
    })
}
