//! Scale-out on a real NATS, on loopback: several hosts in one queue group
//! share a subject's messages, each message answered once. The scripted
//! app echoes each order; each host's binder publishes its answers on a
//! subject of its own (`answers.<host>`, the binder's `reply-subject`), so
//! the test counts what each host took: two `bindery serve`s, two
//! `wash dev`s, and three `bindery serve`s on a three-node NATS cluster.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::serve::{Server, run};
use crate::toolchain;
use bindery_test_support::broker::Broker;

/// How long a test waits for one thing to happen.
const PATIENCE: Duration = Duration::from_secs(120);
/// The orders each test publishes.
const ORDERS: usize = 10_000;

/// A project folder: the scripted app on `orders.in` in queue group
/// `orders`, its answers published on `answers.<host>`, composed with the
/// wasmCloud files for `broker` and `wash dev` on a free port.
fn project(host: &str, broker: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"orders\"\n\n\
         [application.trigger.nats]\naddress = {broker:?}\n\n\
         [[trigger.nats]]\nsubject = \"orders.in\"\nqueue-group = \"orders\"\ncomponent = \"orders\"\n\
         executor = {{ type = \"binder\", binder = \"nats-cloudevents\", config = {{ reply-subject = \"answers.{host}\" }} }}\n\n\
         [component.orders]\nsource = {:?}\nallowed_outbound_hosts = [\"nats://answers.>\"]\n",
        bindery_tests::SCRIPTED_APP
    );
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let address = crate::host_matrix::free_address().to_string();
    let composed = run(dir.path(), &["compose", "--wash-address", &address]);
    assert!(composed.status.success(), "{composed:?}");
    dir
}

/// A structured order event with id `id`.
fn order(id: &str) -> Vec<u8> {
    json!({"specversion": "1.0", "id": id, "source": "/shop", "type": "com.example.order.created",
           "datacontenttype": "application/json", "data": {"orderId": id}})
    .to_string()
    .into_bytes()
}

/// The answers on `answers.>`, by host.
struct Answers {
    subscriber: async_nats::Subscriber,
    by_host: BTreeMap<String, usize>,
    seen: BTreeMap<String, String>,
}

impl Answers {
    async fn new(client: &async_nats::Client) -> Self {
        Self {
            subscriber: client.subscribe("answers.>").await.unwrap(),
            by_host: BTreeMap::new(),
            seen: BTreeMap::new(),
        }
    }

    /// Reads answers until every host of `hosts` has answered a probe
    /// (published, with ids of their own, through `publish` until then).
    async fn until_every_host_answers(
        &mut self,
        hosts: &[&str],
        mut publish: impl AsyncFnMut(String),
    ) {
        let started = Instant::now();
        let mut probes = 0;
        let mut answered: BTreeMap<String, ()> = BTreeMap::new();
        while hosts.iter().any(|host| !answered.contains_key(*host)) {
            assert!(
                started.elapsed() < PATIENCE,
                "hosts that never answered a probe: {:?}",
                hosts
                    .iter()
                    .filter(|host| !answered.contains_key(**host))
                    .collect::<Vec<_>>()
            );
            probes += 1;
            publish(format!("probe-{probes}")).await;
            while let Ok(Some(message)) =
                tokio::time::timeout(Duration::from_millis(100), self.subscriber.next()).await
            {
                if let Some(host) = message.subject.as_str().strip_prefix("answers.") {
                    answered.insert(host.to_owned(), ());
                }
            }
        }
        // The probes' answers still on their way are read and left out.
        while let Ok(Some(_)) =
            tokio::time::timeout(Duration::from_millis(300), self.subscriber.next()).await
        {}
    }

    /// Reads answers until all [`ORDERS`] orders are answered, failing on
    /// an order answered twice, then a while longer for a late duplicate.
    async fn every_order_once(&mut self) {
        let started = Instant::now();
        while self.seen.len() < ORDERS {
            let remaining = PATIENCE.saturating_sub(started.elapsed());
            let message = tokio::time::timeout(remaining, self.subscriber.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "{} of {ORDERS} orders answered within {PATIENCE:?}",
                        self.seen.len()
                    )
                })
                .unwrap();
            self.take(&message);
        }
        while let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(500), self.subscriber.next()).await
        {
            self.take(&message);
        }
    }

    fn take(&mut self, message: &async_nats::Message) {
        let host = message
            .subject
            .as_str()
            .strip_prefix("answers.")
            .unwrap()
            .to_owned();
        let answer: Value = serde_json::from_slice(&message.payload).unwrap();
        let id = answer["id"].as_str().unwrap().to_owned();
        if id.starts_with("probe-") {
            return;
        }
        if let Some(first) = self.seen.insert(id.clone(), host.clone()) {
            panic!("order {id} answered twice: by {first} and by {host}");
        }
        *self.by_host.entry(host).or_default() += 1;
    }

    /// Every host took at least a fifth of the orders.
    fn shared_fairly(&self, hosts: &[&str]) {
        for host in hosts {
            let taken = self.by_host.get(*host).copied().unwrap_or(0);
            assert!(
                taken >= ORDERS / 5,
                "host {host} took {taken} of {ORDERS}: {:?}",
                self.by_host
            );
        }
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("scale-out: orders by host {:?}\n", self.by_host).as_bytes(),
        );
    }
}

