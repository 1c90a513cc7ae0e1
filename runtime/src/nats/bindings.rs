//! The host's side of `wasmcloud:messaging@0.2.0`: the world of a component
//! on a NATS trigger (it exports `handler`, and may import `consumer`), and
//! `consumer` implemented over the host's NATS connection.

use crate::state::State;

mod generated {
    wasmtime::component::bindgen!({
        inline: "
            package bindery:host;

            world messaging-app {
                import wasmcloud:messaging/consumer@0.2.0;
                export wasmcloud:messaging/handler@0.2.0;
            }
        ",
        path: "../wit/deps/messaging.wit",
        world: "bindery:host/messaging-app",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
    });
}

pub(crate) use generated::wasmcloud::messaging::types::BrokerMessage;
pub(crate) use generated::{MessagingApp, MessagingAppPre};

use generated::wasmcloud::messaging::{consumer, types};

impl types::Host for State {}

impl consumer::Host for State {
    async fn publish(&mut self, msg: BrokerMessage) -> Result<(), String> {
        self.messaging.publish(msg).await
    }

    async fn request(
        &mut self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> Result<BrokerMessage, String> {
        self.messaging.request(subject, body, timeout_ms).await
    }
}

/// Adds `wasmcloud:messaging/consumer` (and its types) to `linker`.
pub(crate) fn add_to_linker(
    linker: &mut wasmtime::component::Linker<State>,
) -> wasmtime::Result<()> {
    MessagingApp::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |state| state)
}
