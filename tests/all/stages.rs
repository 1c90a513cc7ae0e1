//! Event stages end to end, over real HTTP (WASI 0.2 and 0.3 binders) and a
//! real `nats-server`: the built-in filter (and the `types`/`filters`
//! shorthand) keeps what does not pass from the app, a user stage written
//! with the SDK changes events on their way in and answers on their way
//! out, and the same app bytes serve behind every binder.

use std::time::Duration;

use bindery_manifest::WasiGeneration;
use bindery_test_support::broker::Broker;
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::serve::Server;
use crate::test_host::Reply;
use crate::toolchain;

/// The counting app behind `trigger` (`http` or `nats`) with the
/// executor's members `executor` (beside `type` and `binder`), and the
/// `enrich` stage as a component (with its own setting).
fn project(trigger: &str, executor: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (place, binder) = match trigger {
        "http" => ("route = \"/events\"", "http-cloudevents"),
        _ => ("subject = \"stages.in\"", "nats-cloudevents"),
    };
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"stages\"\n\
             [[trigger.{trigger}]]\n{place}\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"{binder}\", {executor} }}\n\
             [component.app]\nsource = {app:?}\n\
             [component.enrich]\nsource = {stage:?}\n\
             environment = {{ ENRICH_WITH = \"by-stage\" }}\n",
            app = bindery_tests::COUNTING_APP,
            stage = bindery_tests::ENRICH_STAGE,
        ),
    )
    .unwrap();
    dir
}

/// `wasi = "..."` for a built-in HTTP binder of `generation`.
fn wasi(generation: WasiGeneration) -> String {
    format!("wasi = \"{}\"", generation.name())
}

/// Serves `dir` with instances reused, so that the counting app's
/// `invocation` counts every event that reached it.
fn serve_counting(dir: &tempfile::TempDir) -> Server {
    Server::start(
        dir.path(),
        &[
            "up",
            "--wasip2-instance-reuse",
            "100",
            "--idle-instance-timeout",
            "60",
        ],
    )
}

/// A binary-mode event of type `ty` from `source`.
async fn send(server: &Server, ty: &str, source: &str) -> Reply {
    let headers = [
        ("ce-specversion", "1.0"),
        ("ce-id", "e-1"),
        ("ce-source", source),
        ("ce-type", ty),
        ("content-type", "application/json"),
    ];
    server.send("POST", &headers, "{\"n\":1}").await
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn a_filter_keeps_what_does_not_pass_from_the_app_over_0_2_and_0_3() {
    for generation in [WasiGeneration::P2, WasiGeneration::P3] {
        let dir = project(
            "http",
            &format!(
                "{}, types = [\"com.example.count\"], filters = [{{ sql = \"source LIKE '/orders/%'\" }}]",
                wasi(generation)
            ),
        );
        let server = serve_counting(&dir);
        let passed = send(&server, "com.example.count", "/orders/eu").await;
        assert_eq!(passed.status, 200, "{generation:?}: {:?}", passed.body);
        assert_eq!(header(&passed, "ce-invocation"), Some("1"));
        for (ty, source) in [
            ("com.example.other", "/orders/eu"),
            ("com.example.count", "/users/1"),
        ] {
            let dropped = send(&server, ty, source).await;
            assert_eq!(
                (dropped.status, dropped.body.len()),
                (202, 0),
                "{generation:?}: {ty} from {source} is acknowledged without an answer"
            );
            assert!(header(&dropped, "content-type").is_none());
        }
        let passed = send(&server, "com.example.count", "/orders/us").await;
        assert_eq!(
            header(&passed, "ce-invocation"),
            Some("2"),
            "{generation:?}: the dropped events never reached the app"
        );
    }
}

#[tokio::test]
async fn a_chain_of_filter_user_stage_and_app_over_0_2_and_0_3() {
    for generation in [WasiGeneration::P2, WasiGeneration::P3] {
        let dir = project(
            "http",
            &format!(
                "{}, stages = [{{ binder = \"filter\", config = {{ filters = [{{ prefix = {{ type = \"com.example.\" }} }}] }} }}, {{ component = \"enrich\" }}]",
                wasi(generation)
            ),
        );
        let server = serve_counting(&dir);
        let answered = send(&server, "com.example.count", "/orders/eu").await;
        assert_eq!(answered.status, 200, "{generation:?}: {:?}", answered.body);
        assert_eq!(header(&answered, "ce-enriched"), Some("by-stage"));
        assert_eq!(header(&answered, "ce-stagedanswer"), Some("true"));
        assert_eq!(header(&answered, "ce-invocation"), Some("1"));
        let filtered = send(&server, "org.other.count", "/orders/eu").await;
        assert_eq!(filtered.status, 202, "{generation:?}");
        let dropped = send(&server, "com.example.stage.drop", "/orders/eu").await;
        assert_eq!(dropped.status, 202, "{generation:?}: the user stage drops");
        let by_stage = send(&server, "com.example.stage.answer", "/orders/eu").await;
        assert_eq!(by_stage.status, 200, "{generation:?}");
        assert_eq!(
            header(&by_stage, "ce-invocation"),
            None,
            "{generation:?}: the stage answered without the app"
        );
        let again = send(&server, "com.example.count", "/orders/eu").await;
        assert_eq!(header(&again, "ce-invocation"), Some("2"), "{generation:?}");
        drop(server);
        let output = std::fs::read_to_string(dir.path().join(".bindery/spin.toml")).unwrap();
        assert!(
            !output.contains("stages =") && !output.contains("[component.enrich]"),
            "the output manifest carries no trace of the stages:\n{output}"
        );
    }
}

#[tokio::test]
async fn the_same_chain_and_app_behind_nats() {
    let broker = Broker::start(&toolchain::nats_server());
    let dir = project(
        "nats",
        "types = [\"com.example.count\"], stages = [{ component = \"enrich\" }]",
    );
    let address = broker.url();
    let server = Server::start(dir.path(), &["up", "--nats-address", &address]);
    let client = broker.client().await;
    let mut replies = Broker::subscribed(&client, "test.replies").await;
    let event = |ty: &str, id: &str| json!({"specversion": "1.0", "id": id, "source": "/orders/eu", "type": ty, "data": {"n": 1}});
    for (ty, id) in [
        ("com.example.other", "skipped"),
        ("com.example.count", "kept"),
    ] {
        client
            .publish_with_reply(
                "stages.in",
                "test.replies",
                event(ty, id).to_string().into(),
            )
            .await
            .unwrap();
    }
    let reply = tokio::time::timeout(Duration::from_secs(30), replies.next())
        .await
        .expect("a reply within 30 s")
        .unwrap();
    let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(
        reply["id"], "kept",
        "the filtered event got no reply: {reply}"
    );
    assert_eq!(reply["enriched"], "by-stage");
    assert_eq!(reply["stagedanswer"], true);
    let more = tokio::time::timeout(Duration::from_millis(500), replies.next()).await;
    assert!(more.is_err(), "one reply only: {more:?}");
    drop(server);
}