/// Publishes the [`ORDERS`] orders on `orders.in`, through `clients` in
/// turn, and flushes them.
async fn publish_orders(clients: &[async_nats::Client]) {
    for index in 0..ORDERS {
        let client = &clients[index % clients.len()];
        client
            .publish("orders.in", order(&format!("o-{index}")).into())
            .await
            .unwrap();
    }
    for client in clients {
        client.flush().await.unwrap();
    }
}

/// Once hosts `a` and `b` on `broker` both answer, publishes the orders:
/// each is answered once, and each host takes at least a fifth.
async fn shared_by_a_and_b(broker: &Broker) {
    let client = broker.client().await;
    let mut answers = Answers::new(&client).await;
    answers
        .until_every_host_answers(&["a", "b"], async |id| {
            client
                .publish("orders.in", order(&id).into())
                .await
                .unwrap();
        })
        .await;
    publish_orders(std::slice::from_ref(&client)).await;
    answers.every_order_once().await;
    answers.shared_fairly(&["a", "b"]);
}

/// `bindery up` of `dir` connected to `broker`.
fn bindery(dir: &Path, broker: &Broker) -> Server {
    Server::start(dir, &["up", "--nats-address", &broker.url()])
}

#[tokio::test]
async fn two_bindery_hosts_in_a_queue_group_answer_each_order_once() {
    let broker = Broker::start(&toolchain::nats_server());
    let (a, b) = (project("a", &broker.url()), project("b", &broker.url()));
    let _hosts = (bindery(a.path(), &broker), bindery(b.path(), &broker));
    shared_by_a_and_b(&broker).await;
}

#[tokio::test]
async fn two_wash_hosts_in_a_queue_group_answer_each_order_once() {
    let broker = Broker::start(&toolchain::nats_server());
    let (a, b) = (project("a", &broker.url()), project("b", &broker.url()));
    let wash = |dir: &tempfile::TempDir| {
        let config = std::fs::read_to_string(
            dir.path()
                .join(".bindery/wasmcloud/orders/.wash/config.yaml"),
        )
        .unwrap();
        let address = config
            .lines()
            .find_map(|line| line.trim().strip_prefix("address: "))
            .unwrap()
            .trim_matches('"')
            .to_owned();
        crate::host_matrix::wash_dev(
            &dir.path().join(".bindery/wasmcloud/orders"),
            address,
            &dir.path().join("wash.log"),
        )
    };
    let _hosts = (wash(&a), wash(&b));
    shared_by_a_and_b(&broker).await;
}

#[tokio::test]
async fn a_host_on_each_node_of_a_three_node_cluster_answers_every_order() {
    let nodes = Broker::cluster(&toolchain::nats_server(), 3);
    let mut clients = Vec::new();
    for node in &nodes {
        clients.push(node.client().await);
    }
    // The routes are up once a message published on each node reaches a
    // subscriber on the first.
    let mut routed = clients[0].subscribe("route.probe").await.unwrap();
    clients[0].flush().await.unwrap();
    let started = Instant::now();
    for client in &clients[1..] {
        loop {
            assert!(
                started.elapsed() < PATIENCE,
                "the cluster's routes never formed"
            );
            client.publish("route.probe", "ping".into()).await.unwrap();
            client.flush().await.unwrap();
            if let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(200), routed.next()).await
            {
                break;
            }
        }
    }
    let hosts = ["0", "1", "2"];
    let projects: Vec<_> = hosts
        .iter()
        .zip(&nodes)
        .map(|(host, node)| project(host, &node.url()))
        .collect();
    let _servers: Vec<Server> = projects
        .iter()
        .zip(&nodes)
        .map(|(dir, node)| bindery(dir.path(), node))
        .collect();
    let mut answers = Answers::new(&clients[0]).await;
    let mut turn = 0;
    answers
        .until_every_host_answers(&hosts, async |id| {
            turn += 1;
            let client = &clients[turn % clients.len()];
            client
                .publish("orders.in", order(&id).into())
                .await
                .unwrap();
        })
        .await;
    publish_orders(&clients).await;
    answers.every_order_once().await;
    assert_eq!(answers.seen.len(), ORDERS);
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("cluster: orders by host {:?}\n", answers.by_host).as_bytes(),
    );
}
