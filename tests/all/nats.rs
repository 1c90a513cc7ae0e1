//! The NATS trigger end to end: `bindery up` on a real `nats-server` on
//! loopback, the composed NATS binder in front of unchanged apps, and a NATS
//! client in the test.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use bindery_composer::Provenance;
use bindery_manifest::Sha256Digest;
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::serve::{Server, run, up_orders};
use crate::toolchain;
use bindery_test_support::broker::Broker;

/// How long a test waits for one reply, or for a line in the host's log.
const PATIENCE: Duration = Duration::from_secs(60);

/// A structured `com.example.order.created` event carrying `order`.
pub(crate) fn order_created(id: &str, order: Value) -> Value {
    json!({
        "specversion": "1.0",
        "id": id,
        "source": "/shop",
        "type": "com.example.order.created",
        "datacontenttype": "application/json",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "data": order,
    })
}

pub(crate) fn order(id: &str) -> Value {
    json!({"orderId": id, "customer": "ada", "items": [
        {"sku": "book", "quantity": 2, "unitPriceCents": 1250},
        {"sku": "pen", "quantity": 1, "unitPriceCents": 199}]})
}

/// Waits until the host's log has a line containing every one of `parts`.
async fn logged(server: &Server, parts: &[&str]) -> String {
    let started = std::time::Instant::now();
    loop {
        let log = server.log();
        if let Some(line) = log
            .lines()
            .find(|line| parts.iter().all(|part| line.contains(part)))
        {
            return line.to_owned();
        }
        assert!(
            started.elapsed() < PATIENCE,
            "no log line with {parts:?}:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The next message on `subscriber`, as JSON.
pub(crate) async fn next_json(subscriber: &mut async_nats::Subscriber) -> Value {
    let message = tokio::time::timeout(PATIENCE, subscriber.next())
        .await
        .expect("a reply arrives")
        .unwrap();
    serde_json::from_slice(&message.payload).unwrap()
}

/// Publishes order `o-2` (`A-18`), which has no items, on `orders.created`
/// with `test.replies` as its reply subject.
async fn publish_order_without_items(client: &async_nats::Client) {
    let no_items = order_created(
        "o-2",
        json!({"orderId": "A-18", "customer": "ada", "items": []}),
    );
    client
        .publish_with_reply(
            "orders.created",
            "test.replies",
            no_items.to_string().into(),
        )
        .await
        .unwrap();
}

/// A project folder with the scripted test app behind NATS triggers, each
/// `(subject, component id, binder config entries)`; components named in
/// `allowed` get that `allowed_outbound_hosts` entry.
fn scripted_on_nats(
    triggers: &[(&str, &str, &str)],
    allowed: &[(&str, &str)],
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from(
        "spin_manifest_version = 2\n\n[application]\nname = \"scripted\"\n\n\
         [application.trigger.nats]\naddress = \"nats://127.0.0.1:4222\"\n",
    );
    for (subject, component, config) in triggers {
        manifest.push_str(&format!(
            "\n[[trigger.nats]]\nsubject = \"{subject}\"\ncomponent = \"{component}\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\", config = {{ {config} }} }}\n"
        ));
    }
    let components: BTreeSet<&str> = triggers
        .iter()
        .map(|(_, component, _)| *component)
        .collect();
    for component in components {
        manifest.push_str(&format!(
            "\n[component.{component}]\nsource = {:?}\n",
            bindery_tests::SCRIPTED_APP
        ));
        if let Some((_, entry)) = allowed.iter().find(|(allowed, _)| *allowed == component) {
            manifest.push_str(&format!("allowed_outbound_hosts = [{entry:?}]\n"));
        }
    }
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

#[tokio::test]
async fn the_same_orders_wasm_answers_alike_over_http_and_nats() {
    let (broker, dir, server) = up_orders();

    let app = |file: &str| {
        Provenance::read(&std::fs::read(dir.path().join(".bindery").join(file)).unwrap())
            .unwrap()
            .app
            .sha256
    };
    let orders = Sha256Digest::of(&std::fs::read(bindery_tests::ORDERS).unwrap());
    assert_eq!(app("orders.wasm"), orders);
    assert_eq!(
        app("orders-nats.wasm"),
        orders,
        "the same app bytes behind both binders"
    );

    let client = broker.client().await;
    let mut audits = Broker::subscribed(&client, "orders.audited").await;
    let created = order_created("o-1", order("A-17"));
    let over_http = server.post_structured("/orders", &created).await;
    assert_eq!(over_http.status, 200);
    let over_nats = tokio::time::timeout(
        PATIENCE,
        client.request("orders.created", created.to_string().into()),
    )
    .await
    .unwrap()
    .unwrap();
    let over_nats: Value = serde_json::from_slice(&over_nats.payload).unwrap();
    assert_eq!(over_nats, over_http.json(), "both transports answer alike");
    assert_eq!(over_nats["type"], "com.example.order.accepted");
    assert_eq!(over_nats["id"], "o-1/accepted");
    assert_eq!(
        over_nats["data"],
        json!({"orderId": "A-17", "customer": "ada", "itemCount": 3, "totalCents": 2699})
    );
    // Each accepted order is audited through the nats-sink, from either
    // transport.
    for _ in ["http", "nats"] {
        let audit = next_json(&mut audits).await;
        assert_eq!(audit["type"], "com.example.order.audited");
        assert_eq!(audit["id"], "o-1/audited");
        assert_eq!(audit["subject"], "A-17");
        assert_eq!(audit["traceparent"], created["traceparent"]);
        assert_eq!(audit["data"], over_nats["data"]);
    }

    // An invalid order gets no reply, and the host logs why.
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    publish_order_without_items(&client).await;
    logged(
        &server,
        &[
            "message refused",
            "orders.created",
            "order A-18 has no items",
        ],
    )
    .await;
    // One that does not fit the schema gets no reply either; the log names
    // the JSON pointer of each failure.
    let misfit = order_created(
        "o-5",
        json!({"orderId": "A-19", "customer": 7, "items": []}),
    );
    client
        .publish_with_reply("orders.created", "test.replies", misfit.to_string().into())
        .await
        .unwrap();
    logged(
        &server,
        &[
            "message refused",
            "does not match its schema",
            "/customer: ",
        ],
    )
    .await;
    let batch = json!([
        order_created("o-3", order("A-20")),
        order_created("o-4", order("A-21"))
    ]);
    client
        .publish_with_reply("orders.created", "test.replies", batch.to_string().into())
        .await
        .unwrap();
    let answered = next_json(&mut replies).await;
    let ids: Vec<&Value> = answered
        .as_array()
        .expect("a batch is answered with a batch, not the refused order")
        .iter()
        .map(|event| &event["id"])
        .collect();
    assert_eq!(ids, [&json!("o-3/accepted"), &json!("o-4/accepted")]);
}

#[tokio::test]
async fn a_trap_costs_one_message_and_ten_thousand_arrive_once() {
    const MESSAGES: usize = 10_000;
    let broker = Broker::start(&toolchain::nats_server());
    let dir = scripted_on_nats(&[("events.in", "scripted", "")], &[]);
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    let client = broker.client().await;
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    let event = |id: String, kind: &str| {
        json!({"specversion": "1.0", "id": id, "source": "/e2e", "type": kind}).to_string()
    };

    client
        .publish_with_reply(
            "events.in",
            "test.replies",
            event("trap".into(), "test.trap").into(),
        )
        .await
        .unwrap();
    logged(&server, &["events.in", "the component trapped"]).await;

    for index in 0..MESSAGES {
        client
            .publish_with_reply(
                "events.in",
                "test.replies",
                event(format!("m-{index}"), "test.echo").into(),
            )
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    let mut seen = BTreeSet::new();
    while seen.len() < MESSAGES {
        let reply = next_json(&mut replies).await;
        let id = reply["id"].as_str().unwrap().to_owned();
        assert!(seen.insert(id.clone()), "{id} arrived twice");
    }
    let expected: BTreeSet<String> = (0..MESSAGES).map(|index| format!("m-{index}")).collect();
    assert_eq!(
        seen, expected,
        "every message answered once, and the trap's never"
    );
    let late = tokio::time::timeout(Duration::from_millis(500), replies.next()).await;
    assert!(late.is_err(), "no reply beyond the {MESSAGES}: {late:?}");
}

#[tokio::test]
async fn answers_go_only_where_allowed_outbound_hosts_allows() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = scripted_on_nats(
        &[
            ("allowed.in", "allowed", "reply-subject = \"audit.out\""),
            ("denied.in", "denied", "reply-subject = \"audit.out\""),
        ],
        &[("allowed", "nats://audit.>")],
    );
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    let client = broker.client().await;
    let mut audit = Broker::subscribed(&client, "audit.out").await;
    let event = |id: &str| {
        json!({"specversion": "1.0", "id": id, "source": "/e2e", "type": "test.echo"}).to_string()
    };
    client
        .publish("denied.in", event("d-1").into())
        .await
        .unwrap();
    logged(&server, &["denied.in", "message refused", "not allowed"]).await;
    client
        .publish("allowed.in", event("a-1").into())
        .await
        .unwrap();
    assert_eq!(next_json(&mut audit).await["id"], "a-1", "not d-1");
}

#[tokio::test]
async fn the_host_reconnects_when_the_broker_comes_back() {
    let mut broker = Broker::start(&toolchain::nats_server());
    let dir = scripted_on_nats(&[("events.in", "scripted", "")], &[]);
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    broker.restart();
    logged(&server, &["lost the connection to the NATS broker"]).await;
    let client = broker.client().await;
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    let event = json!({"specversion": "1.0", "id": "r-1", "source": "/e2e", "type": "test.echo"});
    // The host resubscribes once it has reconnected: publish until the
    // answer comes, as a client of a restarted broker would.
    let answered = async {
        loop {
            client
                .publish_with_reply("events.in", "test.replies", event.to_string().into())
                .await
                .unwrap();
            // Until the host has resubscribed, the broker answers the
            // publisher itself: "no responders", a status without payload.
            if let Ok(Some(reply)) =
                tokio::time::timeout(Duration::from_millis(250), replies.next()).await
                && reply.status.is_none()
            {
                return serde_json::from_slice::<Value>(&reply.payload).unwrap();
            }
        }
    };
    let reply = tokio::time::timeout(PATIENCE, answered)
        .await
        .expect("served again");
    assert_eq!(reply["id"], "r-1");
}

#[test]
fn a_broker_that_is_down_at_start_is_a_clear_error() {
    let dir = scripted_on_nats(&[("events.in", "scripted", "")], &[]);
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("nats://{}", free.local_addr().unwrap());
    drop(free);
    let output = run(
        dir.path(),
        &["up", "--nats-address", &address, "--cache-dir", "compiled"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("cannot connect to the NATS broker at {address}")),
        "{stderr}"
    );
    assert!(Path::new(&dir.path().join(".bindery/scripted.wasm")).exists());
}

#[tokio::test]
async fn a_component_sends_requests_through_the_hosts_consumer() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = crate::attacks::relay_project();
    let _server = Server::start(
        dir.path(),
        &["serve", "spin.toml", "--nats-address", &broker.url()],
    );
    let client = broker.client().await;
    let mut service = Broker::subscribed(&client, "svc.pong").await;
    let responder = client.clone();
    tokio::spawn(async move {
        while let Some(request) = service.next().await {
            let reply = request.reply.unwrap();
            responder.publish(reply, "pong".into()).await.unwrap();
        }
    });
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    let mut relay = async |target: &'static str| {
        client
            .publish_with_reply("relay.in", "test.replies", target.into())
            .await
            .unwrap();
        let reply = tokio::time::timeout(PATIENCE, replies.next())
            .await
            .unwrap()
            .unwrap();
        String::from_utf8(reply.payload.to_vec()).unwrap()
    };
    assert_eq!(relay("svc.pong").await, "reply: pong");
    let silent = relay("svc.silent").await;
    assert!(
        silent.starts_with("error: the request to `svc.silent` failed"),
        "{silent}"
    );
    let denied = relay("other.pong").await;
    assert!(
        denied.starts_with("error: sending to `other.pong` is not allowed"),
        "{denied}"
    );
}

#[tokio::test]
async fn an_http_app_sends_events_to_nats_through_the_nats_sink() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"sending\"\n\
             [application.trigger.nats]\naddress = \"nats://127.0.0.1:4222\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
             [component.app]\nsource = {:?}\nallowed_outbound_hosts = [\"nats://audit.>\"]\n\
             [component.app.dependencies]\n\
             \"bindery:cloudevents/sender\" = {{ binder = \"nats-sink\", config = {{ subject = \"audit.events\" }} }}\n",
            bindery_tests::SENDING_APP
        ),
    )
    .unwrap();
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    let client = broker.client().await;
    let mut audit = Broker::subscribed(&client, "audit.events").await;
    let answer = server
        .send(
            "POST",
            &[
                ("ce-specversion", "1.0"),
                ("ce-id", "o-1"),
                ("ce-source", "/shop"),
                ("ce-type", "com.example.order.accepted"),
                ("content-type", "application/json"),
            ],
            r#"{"orderId":"A-17"}"#,
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let Ok(Some(audited)) = tokio::time::timeout(PATIENCE, audit.next()).await else {
        panic!("no audit event arrived; the host's log:\n{}", server.log());
    };
    let audited: Value = serde_json::from_slice(&audited.payload).unwrap();
    assert_eq!(audited["id"], "o-1/audited");
    assert_eq!(audited["type"], "com.example.audited");
    assert_eq!(audited["data"], json!({"orderId": "A-17"}));
}

/// A project folder with the scripted app behind two NATS triggers, the
/// 0.2 binder on `events.p2` and the 0.3 one on `events.p3`.
fn scripted_on_both_generations() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"generations\"\n\n\
         [[trigger.nats]]\nsubject = \"events.p2\"\ncomponent = \"p2\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\" }}\n\n\
         [[trigger.nats]]\nsubject = \"events.p3\"\ncomponent = \"p3\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\", wasi = \"0.3\" }}\n\n\
         [component.p2]\nsource = {app:?}\n\n[component.p3]\nsource = {app:?}\n",
        app = bindery_tests::SCRIPTED_APP
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

/// The 0.3 binder (`wasi = "0.3"`, `wasmcloud:messaging@0.3.0`) answers as
/// the 0.2 one does, events and batches alike, and refuses what it refuses;
/// its output exports the 0.3 handler.
#[tokio::test]
async fn the_wasi_0_3_binder_answers_as_the_0_2_one_does() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = scripted_on_both_generations();
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    let client = broker.client().await;
    let ask = async |subject: &'static str, body: String| {
        let reply = tokio::time::timeout(PATIENCE, client.request(subject, body.into()))
            .await
            .expect("a reply in time")
            .expect("a reply");
        serde_json::from_slice::<Value>(&reply.payload).unwrap()
    };
    let event = |id: &str, kind: &str| {
        json!({"specversion": "1.0", "id": id, "source": "/e2e", "type": kind,
               "datacontenttype": "application/json", "data": {"n": 1}})
    };
    let one = event("e-1", "test.echo").to_string();
    assert_eq!(
        ask("events.p3", one.clone()).await,
        ask("events.p2", one).await
    );
    let batch = json!([event("b-1", "test.echo"), event("b-2", "test.echo")]).to_string();
    let answered = ask("events.p3", batch.clone()).await;
    assert_eq!(answered, ask("events.p2", batch).await);
    assert_eq!(answered.as_array().map(Vec::len), Some(2));

    // What the app refuses as invalid, and what is no event at all, are
    // rejected: no reply, and the host logs the disposition.
    let refused = event("bad-1", "test.invalid").to_string();
    client
        .publish_with_reply("events.p3", "test.replies", refused.into())
        .await
        .unwrap();
    logged(&server, &["message rejected", "events.p3"]).await;
    logged(&server, &["nats-cloudevents: the app rejected the event"]).await;
    // An unavailable app asks for the message again.
    let unavailable = event("busy-1", "test.unavailable").to_string();
    client
        .publish("events.p3", unavailable.into())
        .await
        .unwrap();
    logged(
        &server,
        &["message refused", "asked for the message again (retry)"],
    )
    .await;

    let inspected = run(dir.path(), &["inspect", ".bindery/p3.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(
        text.contains("exports wasmcloud:messaging/handler@0.3.0"),
        "{text}"
    );
}

