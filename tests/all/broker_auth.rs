//! Broker credentials: `bindery up` of the orders app against a real
//! `nats-server` that requires each kind (user and password, a token, an
//! NKey, TLS with a client certificate), answering an order from a client
//! that authenticates the same way, with no secret in the host's log.

use std::path::Path;
use std::time::Duration;

use async_nats::ConnectOptions;
use bindery_test_support::broker::Broker;
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};

use crate::nats::{order, order_created};
use crate::serve::{Server, orders_example};
use crate::toolchain;

/// Serves the orders example with `args` and `env`, against a broker
/// reached at `address`; asks it for an order through `client`, and
/// checks that none of `secrets` reached the host's log.
async fn orders_answer_through(
    address: &str,
    args: &[&str],
    env: &[(&str, &str)],
    client: ConnectOptions,
    secrets: &[&str],
) {
    let dir = orders_example();
    let mut all = vec!["up", "--nats-address", address];
    all.extend_from_slice(args);
    orders_answer_in(dir.path(), address, &all, env, client, secrets).await;
}

/// Serves the orders project in `dir` with `args`, against a broker
/// reached at `address`; asks it for an order through `client`, and
/// checks that none of `secrets` reached the host's log.
async fn orders_answer_in(
    dir: &Path,
    address: &str,
    args: &[&str],
    env: &[(&str, &str)],
    client: ConnectOptions,
    secrets: &[&str],
) {
    let server = Server::start_configured(dir, args, Path::new("compiled"), |command| {
        command.envs(env.iter().copied());
    });
    let client = tokio::time::timeout(
        Duration::from_secs(30),
        client.connect(address_without_secrets(address)),
    )
    .await
    .expect("the test client connects within 30 s")
    .expect("the test client is let in");
    let created = order_created("auth-1", order("A-1"));
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        client.request("orders.created", created.to_string().into()),
    )
    .await
    .expect("an answer within 60 s")
    .expect("the order is answered");
    let answer: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap();
    assert_eq!(answer["type"], "com.example.order.accepted", "{answer}");
    let log = server.log();
    for secret in secrets {
        assert!(!log.contains(secret), "`{secret}` reached the log:\n{log}");
    }
}

/// `address` with its credentials taken out, for the test's own client.
fn address_without_secrets(address: &str) -> String {
    let (scheme, rest) = address.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{host}")
}

