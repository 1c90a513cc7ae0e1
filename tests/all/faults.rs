//! The host's fault matrix: a guest or a client misbehaves, that request
//! alone fails with the right status, and the next request is answered
//! normally. The guest is `tests/programs/faulty-http`, a raw wasi:http
//! component whose path selects the fault; the host is the real thin host on
//! a loopback port, with small limits so that each fault is quick to reach.

use std::time::Duration;

use bindery_runtime::HostConfig;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;

use crate::test_host::TestHost;

/// The limits of the host under test.
fn limits() -> HostConfig {
    HostConfig {
        deadline: Duration::from_secs(3),
        memory_limit: 32 << 20,
        max_header_bytes: 16 << 10,
        read_timeout: Duration::from_secs(1),
        max_instances: 2,
        ..HostConfig::default()
    }
}

fn faulty() -> TestHost {
    let component = std::fs::read(bindery_tests::FAULTY_HTTP).unwrap();
    TestHost::with_config(&component, &[], limits()).unwrap()
}

fn get(path: &str) -> hyper::Request<Bytes> {
    hyper::Request::get(path).body(Bytes::new()).unwrap()
}

/// The host still answers a normal request.
async fn assert_serving(host: &TestHost) {
    let reply = host.send(get("/ok")).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "ok 0");
}

/// Writes `bytes` on a new connection, then reads until the server closes
/// it (or `wait` passes); returns what was read.
async fn raw(host: &TestHost, bytes: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(host.address()).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server kept the stalled connection open");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_faults_cost_one_request() {
    let host = faulty();
    for (path, status) in [
        ("/trap", 500),
        ("/loop", 504),
        ("/memory", 500),
        ("/stack", 500),
    ] {
        let reply = host.send(get(path)).await.unwrap();
        assert_eq!(reply.status, status, "{path}: {:?}", reply.body);
        assert_serving(&host).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_100_mb_response_streams_and_the_host_keeps_serving() {
    let host = faulty();
    let reply = host.send(get("/huge")).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), 100 << 20);
    assert!(reply.body.iter().all(|&byte| byte == b'x'));
    assert_serving(&host).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_body_is_timed_out_with_408() {
    let host = faulty();
    let answer = raw(
        &host,
        b"POST /ok HTTP/1.1\r\nhost: test\r\ncontent-length: 100\r\n\r\nten bytes.",
        Duration::from_secs(10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_serving(&host).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_head_closes_the_connection() {
    let host = faulty();
    let answer = raw(
        &host,
        b"POST /ok HTTP/1.1\r\nhost: test\r\n",
        Duration::from_secs(10),
    )
    .await;
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
    assert_serving(&host).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_head_over_the_limit_is_431() {
    let host = faulty();
    let big = "a".repeat(32 << 10);
    let answer = raw(
        &host,
        format!("GET /ok HTTP/1.1\r\nhost: test\r\nx-big: {big}\r\n\r\n").as_bytes(),
        Duration::from_secs(10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert_serving(&host).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_leaves_mid_body_costs_nothing() {
    let host = faulty();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(host.address()).await.unwrap();
        stream
            .write_all(b"POST /ok HTTP/1.1\r\nhost: test\r\ncontent-length: 1000\r\n\r\npartial")
            .await
            .unwrap();
        drop(stream);
    }
    assert_serving(&host).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_leaves_mid_response_frees_the_instance() {
    let host = faulty();
    // More departures than the host has instance slots: if a departed
    // client's instance were kept until its deadline, `/ok` would get 503.
    for _ in 0..4 {
        let stream = TcpStream::connect(host.address()).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        let connection = tokio::spawn(connection);
        let request = hyper::Request::get("/huge")
            .header(hyper::header::HOST, "test")
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let mut body = response.into_body();
        let first = body.frame().await.unwrap().unwrap();
        assert!(first.data_ref().is_some_and(|data| !data.is_empty()));
        drop(body);
        drop(sender);
        connection.abort();
    }
    // The instances stop at their next write, well before the deadline.
    let mut answered = None;
    for _ in 0..20 {
        let reply = host.send(get("/ok")).await.unwrap();
        if reply.status != 503 {
            answered = Some(reply.status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        answered,
        Some(200),
        "the departed clients' instances were kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn more_requests_than_instance_slots_get_503_with_retry_after() {
    let host = std::sync::Arc::new(faulty());
    let sleepers: Vec<_> = (0..2)
        .map(|_| {
            let host = host.clone();
            tokio::spawn(async move { host.send(get("/sleep")).await.unwrap() })
        })
        .collect();
    // Both slots are taken once both sleepers have instantiated.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = host.send(get("/ok")).await.unwrap();
    assert_eq!(refused.status, 503, "{:?}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("1"));
    for sleeper in sleepers {
        let reply = sleeper.await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, "slept");
    }
    assert_serving(&host).await;
}