/// The orders app behind the 0.3 binder, its audits through the nats-sink
/// (which is on `wasmcloud:messaging@0.2.0`: one output uses both).
#[tokio::test]
async fn orders_over_the_wasi_0_3_binder_are_answered_and_audited() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"orders\"\n\n\
         [[trigger.nats]]\nsubject = \"orders.created\"\ncomponent = \"orders\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\", wasi = \"0.3\" }}\n\n\
         [component.orders]\nsource = {:?}\nallowed_outbound_hosts = [\"nats://orders.audited\"]\n\
         [component.orders.dependencies]\n\
         \"bindery:cloudevents/sender\" = {{ binder = \"nats-sink\", config = {{ subject = \"orders.audited\" }} }}\n",
        bindery_tests::ORDERS
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let _server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    let client = broker.client().await;
    let mut audits = Broker::subscribed(&client, "orders.audited").await;
    let created = order_created("o-1", order("A-17"));
    let reply = tokio::time::timeout(
        PATIENCE,
        client.request("orders.created", created.to_string().into()),
    )
    .await
    .unwrap()
    .unwrap();
    let answer: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(answer["type"], "com.example.order.accepted");
    assert_eq!(answer["id"], "o-1/accepted");
    let audit = next_json(&mut audits).await;
    assert_eq!(audit["id"], "o-1/audited");
    assert_eq!(audit["data"], answer["data"]);
}

