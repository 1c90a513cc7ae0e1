//! The host under attack, round two: one regression test per weakness
//! found, each against a real `bindery` process on loopback.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

use bindery_test_support::broker::Broker;
use futures::StreamExt as _;

use crate::serve::{Server, example, orders_example};
use crate::{test_host, toolchain};

/// The echo app, as the examples build it.
const ECHO: &[(&str, &str)] = &[("echo", bindery_tests::ECHO)];

/// The head of a valid binary-mode event.
const EVENT: [(&str, &str); 4] = [
    ("ce-specversion", "1.0"),
    ("ce-id", "1"),
    ("ce-source", "/attack"),
    ("ce-type", "com.example.echo"),
];

/// Out of file descriptors, the host pauses its accepts and logs at a
/// bounded rate instead of spinning (it wrote hundreds of megabytes of
/// "accept failed" a second), and serves again once descriptors are free.
#[tokio::test(flavor = "multi_thread")]
async fn out_of_descriptors_the_accept_loop_backs_off() {
    let dir = example("echo", ECHO);
    let server = Server::start_configured(dir.path(), &["up"], Path::new("compiled"), |command| {
        // SAFETY: setrlimit is async-signal-safe, and nothing else runs in
        // the child between fork and exec.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 64,
                    rlim_max: 64,
                };
                match libc::setrlimit(libc::RLIMIT_NOFILE, &limit) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            });
        }
    });
    assert_eq!(server.send("POST", &EVENT, "before").await.status, 200);
    let idle: Vec<std::net::TcpStream> = (0..80)
        .filter_map(|_| std::net::TcpStream::connect(server.address()).ok())
        .collect();
    assert!(idle.len() >= 64, "only {} connections opened", idle.len());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let failures = server
        .log()
        .lines()
        .filter(|line| line.contains("accept failed"))
        .count();
    assert!(
        (1..=10).contains(&failures),
        "{failures} accept failures logged in 3 s (one a second at most is expected)"
    );
    drop(idle);
    let started = Instant::now();
    loop {
        let reply = server.send("POST", &EVENT, "after").await;
        if reply.status == 200 {
            assert_eq!(&reply.body[..], b"after");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the host did not serve again: {}",
            reply.status
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Told to stop with the broker gone, the host waits for its subscriptions
/// no longer than its shutdown grace (it used to wait for minutes).
#[tokio::test(flavor = "multi_thread")]
async fn shutdown_ends_within_its_grace_with_the_broker_gone() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = orders_example();
    let address = broker.url();
    let args = ["up", "--nats-address", &address, "--shutdown-grace", "2"];
    let mut server = Server::start(dir.path(), &args);
    drop(broker);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = server.terminate_within(Duration::from_secs(20));
    let log = server.log();
    let status = status.unwrap_or_else(|| panic!("still running 20 s after SIGTERM:\n{log}"));
    assert!(status.success(), "{status}:\n{log}");
}

/// A project serving the relay test component on `relay.in`, allowed to
/// send to `svc.>` only.
pub(crate) fn relay_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"relay\"\n\
             [[trigger.nats]]\nsubject = \"relay.in\"\ncomponent = \"relay\"\n\
             [component.relay]\nsource = {:?}\nallowed_outbound_hosts = [\"nats://svc.>\"]\n",
            bindery_tests::RELAY
        ),
    )
    .unwrap();
    dir
}

/// The next message on `subscriber`, or `None` after `wait`.
async fn next_within(
    subscriber: &mut async_nats::Subscriber,
    wait: Duration,
) -> Option<async_nats::Message> {
    tokio::time::timeout(wait, subscriber.next())
        .await
        .ok()
        .flatten()
}

/// The reply subject is the sender's choice, so the exemption it gets is
/// bounded as NATS's `allow_responses` is: one publish, never a request,
/// never a `$` system subject, and within `--reply-subjects` when given.
/// The host published answers to `$JS.API...` and sent requests to subjects
/// outside the component's list when they were named as the reply.
#[tokio::test]
async fn a_reply_subject_grants_one_publish_and_nothing_else() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = relay_project();
    let _server = Server::start(
        dir.path(),
        &["serve", "spin.toml", "--nats-address", &broker.url()],
    );
    let client = broker.client().await;
    let wait = Duration::from_secs(2);

    // A request to a subject outside the list, named as the reply: the
    // request is refused, and the one reply says so.
    let mut victim = Broker::subscribed(&client, "admin.users.delete").await;
    client
        .publish_with_reply(
            "relay.in",
            "admin.users.delete",
            "admin.users.delete".into(),
        )
        .await
        .unwrap();
    let reply = next_within(&mut victim, Duration::from_secs(30))
        .await
        .expect("the one reply arrives");
    let text = String::from_utf8_lossy(&reply.payload).into_owned();
    assert!(
        text.starts_with("error: sending to `admin.users.delete` is not allowed"),
        "{text}"
    );
    assert!(reply.reply.is_none(), "a publish, not a request");
    assert!(next_within(&mut victim, wait).await.is_none());

    // A system subject is never a reply.
    let system = "$JS.API.STREAM.DELETE.ORDERS";
    let mut stream_api = Broker::subscribed(&client, system).await;
    client
        .publish_with_reply("relay.in", system, "svc.none".into())
        .await
        .unwrap();
    assert!(next_within(&mut stream_api, wait).await.is_none());
}

