//! The host's side of `wasmcloud:messaging@0.2.0`, generated: the world of
//! a component on a NATS trigger (it exports `handler`, and may import
//! `consumer`).

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
