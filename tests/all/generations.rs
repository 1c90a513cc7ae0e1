//! WASI 0.3 beside 0.2: the same app `.wasm` behind the 0.2 and the 0.3
//! build of the http-cloudevents binder (`wasi = "0.3"`) answers every
//! request alike, and `bindery serve` reuses 0.3 instances and not 0.2
//! ones.

use bindery_manifest::{AppManifest, Executor, WasiGeneration};
use serde_json::json;

use crate::host_matrix::{self, BINARY};
use crate::nats::{next_json, order, order_created};
use crate::serve::{Server, orders_example, run};
use crate::test_host::Reply;
use crate::toolchain;
use bindery_test_support::broker::Broker;

/// A project of `app` behind the http-cloudevents binder built for
/// `generation`, with `config` (TOML table members) for the binder.
fn project(app: &str, generation: WasiGeneration, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"generations\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\", wasi = \"{}\", config = {{ {config} }} }}\n\
             [component.app]\nsource = {app:?}\n",
            generation.name()
        ),
    )
    .unwrap();
    dir
}

/// What must be alike: the status, the headers the binder sets (all but
/// the date and the framing) and the body.
fn comparable(reply: &Reply) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut headers: Vec<(String, String)> = reply
        .headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "date" | "transfer-encoding" | "content-length"
            )
        })
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    (reply.status, headers, reply.body.to_vec())
}

#[tokio::test]
async fn the_same_echo_answers_alike_over_wasi_0_2_and_0_3() {
    let mut answers = Vec::new();
    for generation in [WasiGeneration::P2, WasiGeneration::P3] {
        let dir = project(bindery_tests::ECHO, generation, host_matrix::CONFIG);
        let server = Server::start(dir.path(), &["up"]);
        let inspected = run(dir.path(), &["inspect", ".bindery/app.wasm"]);
        let text = String::from_utf8_lossy(&inspected.stdout);
        assert!(
            text.contains(&format!("wasi:http {} handler", generation.name())),
            "{text}"
        );
        let mut replies = Vec::new();
        for check in host_matrix::checks() {
            replies.push(comparable(
                &host_matrix::send(server.address(), &check).await,
            ));
        }
        answers.push(replies);
    }
    let (p2, p3) = (&answers[0], &answers[1]);
    for (index, (p2, p3)) in p2.iter().zip(p3).enumerate() {
        assert_eq!(p2, p3, "request {index} was answered differently");
    }
    // The checks mean something: what 0.2 answered is what the binder does.
    let statuses: Vec<u16> = p2.iter().map(|(status, _, _)| *status).collect();
    let expected: Vec<u16> = host_matrix::checks()
        .iter()
        .map(|check| check.status)
        .collect();
    assert_eq!(statuses, expected);
    assert_eq!(p3[0].2, "Grüße".as_bytes());
    assert!(p3[0].1.contains(&("ce-note".into(), "caf%C3%A9".into())));
}

/// The `invocation` extension of `reply`: how many events its instance had
/// handled.
fn invocation(reply: &Reply) -> u32 {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.header("ce-invocation").unwrap().parse().unwrap()
}

