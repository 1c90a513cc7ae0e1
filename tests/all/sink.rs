//! Outbound events: an app that sends through `bindery:cloudevents/sender`
//! (`tests/programs/sending-app`), composed with the built-in `http-sink`
//! binder from `[component.<id>.dependencies]`, delivering to a real HTTP
//! server on loopback; and the HTTP binder replying through the same sink
//! (`reply = "sink"`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use tokio::net::TcpListener;
use wasmtime_wasi_http::io::TokioIo;

use crate::serve::{Server, run};

/// A request the sink received: its path, headers and body.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

/// An HTTP server on 127.0.0.1 that records every request and answers
/// each with `status` and `answer`, or each in turn with the next of a
/// script of answers.
pub struct Sink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

/// One scripted answer: a status, a `Retry-After` value if any, a body.
type Scripted = (u16, Option<&'static str>, &'static str);

impl Sink {
    pub async fn start(status: u16, answer: &'static str) -> Self {
        Self::scripted(vec![(status, None, answer)]).await
    }

    /// A sink that gives the answers of `script` in turn, the last one to
    /// every later request.
    pub async fn scripted(script: Vec<Scripted>) -> Self {
        let script = Arc::new(script);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (kept, script) = (kept.clone(), script.clone());
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (kept, script) = (kept.clone(), script.clone());
                    async move {
                        let (parts, incoming) = request.into_parts();
                        let body = incoming.collect().await?.to_bytes();
                        let turn = {
                            let mut kept = kept.lock().unwrap();
                            kept.push(Received {
                                path: parts.uri.path().to_owned(),
                                headers: parts.headers,
                                body,
                            });
                            kept.len() - 1
                        };
                        let (status, retry_after, answer) = script[turn.min(script.len() - 1)];
                        let mut response = hyper::Response::new(Full::new(Bytes::from(answer)));
                        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                        if let Some(retry_after) = retry_after {
                            response.headers_mut().insert(
                                hyper::header::RETRY_AFTER,
                                hyper::header::HeaderValue::from_static(retry_after),
                            );
                        }
                        Ok::<_, hyper::Error>(response)
                    }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Self { port, received }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/audit", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// A project folder: the sending app behind the HTTP binder, its sender
/// satisfied by `http-sink` sending to `url`, with `allowed` as its
/// `allowed_outbound_hosts`.
fn project(url: &str, allowed: &str) -> tempfile::TempDir {
    manifest(bindery_tests::SENDING_APP, "", Some(url), allowed)
}

/// [`project`], with `settings` added to the sink's `config` table.
fn project_with(url: &str, allowed: &str, settings: &str) -> tempfile::TempDir {
    let dir = project(url, allowed);
    let path = dir.path().join("spin.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        &format!("url = {url:?} }}"),
        &format!("url = {url:?}, {settings} }}"),
    );
    std::fs::write(&path, text).unwrap();
    dir
}

