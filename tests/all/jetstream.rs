//! JetStream triggers end to end: `bindery up` on a real `nats-server -js`
//! on loopback, the composed NATS binder in front of the scripted app, and
//! crashes of the host and of the broker in the middle of the work. Every
//! answer is published on `audit.orders`, which a stream of the test's own
//! keeps, so that the test counts what was handled even across a restarted
//! broker.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull, stream};
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::serve::Server;
use crate::toolchain;
use bindery_test_support::broker::Broker;

/// How long a test waits for one thing to happen.
const PATIENCE: Duration = Duration::from_secs(120);

/// A project folder with the scripted app behind a JetStream trigger on
/// `orders.in` (stream `ORDERS`) with the extra trigger keys `keys`, its
/// answers published on `audit.orders`; `executor` adds members to the
/// executor table (`, wasi = "0.3"`).
fn project_with(keys: &str, executor: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"jetstream\"\n\n\
         [[trigger.nats]]\nsubject = \"orders.in\"\ncomponent = \"orders\"\nstream = \"ORDERS\"\n{keys}\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\", config = {{ reply-subject = \"audit.orders\" }}{executor} }}\n\n\
         [component.orders]\nsource = {:?}\nallowed_outbound_hosts = [\"nats://audit.orders\"]\n",
        bindery_tests::SCRIPTED_APP
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

/// [`project_with`] the 0.2 binder.
fn project(keys: &str) -> tempfile::TempDir {
    project_with(keys, "")
}

/// `bindery up` of `dir` against `broker`, with `extra` arguments.
fn up(dir: &Path, broker: &Broker, extra: &[&str]) -> Server {
    let mut args = vec!["up", "--nats-address"];
    let url = broker.url();
    args.push(&url);
    args.extend_from_slice(extra);
    Server::start(dir, &args)
}

/// A test's parts: a broker with JetStream, the test's client of it, the
/// audit stream, the project, and `bindery up` of it.
struct Rig {
    broker: Broker,
    client: async_nats::Client,
    context: jetstream::Context,
    audit: Audit,
    dir: tempfile::TempDir,
    server: Server,
}

impl Rig {
    /// The parts, the project's trigger with the extra keys `keys`.
    async fn new(keys: &str) -> Self {
        Self::with_executor(keys, "").await
    }

    /// The same, the executor table with the extra members `executor`.
    async fn with_executor(keys: &str, executor: &str) -> Self {
        let broker = Broker::jetstream(&toolchain::nats_server());
        let client = broker.client().await;
        let context = jetstream::new(client.clone());
        let audit = Audit::new(&context).await;
        let dir = project_with(keys, executor);
        let server = up(dir.path(), &broker, &[]);
        Self {
            broker,
            client,
            context,
            audit,
            dir,
            server,
        }
    }

    /// Publishes `body` on `orders.in`, confirmed by the stream; returns
    /// its sequence in the stream.
    async fn publish(&self, body: Vec<u8>) -> u64 {
        publish_to(&self.context, "orders.in", body).await
    }

    /// `bindery up` of the project again, beside or after the first.
    fn up_again(&self) -> Server {
        up(self.dir.path(), &self.broker, &[])
    }
}

/// Publishes `body` on `subject`, confirmed by the stream that keeps it;
/// returns its sequence in the stream.
async fn publish_to(context: &jetstream::Context, subject: &'static str, body: Vec<u8>) -> u64 {
    let confirmation = context.publish(subject, body.into()).await.unwrap();
    tokio::time::timeout(PATIENCE, confirmation)
        .await
        .expect("the stream confirms the message")
        .unwrap()
        .sequence
}

/// A structured event of type `kind` with id `id` and subject `subject`.
fn event(id: &str, kind: &str, subject: Option<String>) -> Vec<u8> {
    let mut event = json!({"specversion": "1.0", "id": id, "source": "/e2e", "type": kind});
    if let Some(subject) = subject {
        event["subject"] = json!(subject);
    }
    event.to_string().into_bytes()
}

/// The answers on `audit.orders`, read from a stream of the test's own.
struct Audit {
    messages: pull::Stream,
    seen: BTreeSet<String>,
    duplicates: usize,
}

impl Audit {
    /// Creates the `AUDIT` stream on `audit.>` and a consumer of it.
    async fn new(context: &jetstream::Context) -> Self {
        let stream = context
            .create_stream(stream::Config {
                name: "AUDIT".into(),
                subjects: vec!["audit.>".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        let consumer = stream
            .create_consumer(pull::Config {
                durable_name: Some("test".into()),
                ack_policy: jetstream::consumer::AckPolicy::None,
                ..Default::default()
            })
            .await
            .unwrap();
        Self {
            messages: consumer.messages().await.unwrap(),
            seen: BTreeSet::new(),
            duplicates: 0,
        }
    }

    /// Reads answers until `done` says so, at most [`PATIENCE`].
    async fn until(&mut self, mut done: impl FnMut(&BTreeSet<String>) -> bool) {
        let started = Instant::now();
        while !done(&self.seen) {
            let left = PATIENCE.saturating_sub(started.elapsed());
            let next = tokio::time::timeout(left, self.messages.next()).await;
            let Ok(Some(next)) = next else {
                panic!(
                    "{} answers within {PATIENCE:?}, not what was awaited",
                    self.seen.len()
                );
            };
            // A pull may fail while the broker restarts; the stream pulls again.
            let Ok(message) = next else { continue };
            let answer: Value = serde_json::from_slice(&message.payload).unwrap();
            let id = answer["id"].as_str().unwrap().to_owned();
            if !self.seen.insert(id) {
                self.duplicates += 1;
            }
        }
    }

    /// The next answer's id, if one comes within `wait`.
    async fn next_within(&mut self, wait: Duration) -> Option<String> {
        let message = tokio::time::timeout(wait, self.messages.next())
            .await
            .ok()??
            .ok()?;
        let answer: Value = serde_json::from_slice(&message.payload).unwrap();
        Some(answer["id"].as_str().unwrap().to_owned())
    }
}

/// Publishes `count` echo orders `o-<index>` to the `ORDERS` stream, each
/// confirmed by the broker.
async fn publish_orders(context: &jetstream::Context, count: usize) {
    let mut confirmations = Vec::with_capacity(count);
    for index in 0..count {
        let body = event(&format!("o-{index}"), "test.echo", None);
        confirmations.push(context.publish("orders.in", body.into()).await.unwrap());
    }
    for confirmation in confirmations {
        tokio::time::timeout(PATIENCE, confirmation)
            .await
            .expect("the broker confirms each order")
            .unwrap();
    }
}

/// Waits until the host's log has a line containing every one of `parts`.
async fn logged(server: &Server, parts: &[&str]) -> String {
    let started = Instant::now();
    loop {
        if let Some(line) = server
            .log()
            .lines()
            .find(|line| parts.iter().all(|part| line.contains(part)))
        {
            return line.to_owned();
        }
        assert!(
            started.elapsed() < PATIENCE,
            "no log line with {parts:?}:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of the header `name` of `message`, or nothing.
fn header(message: &async_nats::Message, name: &str) -> String {
    message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(name))
        .map(|value| value.as_str().to_owned())
        .unwrap_or_default()
}

fn expected(count: usize) -> BTreeSet<String> {
    (0..count).map(|index| format!("o-{index}")).collect()
}

#[tokio::test]
async fn ten_thousand_orders_survive_a_host_killed_in_the_middle() {
    const ORDERS: usize = 10_000;
    let mut rig = Rig::new("ack-wait = \"1s\"").await;
    publish_orders(&rig.context, ORDERS).await;

    rig.audit.until(|seen| seen.len() >= ORDERS / 5).await;
    rig.server.kill();
    let before = rig.audit.seen.len();
    let _restarted = rig.up_again();
    rig.audit.until(|seen| seen.len() == ORDERS).await;

    assert_eq!(rig.audit.seen, expected(ORDERS), "every order handled");
    eprintln!(
        "{ORDERS} orders, the host killed after {before} answers: none missing, {} handled twice",
        rig.audit.duplicates
    );
}

/// Two hosts share the durable consumer; one is killed in the middle and
/// not started again: the other takes what it had not acknowledged.
#[tokio::test]
async fn one_of_two_hosts_killed_loses_no_order() {
    const ORDERS: usize = 10_000;
    let mut rig = Rig::new("ack-wait = \"1s\"").await;
    let other = rig.up_again();
    publish_orders(&rig.context, ORDERS).await;

    rig.audit.until(|seen| seen.len() >= ORDERS / 5).await;
    rig.server.kill();
    let before = rig.audit.seen.len();
    rig.audit.until(|seen| seen.len() == ORDERS).await;

    assert_eq!(rig.audit.seen, expected(ORDERS), "every order handled");
    assert!(
        other.log().contains("message"),
        "the other host took its share"
    );
    eprintln!(
        "{ORDERS} orders on two hosts, one killed after {before} answers: none missing, {} handled twice",
        rig.audit.duplicates
    );
}

#[tokio::test]
async fn a_restarted_broker_loses_no_order() {
    const ORDERS: usize = 2_000;
    let mut rig = Rig::new("ack-wait = \"1s\"\nbackoff = [\"200ms\"]\nmax-deliver = 100").await;
    publish_orders(&rig.context, ORDERS).await;

    rig.audit.until(|seen| seen.len() >= ORDERS / 4).await;
    rig.broker.restart();
    logged(&rig.server, &["lost the connection to the NATS broker"]).await;
    rig.audit.until(|seen| seen.len() == ORDERS).await;

    assert_eq!(rig.audit.seen, expected(ORDERS), "every order handled");
    eprintln!(
        "{ORDERS} orders, the broker restarted: none missing, {} handled twice",
        rig.audit.duplicates
    );
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_on_the_backoff() {
    let mut rig = Rig::new("backoff = [\"2s\"]\nmax-deliver = 5").await;

    // It fails until 3 s from now: at the first delivery and the second,
    // 2 s later; the third, 2 s after that, succeeds.
    let published = Instant::now();
    let until = std::time::SystemTime::now() + Duration::from_secs(3);
    let until_ms = until
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let body = event("flaky-1", "test.flaky", Some(until_ms.to_string()));
    rig.publish(body).await;
    rig.audit.until(|seen| seen.contains("flaky-1")).await;

    assert!(
        published.elapsed() >= Duration::from_secs(3),
        "answered only after the failures"
    );
    logged(
        &rig.server,
        &["delivery 1 of 5 failed; delivered again in 2s"],
    )
    .await;
    logged(
        &rig.server,
        &["delivery 2 of 5 failed; delivered again in 2s"],
    )
    .await;
    assert!(
        !rig.server.log().contains("delivery 3 of 5 failed"),
        "{}",
        rig.server.log()
    );
    assert_eq!(
        rig.audit.next_within(Duration::from_millis(500)).await,
        None
    );
}

#[tokio::test]
async fn a_poison_message_ends_on_the_dead_letter_subject_with_its_reason() {
    let mut rig =
        Rig::new("backoff = [\"100ms\"]\nmax-deliver = 3\ndead-letter = \"orders.dlq\"").await;
    let mut dead_letters = Broker::subscribed(&rig.client, "orders.dlq").await;

    let poison = rig.publish(event("poison-1", "test.trap", None)).await;
    let letter = tokio::time::timeout(PATIENCE, dead_letters.next())
        .await
        .expect("a dead letter")
        .unwrap();
    let header = |name: &str| header(&letter, name);
    assert_eq!(header("Bindery-Deliveries"), "3");
    assert_eq!(header("Bindery-Stream"), "ORDERS");
    assert_eq!(header("Bindery-Stream-Sequence"), poison.to_string());
    assert_eq!(header("Bindery-Subject"), "orders.in");
    assert!(
        header("Bindery-Reason").contains("the component trapped"),
        "{}",
        header("Bindery-Reason")
    );
    let body: Value = serde_json::from_slice(&letter.payload).unwrap();
    assert_eq!(body["id"], "poison-1", "the message as it was published");
    logged(&rig.server, &["gave up after 3 deliveries", "orders.dlq"]).await;

    rig.publish(event("after-1", "test.echo", None)).await;
    rig.audit.until(|seen| seen.contains("after-1")).await;
    assert!(
        !rig.audit.seen.contains("poison-1"),
        "the poison message never answered"
    );
    let again = tokio::time::timeout(Duration::from_secs(1), dead_letters.next()).await;
    assert!(again.is_err(), "one dead letter: {again:?}");
}

#[tokio::test]
async fn a_long_handler_keeps_its_message_with_progress_acknowledgements() {
    let mut rig = Rig::new("ack-wait = \"500ms\"").await;

    // Three times the ack-wait, within the host's deadline of 2 s.
    let body = event("long-1", "test.sleep", Some("1500".into()));
    rig.publish(body).await;
    rig.audit.until(|seen| seen.contains("long-1")).await;
    assert_eq!(
        rig.audit.next_within(Duration::from_secs(2)).await,
        None,
        "delivered once, not again after its ack-wait"
    );
    assert_eq!(rig.audit.duplicates, 0);
    assert!(!rig.server.log().contains("failed"), "{}", rig.server.log());
}

#[tokio::test]
async fn shutdown_finishes_and_acknowledges_the_message_in_hand() {
    let mut rig = Rig::new("ack-wait = \"1s\"").await;
    rig.publish(event("warm-1", "test.echo", None)).await;
    rig.audit.until(|seen| seen.contains("warm-1")).await;

    let body = event("in-hand-1", "test.sleep", Some("1500".into()));
    rig.publish(body).await;
    // Stop while the handler sleeps.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = rig.server.terminate_within(Duration::from_secs(20));
    assert!(
        status.is_some_and(|status| status.success()),
        "{}",
        rig.server.log()
    );
    rig.audit.until(|seen| seen.contains("in-hand-1")).await;

    let _restarted = rig.up_again();
    assert_eq!(
        rig.audit.next_within(Duration::from_secs(3)).await,
        None,
        "acknowledged before the host stopped, so not delivered again"
    );
}

/// `examples/orders/jetstream` in a folder of its own, its component built
/// from this build's app, with the schemas it names beside it.
fn orders_on_a_stream() -> tempfile::TempDir {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/orders");
    let mut manifest = bindery_manifest::AppManifest::load(&examples.join("jetstream/spin.toml"))
        .unwrap()
        .manifest;
    for component in manifest.component.values_mut() {
        component.source = bindery_tests::ORDERS.to_owned();
        component.build = None;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("jetstream")).unwrap();
    std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
    std::fs::write(dir.path().join("jetstream/spin.toml"), manifest.to_toml()).unwrap();
    std::fs::copy(
        examples.join("schemas/order.json"),
        dir.path().join("schemas/order.json"),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn the_orders_example_takes_its_orders_from_a_stream() {
    let broker = Broker::jetstream(&toolchain::nats_server());
    let client = broker.client().await;
    let context = jetstream::new(client.clone());
    let mut accepted = Broker::subscribed(&client, "orders.accepted").await;
    let mut audited = Broker::subscribed(&client, "orders.audited").await;
    let dir = orders_on_a_stream();
    let server = Server::start(
        &dir.path().join("jetstream"),
        &["up", "--nats-address", &broker.url()],
    );

    let order = crate::nats::order_created("o-1", crate::nats::order("A-17"));
    publish_to(&context, "orders.placed", order.to_string().into_bytes()).await;
    let answer = crate::nats::next_json(&mut accepted).await;
    assert_eq!(answer["id"], "o-1/accepted");
    assert_eq!(answer["type"], "com.example.order.accepted");
    let audit = crate::nats::next_json(&mut audited).await;
    assert_eq!(audit["type"], "com.example.order.audited");
    logged(&server, &["orders.placed"]).await;
    let mut stream = context.get_stream("ORDERS").await.unwrap();
    assert_eq!(
        stream.info().await.unwrap().state.messages,
        1,
        "the host made the stream, and the order is kept in it"
    );
}

#[test]
fn a_broker_without_jetstream_is_a_clear_error() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = project("");
    let output = crate::serve::run(
        dir.path(),
        &[
            "up",
            "--nats-address",
            &broker.url(),
            "--cache-dir",
            "compiled",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot find or create the JetStream stream `ORDERS`")
            && stderr.contains("nats-server -js"),
        "{stderr}"
    );
}

/// Behind the WASI 0.3 binder, an unavailable app's `retry` is a negative
/// acknowledgement on the back-off, as a failure of the 0.2 one is.
#[tokio::test]
async fn behind_the_wasi_0_3_binder_retry_is_delivered_again() {
    let mut rig =
        Rig::with_executor("backoff = [\"1s\"]\nmax-deliver = 5", ", wasi = \"0.3\"").await;
    let until = std::time::SystemTime::now() + Duration::from_millis(1500);
    let until_ms = until
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    rig.publish(event("flaky-3", "test.flaky", Some(until_ms.to_string())))
        .await;
    rig.audit.until(|seen| seen.contains("flaky-3")).await;
    logged(
        &rig.server,
        &["delivery 1 of 5 failed; delivered again in 1s"],
    )
    .await;
}

/// Behind the WASI 0.3 binder, a `reject` is not delivered again: the
/// message goes to the dead-letter subject after its first delivery, and
/// is terminated.
#[tokio::test]
async fn behind_the_wasi_0_3_binder_reject_ends_at_once() {
    let rig = Rig::with_executor(
        "backoff = [\"100ms\"]\nmax-deliver = 5\ndead-letter = \"orders.dlq\"",
        ", wasi = \"0.3\"",
    )
    .await;
    let mut dead_letters = Broker::subscribed(&rig.client, "orders.dlq").await;
    let refused = rig.publish(event("refused-1", "test.invalid", None)).await;
    let letter = tokio::time::timeout(PATIENCE, dead_letters.next())
        .await
        .expect("a dead letter")
        .unwrap();
    let header = |name: &str| header(&letter, name);
    assert_eq!(header("Bindery-Deliveries"), "1", "never delivered again");
    assert_eq!(header("Bindery-Stream-Sequence"), refused.to_string());
    assert!(
        header("Bindery-Reason").contains("rejected"),
        "{}",
        header("Bindery-Reason")
    );
    logged(
        &rig.server,
        &["gave up after 1 deliveries (rejected: true)"],
    )
    .await;
}