#[tokio::test(flavor = "multi_thread")]
async fn user_and_password_in_the_address() {
    let broker = Broker::with_config(
        &toolchain::nats_server(),
        "authorization { user: alice, password: \"s3cr3t\" }\n",
    );
    let address = format!("nats://alice:s3cr3t@127.0.0.1:{}", broker.port());
    let client = ConnectOptions::with_user_and_password("alice".into(), "s3cr3t".into());
    orders_answer_through(&address, &[], &[], client, &["s3cr3t"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_the_environment() {
    let broker = Broker::with_config(
        &toolchain::nats_server(),
        "authorization { token: \"t0ken-xyz\" }\n",
    );
    let client = ConnectOptions::with_token("t0ken-xyz".into());
    let env = [("BINDERY_NATS_TOKEN", "t0ken-xyz")];
    orders_answer_through(&broker.url(), &[], &env, client, &["t0ken-xyz"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_nkey_seed_file() {
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().unwrap();
    let broker = Broker::with_config(
        &toolchain::nats_server(),
        &format!(
            "authorization {{ users = [ {{ nkey: \"{}\" }} ] }}\n",
            user.public_key()
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("user.nk");
    std::fs::write(&seed_file, format!("{seed}\n")).unwrap();
    let client = ConnectOptions::with_nkey(seed.clone());
    let args = ["--nats-nkey", seed_file.to_str().unwrap()];
    orders_answer_through(&broker.url(), &args, &[], client, &[&seed]).await;
}

/// A CA, and a certificate signed by it for `purpose` (the broker's, for
/// 127.0.0.1, or a client's): (certificate, key) as PEM.
struct Authority {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

impl Authority {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        Self { certificate, key }
    }

    fn issue(&self, names: &[&str], purpose: ExtendedKeyUsagePurpose) -> (String, String) {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![purpose];
        let key = KeyPair::generate().unwrap();
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .unwrap();
        (certificate.pem(), key.serialize_pem())
    }
}

/// A broker that requires TLS with a client certificate, and the files to
/// reach it with: the CA's certificate, and the client's certificate and
/// key, in `dir`.
struct TlsBroker {
    broker: Broker,
    ca: String,
    client_cert: String,
    client_key: String,
}

impl TlsBroker {
    fn start(dir: &Path) -> Self {
        let authority = Authority::new();
        let (server_cert, server_key) = authority.issue(
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) =
            authority.issue(&["bindery"], ExtendedKeyUsagePurpose::ClientAuth);
        let file = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_owned()
        };
        let ca = file("ca.pem", &authority.certificate.pem());
        let (server_cert, server_key) = (
            file("server.pem", &server_cert),
            file("server.key", &server_key),
        );
        let broker = Broker::with_config(
            &toolchain::nats_server(),
            &format!(
                "tls {{ cert_file: \"{server_cert}\", key_file: \"{server_key}\", ca_file: \"{ca}\", verify: true, timeout: 5 }}\n"
            ),
        );
        Self {
            broker,
            ca,
            client_cert: file("client.pem", &client_cert),
            client_key: file("client.key", &client_key),
        }
    }

    fn address(&self) -> String {
        format!("tls://127.0.0.1:{}", self.broker.port())
    }

    /// A test client that reaches the broker.
    fn client(&self) -> ConnectOptions {
        ConnectOptions::new()
            .add_root_certificates(self.ca.clone().into())
            .add_client_certificate(
                self.client_cert.clone().into(),
                self.client_key.clone().into(),
            )
            .require_tls(true)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_with_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let tls = TlsBroker::start(dir.path());
    let args = [
        "--nats-tls-ca",
        &tls.ca,
        "--nats-tls-cert",
        &tls.client_cert,
        "--nats-tls-key",
        &tls.client_key,
    ];
    orders_answer_through(&tls.address(), &args, &[], tls.client(), &[]).await;
}

/// The broker's address and TLS files may be named in the manifest's
/// `[application.trigger.nats]`, relative to it; compose makes them
/// absolute in the output, which lives in another folder.
#[tokio::test(flavor = "multi_thread")]
async fn tls_files_named_in_the_manifest() {
    let dir = orders_example();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    let tls = TlsBroker::start(&certs);
    let manifest = dir.path().join("spin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "address = \"nats://127.0.0.1:4222\"\n",
        &format!(
            "address = \"{}\"\ntls-ca = \"certs/ca.pem\"\n\
             tls-cert = \"certs/client.pem\"\ntls-key = \"certs/client.key\"\n",
            tls.address()
        ),
    );
    std::fs::write(&manifest, text).unwrap();
    orders_answer_in(dir.path(), &tls.address(), &["up"], &[], tls.client(), &[]).await;
}

/// A JWT as NATS's decentralised authorization writes them: the claims
/// `nats` of `kind` about `subject`, issued and signed by `issuer`.
fn jwt(issuer: &nkeys::KeyPair, subject: &str, name: &str, nats: serde_json::Value) -> String {
    use base64::Engine as _;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = url.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let claims = serde_json::json!({
        "jti": format!("{:032X}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()),
        "iat": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
        "iss": issuer.public_key(),
        "name": name,
        "sub": subject,
        "nats": nats,
    });
    let claims = url.encode(claims.to_string());
    let signed = format!("{header}.{claims}");
    let signature = url.encode(issuer.sign(signed.as_bytes()).unwrap());
    format!("{signed}.{signature}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creds_file() {
    let operator = nkeys::KeyPair::new_operator();
    let account = nkeys::KeyPair::new_account();
    let user = nkeys::KeyPair::new_user();
    let operator_jwt = jwt(
        &operator,
        &operator.public_key(),
        "test-operator",
        serde_json::json!({"type": "operator", "version": 2}),
    );
    let unlimited = serde_json::json!({"subs": -1, "data": -1, "payload": -1, "imports": -1,
        "exports": -1, "wildcards": true, "conn": -1, "leaf": -1});
    let account_jwt = jwt(
        &operator,
        &account.public_key(),
        "test-account",
        serde_json::json!({"limits": unlimited, "default_permissions": {"pub": {}, "sub": {}},
            "type": "account", "version": 2}),
    );
    let user_jwt = jwt(
        &account,
        &user.public_key(),
        "bindery",
        serde_json::json!({"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
            "type": "user", "version": 2}),
    );
    let broker = Broker::with_config(
        &toolchain::nats_server(),
        &format!(
            "operator: \"{operator_jwt}\"\nresolver: MEMORY\nresolver_preload: {{\n  {}: \"{account_jwt}\"\n}}\n",
            account.public_key()
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let seed = user.seed().unwrap();
    let creds = dir.path().join("user.creds");
    std::fs::write(
        &creds,
        format!(
            "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        ),
    )
    .unwrap();
    let anonymous = ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .connect(broker.url());
    assert!(
        tokio::time::timeout(Duration::from_secs(20), anonymous)
            .await
            .map_or(true, |connected| connected.is_err()),
        "the broker lets in a client without credentials"
    );
    let client = ConnectOptions::with_credentials_file(&creds).await.unwrap();
    let args = ["--nats-creds", creds.to_str().unwrap()];
    orders_answer_through(&broker.url(), &args, &[], client, &[&seed]).await;
}