/// A project folder: `app` behind the HTTP binder with the members
/// `executor` adds to its executor table (`, config = { ... }`), and, with a
/// `url`, a sender dependency on `http-sink` sending there.
fn manifest(app: &str, executor: &str, url: Option<&str>, allowed: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dependency = url.map_or(String::new(), |url| {
        format!(
            "[component.app.dependencies]\n\
             \"bindery:cloudevents/sender\" = {{ binder = \"http-sink\", config = {{ url = {url:?} }} }}\n"
        )
    });
    let manifest = format!(
        "spin_manifest_version = 2\n[application]\nname = \"sending\"\n\
         [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
         executor = {{ type = \"binder\", binder = \"http-cloudevents\"{executor} }}\n\
         [component.app]\nsource = {app:?}\nallowed_outbound_hosts = [{allowed:?}]\n{dependency}"
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

const EVENT: &[(&str, &str)] = &[
    ("ce-specversion", "1.0"),
    ("ce-id", "o-1"),
    ("ce-source", "/shop"),
    ("ce-type", "com.example.order.accepted"),
    (
        "ce-traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ),
    ("content-type", "application/json"),
];

#[tokio::test]
async fn an_app_sends_events_through_the_http_sink() {
    let sink = Sink::start(202, "").await;
    let allowed = format!("http://127.0.0.1:{}", sink.port);
    let dir = project(&sink.url(), &allowed);
    let server = Server::start(dir.path(), &["up"]);
    let answer = server.send("POST", EVENT, r#"{"orderId":"A-17"}"#).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .map(|value| value.to_str().unwrap())
    };
    assert_eq!(request.path, "/audit");
    assert_eq!(header("ce-type"), Some("com.example.audited"));
    assert_eq!(header("ce-id"), Some("o-1/audited"));
    assert_eq!(header("ce-source"), Some("/audit"));
    assert_eq!(
        header("ce-traceparent"),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    );
    assert!(header("ce-time").is_some(), "the builder fills in the time");
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(&request.body[..], br#"{"orderId":"A-17"}"#);

    let inspected = run(dir.path(), &["inspect", ".bindery/app.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(text.contains("wasi:http/outgoing-handler@"), "{text}");
    assert!(
        !text.contains("bindery:cloudevents/sender"),
        "the sender is linked in: {text}"
    );
}

#[tokio::test]
async fn a_refusing_sink_and_a_denied_destination_fail_the_event_without_retries() {
    let sink = Sink::start(422, "no such order").await;
    let allowed = format!("http://127.0.0.1:{}", sink.port);
    let dir = project(&sink.url(), &allowed);
    let server = Server::start(dir.path(), &["up"]);
    let refused = server.send("POST", EVENT, "{}").await;
    assert_eq!(refused.status, 503);
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("refused") && detail.contains("status 422: no such order"),
        "{detail}"
    );
    assert_eq!(sink.received().len(), 1, "a refusal is not retried");
    drop(server);

    // The host, too, enforces allowed_outbound_hosts: serve the output with
    // the entry taken out.
    let output = dir.path().join(".bindery/spin.toml");
    let plain = std::fs::read_to_string(&output).unwrap();
    std::fs::write(&output, plain.replace(&format!("{allowed:?}"), "")).unwrap();
    let server = Server::start(dir.path(), &["serve", ".bindery/spin.toml"]);
    let denied = server.send("POST", EVENT, "{}").await;
    assert_eq!(denied.status, 503, "{}", server.log());
    let detail = denied.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("unreachable"), "{detail}");
    assert!(
        !detail.contains("tries"),
        "a denial is not retried: {detail}"
    );
    assert_eq!(
        sink.received().len(),
        1,
        "the denied event never left the host"
    );
}

#[tokio::test]
async fn a_sink_that_answers_503_twice_gets_the_event_once_after_the_back_off() {
    let sink = Sink::scripted(vec![
        (503, None, "busy"),
        (503, Some("1"), "still busy"),
        (202, None, ""),
    ])
    .await;
    let allowed = format!("http://127.0.0.1:{}", sink.port);
    let dir = project(&sink.url(), &allowed);
    let server = Server::start(dir.path(), &["up"]);
    let started = std::time::Instant::now();
    let answer = server.send("POST", EVENT, r#"{"orderId":"A-17"}"#).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "the second wait is the Retry-After of 1 s"
    );
    let received = sink.received();
    assert_eq!(received.len(), 3, "two refusals, then the delivery");
    let ids: Vec<_> = received
        .iter()
        .map(|request| request.headers["ce-id"].clone())
        .collect();
    assert!(ids.iter().all(|id| id == "o-1/audited"), "{ids:?}");
}

#[tokio::test]
async fn a_sink_down_past_the_retry_budget_fails_the_event_with_its_tries() {
    let sink = Sink::start(503, "down").await;
    let allowed = format!("http://127.0.0.1:{}", sink.port);
    let dir = project_with(
        &sink.url(),
        &allowed,
        "retry-budget-ms = 400, retry-first-ms = 50",
    );
    let server = Server::start(dir.path(), &["up"]);
    let failed = server.send("POST", EVENT, "{}").await;
    assert_eq!(failed.status, 503);
    let detail = failed.json()["detail"].as_str().unwrap().to_owned();
    let tries = sink.received().len();
    assert!(tries >= 3, "retried within the budget: {tries}");
    assert!(
        detail.contains("status 503: down") && detail.contains(&format!("after {tries} tries")),
        "{detail}"
    );
}

#[test]
fn a_sink_outside_allowed_outbound_hosts_does_not_compose() {
    let dir = project("http://127.0.0.1:9/audit", "http://127.0.0.1:10");
    let output = run(dir.path(), &["compose"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("component `app` sends events to http://127.0.0.1:9/audit, which its allowed_outbound_hosts does not allow"),
        "{stderr}"
    );
    assert!(
        !Path::new(&dir.path().join(".bindery")).exists(),
        "nothing written"
    );
}

/// The executor members of a binder that replies through a sink.
const REPLY_TO_SINK: &str = r#", config = { reply = "sink" }"#;
/// The same, for WASI 0.3.
const REPLY_TO_SINK_P3: &str = r#", config = { reply = "sink" }, wasi = "0.3""#;

#[tokio::test]
async fn the_binder_replies_through_the_sink() {
    replies_through_the_sink(REPLY_TO_SINK, "wasi:http/incoming-handler@0.2").await;
}

#[tokio::test]
async fn the_wasi_p3_binder_replies_through_the_sink() {
    // The 0.3 binder with the 0.2 http-sink, in one component.
    replies_through_the_sink(REPLY_TO_SINK_P3, "wasi:http/handler@0.3").await;
}

/// The binder with `executor`, whose output exports `export`, answers 202
/// and gives the answer event to the sink; an app that sends too shares the
/// sink with it.
async fn replies_through_the_sink(executor: &str, export: &str) {
    let sink = Sink::start(202, "").await;
    let allowed = format!("http://127.0.0.1:{}", sink.port);
    // echo imports no sender: the dependency is the binder's alone.
    let dir = manifest(bindery_tests::ECHO, executor, Some(&sink.url()), &allowed);
    let server = Server::start(dir.path(), &["up"]);
    let answer = server.send("POST", EVENT, r#"{"orderId":"A-17"}"#).await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    assert!(answer.body.is_empty());
    let received = sink.received();
    assert_eq!(received.len(), 1, "the answer went to the sink");
    let header = |name: &str| received[0].headers.get(name).map(|v| v.to_str().unwrap());
    assert_eq!(header("ce-id"), Some("o-1"));
    assert_eq!(header("ce-type"), Some("com.example.order.accepted"));
    assert_eq!(&received[0].body[..], br#"{"orderId":"A-17"}"#);
    let inspected = run(dir.path(), &["inspect", ".bindery/app.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(text.contains("wasi:http/outgoing-handler@"), "{text}");
    assert!(!text.contains("bindery:cloudevents/sender"), "{text}");
    assert!(text.contains(&format!("exports {export}")), "{text}");
    drop(server);

    // An app that sends too shares the one sink with the binder: its audit
    // event, then the binder's reply.
    let dir = manifest(
        bindery_tests::SENDING_APP,
        executor,
        Some(&sink.url()),
        &allowed,
    );
    let server = Server::start(dir.path(), &["up"]);
    let answer = server.send("POST", EVENT, "{}").await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    let ids: Vec<_> = sink.received()[1..]
        .iter()
        .map(|request| request.headers["ce-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["o-1/audited", "o-1"]);
}

#[tokio::test]
async fn a_failing_reply_sink_is_a_502() {
    for executor in [REPLY_TO_SINK, REPLY_TO_SINK_P3] {
        a_failing_reply_sink_gives_502(executor).await;
    }
}

/// The binder with `executor` answers 502 when the sink refuses its event.
async fn a_failing_reply_sink_gives_502(executor: &str) {
    let sink = Sink::start(409, "conflict").await;
    let allowed = format!("http://127.0.0.1:{}", sink.port);
    let dir = manifest(bindery_tests::ECHO, executor, Some(&sink.url()), &allowed);
    let server = Server::start(dir.path(), &["up"]);
    let answer = server.send("POST", EVENT, "{}").await;
    assert_eq!(answer.status, 502);
    let problem = answer.json();
    assert_eq!(problem["error"], "sink-failed");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("refused: status 409: conflict"), "{detail}");
}

#[test]
fn reply_to_a_sink_without_a_sink_does_not_compose() {
    let dir = manifest(
        bindery_tests::ECHO,
        REPLY_TO_SINK,
        None,
        "http://127.0.0.1:9",
    );
    let output = run(dir.path(), &["compose"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("the executor of component `app`, built-in binder `http-cloudevents`, imports `bindery:cloudevents/sender` (it replies through a sink)"),
        "{stderr}"
    );
    assert!(!dir.path().join(".bindery").exists(), "nothing written");
}

/// A project folder: the sending app whose sink sends to `url` (with
/// `settings` added to its config) and whose dead-letter sink, another
/// `http-sink`, sends to `dead_letter` (with a retry budget of 200 ms).
fn dead_letter_project(url: &str, settings: &str, dead_letter: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let origin = |url: &str| url.rsplit_once('/').unwrap().0.to_owned();
    let manifest = format!(
        "spin_manifest_version = 2\n[application]\nname = \"dead-letters\"\n\
         [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
         executor = {{ type = \"binder\", binder = \"http-cloudevents\" }}\n\
         [component.app]\nsource = {app:?}\nallowed_outbound_hosts = [{main:?}, {spare:?}]\n\
         [component.app.dependencies]\n\
         \"bindery:cloudevents/sender\" = {{ binder = \"http-sink\", config = {{ url = {url:?}, {settings} }} }}\n\
         \"bindery:cloudevents/sender#dead-letter\" = {{ binder = \"http-sink\", config = {{ url = {dead_letter:?}, retry-budget-ms = 200, retry-first-ms = 50 }} }}\n",
        app = bindery_tests::SENDING_APP,
        main = origin(url),
        spare = origin(dead_letter),
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    dir
}

/// A sink down past its retry budget: the event goes to the dead-letter
/// sink with why and where, and the app sees it delivered.
#[tokio::test]
async fn an_event_the_sink_gives_up_on_goes_to_the_dead_letter_sink() {
    let sink = Sink::start(503, "down").await;
    let spare = Sink::start(202, "").await;
    let dir = dead_letter_project(
        &sink.url(),
        "retry-budget-ms = 400, retry-first-ms = 50",
        &format!("http://127.0.0.1:{}/dead", spare.port),
    );
    let server = Server::start(dir.path(), &["up"]);
    let answer = server.send("POST", EVENT, r#"{"orderId":"A-17"}"#).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let tries = sink.received().len();
    assert!(tries >= 3, "retried within the budget first: {tries}");
    let letters = spare.received();
    assert_eq!(letters.len(), 1, "one dead letter");
    let letter = &letters[0];
    let header = |name: &str| {
        letter
            .headers
            .get(name)
            .map_or("", |value| value.to_str().unwrap())
    };
    assert_eq!(letter.path, "/dead", "the dead-letter sink's own settings");
    assert_eq!(
        header("ce-id"),
        "o-1/audited",
        "the event the sink gave up on"
    );
    // A 503 is an answer: the sink's last failure is a refusal.
    assert_eq!(header("ce-binderyerrorkind"), "refused");
    let reason = percent_encoding::percent_decode_str(header("ce-binderyerrorreason"))
        .decode_utf8()
        .unwrap();
    assert!(
        reason.contains("status 503: down") && reason.contains(&format!("after {tries} tries")),
        "{reason}"
    );
    assert_eq!(header("ce-binderyerrordest"), sink.url());
    assert_eq!(header("ce-binderyattempts"), tries.to_string());
    assert_eq!(&letter.body[..], br#"{"orderId":"A-17"}"#);
}

/// A refusal is not retried, and goes to the dead-letter sink at once.
#[tokio::test]
async fn a_refused_event_goes_to_the_dead_letter_sink_untried_again() {
    let sink = Sink::start(422, "no such order").await;
    let spare = Sink::start(202, "").await;
    let dir = dead_letter_project(
        &sink.url(),
        "retry-first-ms = 50",
        &format!("http://127.0.0.1:{}/dead", spare.port),
    );
    let server = Server::start(dir.path(), &["up"]);
    let answer = server.send("POST", EVENT, "{}").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(sink.received().len(), 1, "tried once");
    let letters = spare.received();
    assert_eq!(letters.len(), 1);
    let kind = letters[0].headers.get("ce-binderyerrorkind").unwrap();
    assert_eq!(kind, "refused");
}

/// With the dead-letter sink down too, the app gets both reasons.
#[tokio::test]
async fn with_both_sinks_down_the_app_gets_both_reasons() {
    let sink = Sink::start(503, "down").await;
    let spare = Sink::start(500, "spare down").await;
    let dir = dead_letter_project(
        &sink.url(),
        "retry-budget-ms = 200, retry-first-ms = 50",
        &format!("http://127.0.0.1:{}/dead", spare.port),
    );
    let server = Server::start(dir.path(), &["up"]);
    let failed = server.send("POST", EVENT, "{}").await;
    assert_eq!(failed.status, 503, "{:?}", failed.body);
    let detail = failed.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("status 503: down")
            && detail.contains("the dead-letter sink did not take it either")
            && detail.contains("spare down"),
        "{detail}"
    );
}