#[tokio::test]
async fn wasi_0_3_instances_are_reused_and_0_2_ones_are_not() {
    let event = typed("com.example.count");
    let trap = typed("com.example.trap");

    let dir = project(bindery_tests::COUNTING_APP, WasiGeneration::P2, "");
    let server = Server::start(dir.path(), &["up"]);
    for _ in 0..5 {
        assert_eq!(invocation(&server.send("POST", &event, "").await), 1);
    }
    drop(server);
    // Reuse is opt-in for 0.2.
    let limited = in_turn(&dir, "--wasip2-instance-reuse", "3", &event).await;
    assert_eq!(limited, [1, 2, 3, 1, 2, 3, 1]);

    let dir = project(bindery_tests::COUNTING_APP, WasiGeneration::P3, "");
    let server = Server::start(dir.path(), &["up", "--idle-instance-timeout", "60"]);
    let counts: Vec<u32> = futures::future::join_all(
        (0..10).map(|_| async { invocation(&server.send("POST", &event, "").await) }),
    )
    .await
    .into_iter()
    .chain([invocation(&server.send("POST", &event, "").await)])
    .collect();
    assert!(
        counts.iter().any(|&count| count > 1),
        "one instance served several requests: {counts:?}"
    );
    drop(server);

    // Requests one after another are served by one instance. A trap
    // answers 500 and retires it: the next request is the first of a fresh
    // one.
    let server = Server::start(dir.path(), &["up", "--idle-instance-timeout", "60"]);
    for expected in 1..=3 {
        assert_eq!(invocation(&server.send("POST", &event, "").await), expected);
    }
    let trapped = server.send("POST", &trap, "").await;
    assert_eq!(trapped.status, 500, "{:?}", trapped.body);
    assert_eq!(invocation(&server.send("POST", &event, "").await), 1);
    assert_eq!(invocation(&server.send("POST", &event, "").await), 2);
    drop(server);

    // The reuse limit retires an instance after that many requests.
    let limited = in_turn(&dir, "--max-instance-reuse", "3", &event).await;
    assert_eq!(limited, [1, 2, 3, 1, 2, 3, 1]);

    // The manifest sets it too, and a flag overrides the manifest.
    let path = dir.path().join("spin.toml");
    let manifest = std::fs::read_to_string(&path).unwrap().replace(
        "name = \"generations\"\n",
        "name = \"generations\"\n[application.trigger.http]\n\
         instance-reuse = { max-requests = 3, idle-timeout-ms = 60000 }\n",
    );
    std::fs::write(&path, manifest).unwrap();
    let server = Server::start(dir.path(), &["up"]);
    let mut seen = Vec::new();
    for _ in 0..7 {
        seen.push(invocation(&server.send("POST", &event, "").await));
    }
    assert_eq!(seen, [1, 2, 3, 1, 2, 3, 1]);
    drop(server);
    let overridden = in_turn(&dir, "--max-instance-reuse", "2", &event).await;
    assert_eq!(overridden, [1, 2, 1, 2, 1, 2, 1]);
}

/// The invocation counts of 7 `event`s sent one after another to the
/// project in `dir`, served with the reuse limit `flag` set to `limit`.
async fn in_turn(
    dir: &tempfile::TempDir,
    flag: &str,
    limit: &str,
    event: &[(&str, &str)],
) -> Vec<u32> {
    let server = Server::start(
        dir.path(),
        &["up", flag, limit, "--idle-instance-timeout", "60"],
    );
    let mut seen = Vec::new();
    for _ in 0..7 {
        seen.push(invocation(&server.send("POST", event, "").await));
    }
    seen
}

/// The binary-mode test event with the type `ty`.
fn typed(ty: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut event = BINARY.to_vec();
    event.retain(|(name, _)| *name != "ce-type");
    event.push(("ce-type", ty));
    event
}

#[tokio::test]
async fn faults_under_reuse_cost_their_instance_alone() {
    let dir = project(bindery_tests::COUNTING_APP, WasiGeneration::P3, "");
    let server = Server::start(
        dir.path(),
        &[
            "up",
            "--memory-limit",
            "32",
            "--idle-instance-timeout",
            "60",
        ],
    );
    let count = typed("com.example.count");
    assert_eq!(invocation(&server.send("POST", &count, "").await), 1);
    // The deadline (2 s in these tests) stops a guest that never yields.
    let spun = server.send("POST", &typed("com.example.spin"), "").await;
    assert_eq!(spun.status, 504, "{:?}", spun.body);
    assert_eq!(invocation(&server.send("POST", &count, "").await), 1);
    // Memory stops at the limit; the instance goes, the host stays.
    let grown = server.send("POST", &typed("com.example.grow"), "").await;
    assert_eq!(grown.status, 500, "{:?}", grown.body);
    assert_eq!(invocation(&server.send("POST", &count, "").await), 1);
    assert_eq!(invocation(&server.send("POST", &count, "").await), 2);
}

