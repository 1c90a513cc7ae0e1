//! A real `nats-server` on an ephemeral loopback port, for the NATS
//! trigger's tests and benchmarks.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `nats-server`, stopped when dropped.
pub struct Broker {
    binary: PathBuf,
    child: Child,
    port: u16,
    /// The folder of its configuration file, if it has one.
    config: Option<tempfile::TempDir>,
    /// The folder JetStream stores its streams in, for a broker with
    /// JetStream; it outlives restarts.
    store: Option<tempfile::TempDir>,
}

impl Broker {
    /// Starts the `nats-server` at `binary` on a free port of 127.0.0.1.
    pub fn start(binary: &Path) -> Self {
        Self::on_port(binary, None)
    }

    /// Starts the `nats-server` at `binary` on a free port of 127.0.0.1,
    /// with `config` as its configuration file (authorization, TLS, ...).
    pub fn with_config(binary: &Path, config: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("nats.conf"), config).expect("the configuration is written");
        let mut broker = Self::start_in(binary, None, Some(&dir.path().join("nats.conf")), None);
        broker.config = Some(dir);
        broker
    }

    /// Starts `nodes` `nats-server`s at `binary` on free ports of 127.0.0.1,
    /// routed to one another as one cluster. The routes form in the
    /// background: a test waits for them (a message published on one node
    /// reaching a subscriber on another).
    pub fn cluster(binary: &Path, nodes: usize) -> Vec<Self> {
        let route_ports: Vec<u16> = (0..nodes)
            .map(|_| {
                std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|listener| listener.local_addr())
                    .expect("a free port")
                    .port()
            })
            .collect();
        let routes = route_ports
            .iter()
            .map(|port| format!("\"nats://127.0.0.1:{port}\""))
            .collect::<Vec<_>>()
            .join(", ");
        route_ports
            .iter()
            .map(|port| {
                Self::with_config(
                    binary,
                    &format!(
                        "cluster {{\n  name: \"bindery\"\n  listen: \"127.0.0.1:{port}\"\n  routes: [{routes}]\n}}\n"
                    ),
                )
            })
            .collect()
    }

    /// Starts the `nats-server` at `binary` with JetStream (`-js`) on a free
    /// port of 127.0.0.1, storing its streams in a temporary folder that
    /// [`Broker::restart`] keeps.
    pub fn jetstream(binary: &Path) -> Self {
        let store = tempfile::tempdir().expect("a temporary folder");
        let mut broker = Self::start_in(binary, None, None, Some(store.path()));
        broker.store = Some(store);
        broker
    }

    /// Starts `nats-server` on `port` of 127.0.0.1, or a free port.
    fn on_port(binary: &Path, port: Option<u16>) -> Self {
        Self::start_in(binary, port, None, None)
    }

    /// Starts `nats-server` on `port` of 127.0.0.1, or a free port, with
    /// the configuration file `config`, if any, and JetStream storing its
    /// streams in `store`, if given.
    fn start_in(
        binary: &Path,
        port: Option<u16>,
        config: Option<&Path>,
        store: Option<&Path>,
    ) -> Self {
        let port_arg = port.map_or("-1".to_owned(), |port| port.to_string());
        let mut command = Command::new(binary);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        if let Some(store) = store {
            command.arg("-js").arg("--store_dir").arg(store);
        }
        let mut child = command
            .args(["--addr", "127.0.0.1", "--port", &port_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nats-server starts");
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (found, listening) = mpsc::channel();
        // Keep reading to the end, so the server never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some((_, address)) = line.split_once("Listening for client connections on ")
                    && let Some((_, port)) = address.rsplit_once(':')
                {
                    let _ = found.send(port.trim().parse::<u16>().unwrap());
                }
            }
        });
        let port = listening
            .recv_timeout(Duration::from_secs(30))
            .expect("nats-server says which port it listens on");
        Self {
            binary: binary.to_owned(),
            child,
            port,
            config: None,
            store: None,
        }
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its address, as `--nats-address` takes it.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A client connected to it.
    pub async fn client(&self) -> async_nats::Client {
        async_nats::connect(self.url()).await.unwrap()
    }

    /// A subscription of `client` to the literal `subject` that the broker
    /// has registered: a probe published to it has come back. A flush only
    /// writes the subscription to the socket, and a message another
    /// connection publishes before the broker reads it would be missed.
    pub async fn subscribed(client: &async_nats::Client, subject: &str) -> async_nats::Subscriber {
        use futures::StreamExt as _;
        let mut subscriber = client.subscribe(subject.to_owned()).await.unwrap();
        let probe = client.new_inbox();
        client
            .publish(subject.to_owned(), probe.clone().into())
            .await
            .unwrap();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), subscriber.next())
                .await
                .expect("the probe comes back")
                .expect("the subscription is open");
            if message.payload == probe.as_bytes() {
                return subscriber;
            }
        }
    }

    /// Stops the server and starts a new one on the same port, with the
    /// same configuration and, with JetStream, the same streams.
    pub fn restart(&mut self) {
        self.stop();
        let (binary, port) = (self.binary.clone(), self.port);
        let (config, store) = (self.config.take(), self.store.take());
        let file = config.as_ref().map(|dir| dir.path().join("nats.conf"));
        let stored = store.as_ref().map(|dir| dir.path().to_owned());
        *self = Self::start_in(&binary, Some(port), file.as_deref(), stored.as_deref());
        self.config = config;
        self.store = store;
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}
