//! A test event stage: it adds the extension `enriched` (the value of its
//! `ENRICH_WITH` setting, `yes` without one) to each event before passing
//! it on with `next`, and `stagedanswer = true` to the answer. Events of
//! type `com.example.stage.drop` it drops itself; `com.example.stage.answer`
//! it answers itself, without the app.

use bindery_sdk::{AttributeValue, Event, Extension, HandlerError};

fn handle(mut event: Event) -> Result<Option<Event>, HandlerError> {
    match event.ty.as_str() {
        "com.example.stage.drop" => return Ok(Some(bindery_sdk::dropped(&event))),
        "com.example.stage.answer" => return Ok(Some(event)),
        _ => {}
    }
    let value = std::env::var("ENRICH_WITH").unwrap_or_else(|_| "yes".into());
    event
        .extensions
        .push(Extension::new("enriched", AttributeValue::String(value)));
    let answer = bindery_sdk::next(event)?;
    Ok(answer.map(|mut answer| {
        answer.extensions.push(Extension::new(
            "stagedanswer",
            AttributeValue::Boolean(true),
        ));
        answer
    }))
}

bindery_sdk::export_stage!(handle);