#[tokio::test]
async fn orders_over_wasi_0_3_accepts_audits_and_refuses() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = orders_example();
    let path = dir.path().join("spin.toml");
    let mut manifest = AppManifest::load(&path).unwrap().manifest;
    for trigger in &mut manifest.trigger.http {
        if let Some(Executor::Binder(binder)) = &mut trigger.executor {
            binder.wasi = Some(WasiGeneration::P3);
        }
    }
    std::fs::write(&path, manifest.to_toml()).unwrap();
    let server = Server::start(dir.path(), &["up", "--nats-address", &broker.url()]);
    let inspected = run(dir.path(), &["inspect", ".bindery/orders.wasm"]);
    assert!(String::from_utf8_lossy(&inspected.stdout).contains("wasi:http 0.3 handler"));

    let client = broker.client().await;
    let mut audits = Broker::subscribed(&client, "orders.audited").await;
    let created = order_created("o-3", order("A-30"));
    let accepted = server.post_structured("/orders", &created).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    let accepted = accepted.json();
    assert_eq!(accepted["type"], "com.example.order.accepted");
    assert_eq!(accepted["id"], "o-3/accepted");
    assert_eq!(
        accepted["data"],
        json!({"orderId": "A-30", "customer": "ada", "itemCount": 3, "totalCents": 2699})
    );
    let audit = next_json(&mut audits).await;
    assert_eq!(audit["id"], "o-3/audited");
    assert_eq!(audit["data"], accepted["data"]);
    let refused = server
        .post_structured("/orders", &order_created("o-4", json!({"orderId": "A-31"})))
        .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
}

#[test]
fn wasi_is_checked_against_the_builds_there_are() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        "spin_manifest_version = 2\n[application]\nname = \"g\"\n\
         [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
         executor = { type = \"binder\", binder = \"http-cloudevents\", wasi = \"0.4\" }\n\
         [component.app]\nsource = \"app.wasm\"\n",
    )
    .unwrap();
    let output = run(dir.path(), &["compose"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("unknown variant `0.4`, expected `0.2` or `0.3`"),
        "{stderr}"
    );
    assert!(!dir.path().join(".bindery").exists(), "nothing written");
}

/// A reused instance takes its admission (an instance slot and its share
/// of the host's memory) as a fresh one does: with room in the host's
/// memory for one instance, a request that needs a second instance while
/// the first is busy waits, then gets 503, where it used to get an
/// instance past the host's memory cap. Once the first is gone, the next
/// request is served.
#[tokio::test]
async fn reused_instances_take_the_host_memory_as_fresh_ones_do() {
    let dir = project(bindery_tests::COUNTING_APP, WasiGeneration::P3, "");
    let server = Server::start(
        dir.path(),
        &[
            "up",
            "--memory-limit",
            "16",
            "--max-memory-total",
            "16",
            "--max-instance-concurrency",
            "1",
        ],
    );
    let (spin, count) = (typed("com.example.spin"), typed("com.example.count"));
    let spinning = std::sync::atomic::AtomicBool::new(true);
    // While the spinning request holds the only instance the host's memory
    // admits, every other request that needs an instance gets 503.
    let (spun, statuses) = futures::join!(
        async {
            let spun = server.send("POST", &spin, "").await;
            spinning.store(false, std::sync::atomic::Ordering::Relaxed);
            spun
        },
        async {
            let mut statuses = Vec::new();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            while spinning.load(std::sync::atomic::Ordering::Relaxed) && statuses.len() < 50 {
                statuses.push(server.send("POST", &count, "").await.status);
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            statuses
        }
    );
    assert_eq!(spun.status, 504, "{:?}", spun.body);
    assert!(statuses.contains(&503), "{statuses:?}");
    let served = server.send("POST", &count, "").await;
    assert_eq!(served.status, 200, "{:?}", served.body);
}

/// A guest that computes without pause holds no host thread: it yields at
/// every tick of the deadline clock. With more spinning guests than the
/// host has threads, a request beside them is answered while they all
/// still spin (their host threads used to be held until the deadline, and
/// work queued on them waited as long).
#[tokio::test]
async fn spinning_guests_hold_no_host_thread() {
    let dir = project(bindery_tests::COUNTING_APP, WasiGeneration::P2, "");
    let server = Server::start(dir.path(), &["up"]);
    let (spin, count) = (typed("com.example.spin"), typed("com.example.count"));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spinning = std::sync::atomic::AtomicUsize::new(threads + 1);
    let spins = futures::future::join_all((0..=threads).map(|_| async {
        let spun = server.send("POST", &spin, "").await;
        spinning.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        spun.status
    }));
    let beside = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let served = server.send("POST", &count, "").await;
        (served, spinning.load(std::sync::atomic::Ordering::Relaxed))
    };
    let (spun, (served, still_spinning)) = futures::join!(spins, beside);
    assert!(spun.iter().all(|status| *status == 504), "{spun:?}");
    assert_eq!(served.status, 200, "{:?}", served.body);
    assert_eq!(
        still_spinning,
        threads + 1,
        "answered after a spinning guest ended"
    );
}