/// With `--reply-subjects "_INBOX.>"`, only the inboxes of NATS clients get
/// replies.
#[tokio::test]
async fn reply_subjects_narrow_replies() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = relay_project();
    let address = broker.url();
    let args = [
        "serve",
        "spin.toml",
        "--nats-address",
        &address,
        "--reply-subjects",
        "_INBOX.>",
    ];
    let _server = Server::start(dir.path(), &args);
    let client = broker.client().await;
    let mut elsewhere = Broker::subscribed(&client, "test.replies").await;
    client
        .publish_with_reply("relay.in", "test.replies", "svc.none".into())
        .await
        .unwrap();
    assert!(
        next_within(&mut elsewhere, Duration::from_secs(2))
            .await
            .is_none()
    );
    let answer = tokio::time::timeout(
        Duration::from_secs(30),
        client.request("relay.in", "svc.none".into()),
    )
    .await
    .expect("an answer within 30 s")
    .expect("the request is answered");
    let text = String::from_utf8_lossy(&answer.payload).into_owned();
    assert!(
        text.starts_with("error: the request to `svc.none` failed"),
        "{text}"
    );
}

/// A burst of messages, far more than there are instance slots, is answered
/// to the last one: the pool holds an instance of the composed component
/// (binder, app and sink, each with its core instances) for every slot. Two
/// of 2,000 were lost when the pool was sized for smaller components.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_messages_is_answered_every_one() {
    const BURST: usize = 3000;
    let (broker, _dir, server) = crate::serve::up_orders();
    let client = broker.client().await;
    let inbox = client.new_inbox();
    let mut answers = Broker::subscribed(&client, &format!("{inbox}.>")).await;
    for index in 0..BURST {
        let id = format!("burst-{index}");
        let order = crate::nats::order_created(&id, crate::nats::order(&id));
        client
            .publish_with_reply(
                "orders.created",
                format!("{inbox}.{index}"),
                order.to_string().into(),
            )
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    let mut answered = std::collections::HashSet::new();
    let started = Instant::now();
    while answered.len() < BURST && started.elapsed() < Duration::from_secs(180) {
        match next_within(&mut answers, Duration::from_secs(5)).await {
            Some(answer) => {
                answered.insert(answer.subject.to_string());
            }
            None => continue,
        }
    }
    assert_eq!(
        answered.len(),
        BURST,
        "answered {} of {BURST}:\n{}",
        answered.len(),
        server
            .log()
            .lines()
            .filter(|line| line.contains("lost"))
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A guest waiting in a host call (here a one-second sleep) is stopped at
/// the wall-clock deadline, not when the call returns: the epoch deadline
/// alone interrupts guest code only, and the instance (with its slot) was
/// held until the sleep ended. With one instance slot, the next request
/// after the deadline gets an instance instead of 503.
#[tokio::test(flavor = "multi_thread")]
async fn the_deadline_holds_while_a_guest_waits_in_a_host_call() {
    let config = bindery_runtime::HostConfig {
        deadline: Duration::from_millis(300),
        max_instances: 1,
        ..bindery_runtime::HostConfig::default()
    };
    let component = std::fs::read(bindery_tests::FAULTY_HTTP).unwrap();
    let host =
        std::sync::Arc::new(test_host::TestHost::with_config(&component, &[], config).unwrap());
    let request = |path: &str| hyper::Request::get(path).body(bytes::Bytes::new()).unwrap();
    let sleeper = {
        let host = host.clone();
        tokio::spawn(async move { host.send(request("/sleep")).await.unwrap() })
    };
    // Past the deadline, before the sleep would have ended.
    tokio::time::sleep(Duration::from_millis(650)).await;
    let next = host.send(request("/ok")).await.unwrap();
    assert_eq!(next.status, 200, "{:?}", next.body);
    let slept = sleeper.await.unwrap();
    assert_eq!(slept.status, 504, "{:?}", slept.body);
}

/// `--memory-limit` bounds an instance across all its linear memories: the
/// composed orders component has three (binder, app, sink) of about 1 MiB
/// each, so with a limit of 2 MiB it cannot be instantiated, where each
/// memory alone fitting used to be enough (an instance could use three
/// times the limit). The host keeps serving, and with room it is served.
#[tokio::test(flavor = "multi_thread")]
async fn the_memory_limit_spans_every_memory_of_an_instance() {
    let created = crate::nats::order_created("m-1", crate::nats::order("M-1"));
    let broker = Broker::start(&toolchain::nats_server());
    let address = broker.url();
    let dir = orders_example();
    let args = |limit| ["up", "--nats-address", &address, "--memory-limit", limit];
    let tight = Server::start(dir.path(), &args("2"));
    let refused = tight.post_structured("/orders", &created).await;
    assert_eq!(refused.status, 500, "{:?}", refused.body);
    let again = tight.post_structured("/orders", &created).await;
    assert_eq!(
        again.status, 500,
        "the host keeps serving: {:?}",
        again.body
    );
    drop(tight);
    let roomy = Server::start(dir.path(), &args("16"));
    let accepted = roomy.post_structured("/orders", &created).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
}

/// NATS messages waiting for an instance are held within a byte budget:
/// with the only slot busy, 300 messages of 1 MB arrive; the host keeps
/// 16 MB of them, drops the rest (and says so), and its memory stays
/// small (it grew by the whole 300 MB, as the client buffered by count).
#[tokio::test(flavor = "multi_thread")]
async fn waiting_messages_are_bounded_in_bytes() {
    const BIG: usize = 1_000_000;
    let broker = Broker::start(&toolchain::nats_server());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"slow\"\n\
             [[trigger.nats]]\nsubject = \"slow.in\"\ncomponent = \"scripted\"\n\
             executor = {{ type = \"binder\", binder = \"nats-cloudevents\" }}\n\
             [component.scripted]\nsource = {:?}\n",
            bindery_tests::SCRIPTED_APP
        ),
    )
    .unwrap();
    let address = broker.url();
    let args = [
        "up",
        "--nats-address",
        &address,
        "--max-instances",
        "1",
        "--nats-buffer-bytes",
        "16000000",
    ];
    let server = Server::start(dir.path(), &args);
    let client = broker.client().await;
    let event = |id: &str, ty: &str, data: &str| {
        serde_json::json!({"specversion": "1.0", "id": id, "source": "/attack", "type": ty, "data": data})
            .to_string()
    };
    let before = server.resident_bytes();
    client
        .publish("slow.in", event("slow", "test.loop", "").into())
        .await
        .unwrap();
    let data = "x".repeat(BIG);
    for index in 0..300 {
        let big = event(&format!("big-{index}"), "test.none", &data);
        client.publish("slow.in", big.into()).await.unwrap();
    }
    client.flush().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let grown = server.resident_bytes().saturating_sub(before);
    assert!(
        grown < 150_000_000,
        "the host grew by {grown} bytes holding waiting messages"
    );
    let started = Instant::now();
    while !server.log().contains("dropped") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no drop was logged"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The status of a request sent while another (a one-second sleep) holds
/// an instance of a host with `config`; the sleeper must be answered.
async fn beside_a_sleeper(config: bindery_runtime::HostConfig) -> test_host::Reply {
    let component = std::fs::read(bindery_tests::FAULTY_HTTP).unwrap();
    let request = |path: &str| hyper::Request::get(path).body(bytes::Bytes::new()).unwrap();
    let host =
        std::sync::Arc::new(test_host::TestHost::with_config(&component, &[], config).unwrap());
    let sleeper = {
        let host = host.clone();
        tokio::spawn(async move { host.send(request("/sleep")).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let next = host.send(request("/ok")).await.unwrap();
    assert_eq!(sleeper.await.unwrap().status, 200);
    next
}

/// A request beyond the instance slots waits (for `slot_wait`) for one
/// before it is refused: with the only slot busy for a second, a request
/// that may wait five gets its instance; one that may wait a tenth gets 503.
#[tokio::test(flavor = "multi_thread")]
async fn work_beyond_the_slots_waits_bounded_then_gets_503() {
    for (wait, status) in [
        (Duration::from_secs(5), 200),
        (Duration::from_millis(100), 503),
    ] {
        let next = beside_a_sleeper(bindery_runtime::HostConfig {
            max_instances: 1,
            slot_wait: wait,
            ..bindery_runtime::HostConfig::default()
        })
        .await;
        assert_eq!(next.status, status, "waiting {wait:?}: {:?}", next.body);
    }
}

/// The host's memory cap (`--max-memory-total`) admits only as many
/// instances as can each use their whole `--memory-limit`: with room for
/// one, a request beyond it waits (for `slot_wait`) and then gets 503, where
/// it used to get an instance past the cap. One that may wait longer is
/// served once the first is gone.
#[tokio::test(flavor = "multi_thread")]
async fn new_work_waits_for_the_host_memory_then_gets_503() {
    for (wait, status) in [
        (Duration::from_secs(5), 200),
        (Duration::from_millis(100), 503),
    ] {
        let next = beside_a_sleeper(bindery_runtime::HostConfig {
            max_instances: 8,
            memory_limit: 16 << 20,
            max_memory_total: 16 << 20,
            slot_wait: wait,
            ..bindery_runtime::HostConfig::default()
        })
        .await;
        assert_eq!(next.status, status, "waiting {wait:?}: {:?}", next.body);
    }
}