/// The orders app on a NATS trigger, its audits through the nats-sink,
/// composed with the wasmCloud files for `broker` and `wash dev` on
/// `address`.
fn orders_for_wash(broker: &Broker, address: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"orders\"\n\n\
         [application.trigger.nats]\naddress = {:?}\n\n\
         [[trigger.nats]]\nsubject = \"orders.created\"\nqueue-group = \"orders\"\ncomponent = \"orders\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\" }}\n\n\
         [component.orders]\nsource = {:?}\nallowed_outbound_hosts = [\"nats://orders.audited\"]\n\
         [component.orders.dependencies]\n\
         \"bindery:cloudevents/sender\" = {{ binder = \"nats-sink\", config = {{ subject = \"orders.audited\" }} }}\n",
        broker.url(),
        bindery_tests::ORDERS
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let composed = run(dir.path(), &["compose", "--wash-address", address]);
    assert!(composed.status.success(), "{composed:?}");
    dir
}

/// The reply to `body` on `subject`, asked again until `wash dev` (its
/// log in `log`) has deployed the component and subscribed.
async fn answered_under_wash(
    client: &async_nats::Client,
    subject: &'static str,
    body: &str,
    log: &Path,
) -> async_nats::Message {
    let started = std::time::Instant::now();
    loop {
        let asked = tokio::time::timeout(
            Duration::from_secs(2),
            client.request(subject, body.to_owned().into()),
        )
        .await;
        if let Ok(Ok(reply)) = asked {
            return reply;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "no answer under wash dev:\n{}",
            std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The orders NATS output under wasmCloud 2's `wash dev`, with the
/// `.wash/config.yaml` compose wrote: an order is answered on its reply
/// subject and audited through the nats-sink; an invalid one gets no reply.
#[tokio::test]
async fn the_orders_nats_output_runs_under_wash_dev() {
    let broker = Broker::start(&toolchain::nats_server());
    let address = crate::host_matrix::free_address().to_string();
    let dir = orders_for_wash(&broker, &address);
    let log = dir.path().join("wash.log");
    let _wash =
        crate::host_matrix::wash_dev(&dir.path().join(".bindery/wasmcloud/orders"), address, &log);
    let client = broker.client().await;
    let mut audits = Broker::subscribed(&client, "orders.audited").await;
    let created = order_created("o-1", order("A-17")).to_string();
    let reply = answered_under_wash(&client, "orders.created", &created, &log).await;
    let answer: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(answer["type"], "com.example.order.accepted");
    assert_eq!(answer["id"], "o-1/accepted");
    let audit = next_json(&mut audits).await;
    assert_eq!(audit["id"], "o-1/audited");
    assert_eq!(audit["data"], answer["data"]);

    // An order without items is refused: no reply; the next order's reply
    // is the first to arrive.
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    publish_order_without_items(&client).await;
    let valid = order_created("o-3", order("A-19"));
    client
        .publish_with_reply("orders.created", "test.replies", valid.to_string().into())
        .await
        .unwrap();
    let first = next_json(&mut replies).await;
    assert_eq!(
        first["id"], "o-3/accepted",
        "the invalid order got no reply"
    );
}

/// The scripted app behind the WASI 0.3 NATS binder under `wash dev`: an
/// event is answered on its reply subject, and one the app refuses gets no
/// reply. (With the 0.2 nats-sink beside it, the output imports
/// `wasmcloud:messaging/consumer` at both versions, which wash 2.10.3 does
/// not serve: it logs "no trigger service registered" and drops the
/// messages; `bindery serve` serves it, see
/// `orders_over_the_wasi_0_3_binder_are_answered_and_audited`.)
#[tokio::test]
async fn the_wasi_0_3_nats_binder_runs_under_wash_dev() {
    let broker = Broker::start(&toolchain::nats_server());
    let address = crate::host_matrix::free_address().to_string();
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"scripted\"\n\n\
         [application.trigger.nats]\naddress = {:?}\n\n\
         [[trigger.nats]]\nsubject = \"events.in\"\ncomponent = \"scripted\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\", wasi = \"0.3\" }}\n\n\
         [component.scripted]\nsource = {:?}\n",
        broker.url(),
        bindery_tests::SCRIPTED_APP
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let composed = run(dir.path(), &["compose", "--wash-address", &address]);
    assert!(composed.status.success(), "{composed:?}");
    let log = dir.path().join("wash.log");
    let _wash = crate::host_matrix::wash_dev(
        &dir.path().join(".bindery/wasmcloud/scripted"),
        address,
        &log,
    );
    let client = broker.client().await;
    let event = |id: &str, kind: &str| {
        json!({"specversion": "1.0", "id": id, "source": "/e2e", "type": kind}).to_string()
    };
    let reply = answered_under_wash(&client, "events.in", &event("e-1", "test.echo"), &log).await;
    let answer: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(answer["id"], "e-1");
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    for (id, kind) in [("bad-1", "test.invalid"), ("e-2", "test.echo")] {
        client
            .publish_with_reply("events.in", "test.replies", event(id, kind).into())
            .await
            .unwrap();
    }
    let first = next_json(&mut replies).await;
    assert_eq!(first["id"], "e-2", "the refused event got no reply");
}
