//! Every event of the CloudEvents conformance suite (the golden samples of
//! its valid events and batches) through the CloudEvents Rust SDK's
//! `cloudevents::Event` and back, with the feature `cloudevents-sdk`.
//!
//! What the SDK cannot hold comes back in the form it can: URI,
//! URI-reference, timestamp and binary extensions as strings, `time` in
//! UTC, `dataschema` normalised as a URL, JSON data re-serialized; the
//! extensions come back in another order. The comparison allows exactly that.

use bindery_test_support::conformance;

use bindery_sdk::Event;
use cloudevents::event::TryIntoUrl as _;
use codec::json::is_json_media_type;
use codec::timestamp;
use conformance::{load, sample_batch, sample_event};
use serde_json::Value;

/// The extensions as (name, canonical string), sorted by name.
fn extensions(event: &Event) -> Vec<(String, String)> {
    let mut extensions: Vec<_> = event
        .extensions
        .iter()
        .map(|extension| (extension.name.clone(), extension.value.to_string()))
        .collect();
    extensions.sort();
    extensions
}

fn assert_round_trips(case: &str, event: &Event) {
    let sdk: cloudevents::Event = event
        .clone()
        .try_into()
        .unwrap_or_else(|err| panic!("{case}: {err}"));
    let back = Event::from(sdk);
    let attributes = |event: &Event| {
        (
            event.id.clone(),
            event.source.clone(),
            event.specversion.clone(),
            event.ty.clone(),
            event.datacontenttype.clone(),
            event.subject.clone(),
        )
    };
    assert_eq!(attributes(&back), attributes(event), "{case}");
    assert_eq!(
        back.time
            .as_deref()
            .map(|time| timestamp::parse(time).unwrap()),
        event
            .time
            .as_deref()
            .map(|time| timestamp::parse(time).unwrap()),
        "{case}: time"
    );
    assert_eq!(
        back.dataschema,
        event
            .dataschema
            .as_deref()
            .map(|schema| schema.into_url().unwrap().to_string()),
        "{case}: dataschema"
    );
    assert_eq!(extensions(&back), extensions(event), "{case}: extensions");
    let json = is_json_media_type(event.effective_content_type());
    match (&back.data, &event.data) {
        (Some(back), Some(sent)) if json => assert_eq!(
            serde_json::from_slice::<Value>(back).unwrap(),
            serde_json::from_slice::<Value>(sent).unwrap(),
            "{case}: data"
        ),
        (back, sent) => assert_eq!(back, sent, "{case}: data"),
    }
}

#[test]
fn every_conformance_event_round_trips_through_the_cloudevents_sdk() {
    let mut events = 0;
    for case in load("valid-events.json") {
        let id = case["id"].as_str().unwrap();
        assert_round_trips(id, &sample_event(case["sampleId"].as_str().unwrap()));
        events += 1;
    }
    for case in load("valid-batches.json") {
        let id = case["id"].as_str().unwrap();
        for (index, event) in sample_batch(case["sampleId"].as_str().unwrap())
            .iter()
            .enumerate()
        {
            assert_round_trips(&format!("{id}[{index}]"), event);
            events += 1;
        }
    }
    assert!(events >= 10, "only {events} events");
}
