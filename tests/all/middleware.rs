//! Stage at build time: the built-in webhook-signature stage composed
//! from a trigger's `dependencies.middleware` in front of the WASI 0.3
//! binder, served by `bindery up` as one component.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bindery_composer::ComponentWorld;
use bindery_webhook_signature::sign;

use crate::serve::{Server, run};
use crate::test_host::Reply;

/// The example secret of the Standard Webhooks specification.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const EVENT: &str = r#"{"specversion":"1.0","id":"w-1","source":"/hooks","type":"com.example.echo","data":{"n":1}}"#;

/// A project of the echo app behind the 0.3 binder (or the 0.2 one, with
/// `wasi`), with the webhook-signature stage in front.
fn project(wasi: &str) -> tempfile::TempDir {
    hooks(
        bindery_tests::ECHO,
        &format!("wasi = \"{wasi}\""),
        &format!("secret = \"{SECRET}\", tolerance = 300"),
        "",
    )
}

/// A project of `app` behind the built-in binder (`executor` the rest of
/// its table), with the webhook-signature stage (its `config` table's
/// contents) in front, and `app_table` more lines of the app's table.
fn hooks(app: &str, executor: &str, config: &str, app_table: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"hooks\"\n\
             [[trigger.http]]\nroute = \"/events\"\ncomponent = \"app\"\n\
             executor = {{ type = \"binder\", binder = \"http-cloudevents\", {executor} }}\n\
             dependencies.middleware = [{{ binder = \"webhook-signature\", config = {{ {config} }} }}]\n\
             [component.app]\nsource = {app:?}\n{app_table}"
        ),
    )
    .unwrap();
    dir
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Sends `body` as a structured event with Standard Webhooks headers:
/// `signature`, or the right one for `timestamp` when `None`.
async fn send(server: &Server, body: &str, timestamp: i64, signature: Option<&str>) -> Reply {
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    let id = format!("msg_{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    send_as(server, &id, body, timestamp, signature).await
}

/// [`send`] with the `webhook-id` `id`.
async fn send_as(
    server: &Server,
    id: &str,
    body: &str,
    timestamp: i64,
    signature: Option<&str>,
) -> Reply {
    let key = base64_key();
    let timestamp = timestamp.to_string();
    let signed = sign(&key, id.as_bytes(), timestamp.as_bytes(), body.as_bytes());
    let headers = [
        ("content-type", "application/cloudevents+json"),
        ("webhook-id", id),
        ("webhook-timestamp", timestamp.as_str()),
        ("webhook-signature", signature.unwrap_or(&signed)),
    ];
    server.send("POST", &headers, body.to_owned()).await
}

fn base64_key() -> Vec<u8> {
    let config = bindery_webhook_signature::Config::from_env([(
        "BINDERY_WEBHOOK_SIGNATURE_SECRET".to_owned(),
        SECRET.to_owned(),
    )])
    .unwrap();
    config.key
}

#[tokio::test]
async fn signed_requests_pass_and_others_are_refused_before_the_binder() {
    let dir = project("0.3");
    let server = Server::start(dir.path(), &["up"]);

    let passed = send(&server, EVENT, now(), None).await;
    assert_eq!(passed.status, 200, "{:?}", passed.body);
    assert_eq!(passed.json()["id"], "w-1");
    assert_eq!(passed.json()["data"]["n"], 1);

    // A valid signature of an invalid event: the binder's 400.
    let invalid = send(&server, "{not json", now(), None).await;
    assert_eq!(invalid.status, 400, "{:?}", invalid.body);

    // A wrong signature is refused, even for an invalid event: the binder
    // never sees it.
    for body in [EVENT, "{not json"] {
        let forged = send(
            &server,
            body,
            now(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        )
        .await;
        assert_eq!(forged.status, 401, "{:?}", forged.body);
        assert_eq!(forged.json()["error"], "bad-signature");
    }
    // A captured request replayed after the window, correctly signed for
    // its old timestamp, is refused; so is one from too far ahead.
    for timestamp in [now() - 600, now() + 600] {
        let replayed = send(&server, EVENT, timestamp, None).await;
        assert_eq!(replayed.status, 401, "{:?}", replayed.body);
        assert!(
            replayed.json()["detail"]
                .as_str()
                .unwrap()
                .contains("more than 300 s from now")
        );
    }
    // A body changed after signing.
    let key = base64_key();
    let timestamp = now().to_string();
    let signature = sign(&key, b"msg_1", timestamp.as_bytes(), EVENT.as_bytes());
    let tampered = EVENT.replace("\"n\":1", "\"n\":2");
    let changed = send(&server, &tampered, now(), Some(&signature)).await;
    assert_eq!(changed.status, 401, "{:?}", changed.body);
    // No signature headers at all.
    let unsigned = server
        .send(
            "POST",
            &[("content-type", "application/cloudevents+json")],
            EVENT,
        )
        .await;
    assert_eq!(unsigned.status, 401, "{:?}", unsigned.body);
    assert!(String::from_utf8_lossy(&unsigned.body).contains("`webhook-id`"));

    // The output is one component, and its manifest has no dependencies.
    let manifest = std::fs::read_to_string(dir.path().join(".bindery/spin.toml")).unwrap();
    assert!(!manifest.contains("dependencies"), "{manifest}");
    assert!(!manifest.contains("middleware"), "{manifest}");
    let inspected = run(dir.path(), &["inspect", ".bindery/app.wasm"]);
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(text.contains("middleware 1 webhook-signature"), "{text}");
    assert!(text.contains("wasi:http 0.3 handler"), "{text}");
    let composed = std::fs::read(dir.path().join(".bindery/app.wasm")).unwrap();
    let world = ComponentWorld::of(&composed).unwrap();
    assert!(
        !world
            .imports
            .iter()
            .any(|import| import.starts_with("wasi:http/handler")),
        "the stage's handler import is linked inside: {:?}",
        world.imports
    );
}

#[test]
fn middleware_needs_a_wasi_0_3_binder() {
    let dir = project("0.2");
    let output = run(dir.path(), &["compose"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("spin.toml"), "{stderr}");
    assert!(
        stderr.contains("has middleware, which needs a WASI 0.3 handler")
            && stderr.contains("`wasi:http/incoming-handler@0.2")
            && stderr.contains("`wasi = \"0.3\"` for a built-in one"),
        "{stderr}"
    );
    assert!(!dir.path().join(".bindery").exists(), "nothing written");
}

/// A signed request delivered once is refused when replayed within the
/// tolerance window (it was accepted three times); one the app refused can
/// be sent again, as a sender retries with the same `webhook-id`.
#[tokio::test]
async fn a_replayed_delivery_is_refused_with_409() {
    let dir = project("0.3");
    let server = Server::start(dir.path(), &["up"]);
    let timestamp = now();
    let first = send_as(&server, "msg_replayed", EVENT, timestamp, None).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    for _ in 0..2 {
        let again = send_as(&server, "msg_replayed", EVENT, timestamp, None).await;
        assert_eq!(again.status, 409, "{:?}", again.body);
        assert_eq!(again.json()["error"], "replayed");
    }
    let other = send_as(&server, "msg_other", EVENT, timestamp, None).await;
    assert_eq!(other.status, 200, "{:?}", other.body);
    for _ in 0..2 {
        let refused = send_as(&server, "msg_invalid", "{not json", timestamp, None).await;
        assert_eq!(refused.status, 400, "{:?}", refused.body);
    }
}

/// Each part of the composition sees its own settings only: the app behind
/// the webhook-signature stage read the stage's secret (and the binder's
/// settings) from the one environment they shared. The stage still checks
/// signatures with its secret, the binder still applies its `max-body`,
/// and the app still reads its own `environment`.
#[tokio::test]
async fn the_app_does_not_see_the_secrets_of_other_parts() {
    let dir = hooks(
        bindery_tests::SCRIPTED_APP,
        "wasi = \"0.3\", config = { max-body = 4096 }",
        &format!("secret = \"{SECRET}\""),
        "environment = { APP_SETTING = \"mine\" }\n",
    );
    let server = Server::start(dir.path(), &["up"]);
    let event = r#"{"specversion":"1.0","id":"e-1","source":"/hooks","type":"test.env"}"#;
    let reply = send(&server, event, now(), None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let seen = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(seen.contains("APP_SETTING=mine"), "{seen}");
    assert!(!seen.contains("BINDERY_WEBHOOK_SIGNATURE"), "{seen}");
    assert!(!seen.contains("whsec_"), "{seen}");
    assert!(!seen.contains("BINDERY_CONFIG"), "{seen}");
    let unsigned = server
        .send(
            "POST",
            &[("content-type", "application/cloudevents+json")],
            event,
        )
        .await;
    assert_eq!(unsigned.status, 401, "the stage still has its secret");
    let large = format!(
        r#"{{"specversion":"1.0","id":"e-2","source":"/hooks","type":"test.env","data":"{}"}}"#,
        "x".repeat(8192)
    );
    let refused = send(&server, &large, now(), None).await;
    assert_eq!(
        refused.status, 413,
        "the binder still has its max-body: {:?}",
        refused.body
    );
}

/// A secret can stay out of the output: `env:NAME` in a setting is read
/// from the host's environment at start, and a missing variable stops the
/// start with its name.
#[tokio::test]
async fn a_secret_read_from_the_hosts_environment_stays_out_of_the_output() {
    let dir = hooks(
        bindery_tests::ECHO,
        "wasi = \"0.3\"",
        "secret = \"env:HOOK_SECRET\"",
        "",
    );
    let missing = run(dir.path(), &["up", "--listen", "127.0.0.1:0"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no variable HOOK_SECRET"), "{stderr}");
    let server = Server::start_configured(
        dir.path(),
        &["up"],
        std::path::Path::new("compiled"),
        |command| {
            command.env("HOOK_SECRET", SECRET);
        },
    );
    let passed = send(&server, EVENT, now(), None).await;
    assert_eq!(passed.status, 200, "{:?}", passed.body);
    let written = std::fs::read_to_string(dir.path().join(".bindery/spin.toml")).unwrap();
    assert!(
        written.contains("env:HOOK_SECRET") && !written.contains("whsec_"),
        "{written}"
    );
}
