//! The orders app: it accepts `com.example.order.created` events, checks the
//! order in their JSON data, sends a `com.example.order.audited` event for it
//! through the sink the manifest names, and answers with a
//! `com.example.order.accepted` event. A bad order is refused with
//! `handler-error::invalid`, which the binder answers with 400; an audit the
//! sink does not take fails the order with `unavailable` (503); other event
//! types are ignored (204).

use bindery_sdk::{DataError, Event, EventBuilder, HandlerError, send};
use serde::{Deserialize, Serialize};

/// The event type this app handles.
const ORDER_CREATED: &str = "com.example.order.created";
/// The event type it answers with.
const ORDER_ACCEPTED: &str = "com.example.order.accepted";
/// The event type of the audit record it sends.
const ORDER_AUDITED: &str = "com.example.order.audited";

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
        let order: Self = event.json().map_err(|err| match err {
            DataError::NotJson(_) => "an order's datacontenttype must be application/json".into(),
            DataError::NoData => "an order event needs data".into(),
            err => format!("the order is not valid: {err}"),
        })?;
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
        let accepted = Event {
            id: format!("{}/accepted", created.id),
            source: "/orders".into(),
            specversion: "1.0".into(),
            ty: ORDER_ACCEPTED.into(),
            subject: Some(self.order_id.clone()),
            ..Event::default()
        };
        accepted
            .with_json(&Accepted {
                order_id: &self.order_id,
                customer: &self.customer,
                item_count,
                total_cents,
            })
            .map(|accepted| accepted.with_trace_of(created))
            .map_err(|err| err.to_string())
    }
}

/// Accepts `com.example.order.created` events, ignores the others.
fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
    if event.ty != ORDER_CREATED {
        return Ok(None);
    }
    let order = Order::from_event(&event).map_err(HandlerError::Invalid)?;
    let accepted = order.accept(&event).map_err(HandlerError::Invalid)?;
    let audited = EventBuilder::new(ORDER_AUDITED, "/orders")
        .id(format!("{}/audited", event.id))
        .subject(&order.order_id)
        .bytes(
            accepted.data.clone().unwrap_or_default(),
            accepted.effective_content_type(),
        )
        .trace_of(&event)
        .build()
        .map_err(|err| HandlerError::Internal(err.to_string()))?;
    send(audited).map_err(|err| HandlerError::Unavailable(err.to_string()))?;
    Ok(Some(accepted))
}

bindery_sdk::export_handler!(handle);
