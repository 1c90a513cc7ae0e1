//! The orders app: it accepts `com.example.order.created` events, checks the
//! order in their JSON data, and answers with a `com.example.order.accepted`
//! event. A bad order is refused with `handler-error::invalid`, which the
//! binder answers with 400; other event types are ignored (204).

wit_bindgen::generate!({
    world: "bindery:cloudevents/app",
    path: "../../wit",
});

use exports::bindery::cloudevents::handler::{Event, Guest, HandlerError};
use serde::{Deserialize, Serialize};

/// The event type this app handles.
const ORDER_CREATED: &str = "com.example.order.created";
/// The event type it answers with.
const ORDER_ACCEPTED: &str = "com.example.order.accepted";
/// Extensions carried over to the answer, so that a trace continues.
const TRACE_EXTENSIONS: [&str; 2] = ["traceparent", "tracestate"];

/// The data of an order event.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Order {
    order_id: String,
    customer: String,
    items: Vec<Item>,
}

/// One line of an order.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Item {
    sku: String,
    quantity: u32,
    unit_price_cents: u64,
}

/// The data of the acceptance event.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Accepted<'a> {
    order_id: &'a str,
    customer: &'a str,
    item_count: u32,
    total_cents: u64,
}

impl Order {
    /// Parses and checks the event's data.
    fn from_event(event: &Event) -> Result<Self, String> {
        let json = event.datacontenttype.as_deref().is_none_or(|media_type| {
            let essence = media_type.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
        });
        if !json {
            return Err("an order's datacontenttype must be application/json".into());
        }
        let data = event.data.as_deref().ok_or("an order event needs data")?;
        let order: Self =
            serde_json::from_slice(data).map_err(|err| format!("the order is not valid: {err}"))?;
        if order.order_id.trim().is_empty() {
            return Err("orderId must not be empty".into());
        }
        if order.items.is_empty() {
            return Err(format!("order {} has no items", order.order_id));
        }
        for (index, item) in order.items.iter().enumerate() {
            if item.sku.trim().is_empty() {
                return Err(format!("item {index} has no sku"));
            }
            if item.quantity == 0 {
                return Err(format!("item {index} ({}) has quantity 0", item.sku));
            }
        }
        Ok(order)
    }

    /// The acceptance event answering `created`.
    fn accept(&self, created: &Event) -> Result<Event, String> {
        let mut total_cents = 0u64;
        let mut item_count = 0u32;
        for item in &self.items {
            let line = item
                .unit_price_cents
                .checked_mul(u64::from(item.quantity))
                .ok_or("the order total overflows")?;
            total_cents = total_cents
                .checked_add(line)
                .ok_or("the order total overflows")?;
            item_count = item_count.saturating_add(item.quantity);
        }
        let data = serde_json::to_vec(&Accepted {
            order_id: &self.order_id,
            customer: &self.customer,
            item_count,
            total_cents,
        })
        .map_err(|err| err.to_string())?;
        Ok(Event {
            id: format!("{}/accepted", created.id),
            source: "/orders".into(),
            specversion: "1.0".into(),
            type_: ORDER_ACCEPTED.into(),
            datacontenttype: Some("application/json".into()),
            dataschema: None,
            subject: Some(self.order_id.clone()),
            time: None,
            extensions: created
                .extensions
                .iter()
                .filter(|extension| TRACE_EXTENSIONS.contains(&extension.name.as_str()))
                .cloned()
                .collect(),
            data: Some(data),
        })
    }
}

struct Orders;

impl Guest for Orders {
    fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
        if event.type_ != ORDER_CREATED {
            return Ok(None);
        }
        let order = Order::from_event(&event).map_err(HandlerError::Invalid)?;
        order
            .accept(&event)
            .map(Some)
            .map_err(HandlerError::Invalid)
    }
}

export!(Orders);
