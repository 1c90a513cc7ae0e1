//! The webhook-signature middleware's own work per request, natively
//! (criterion): the signature check of one bench request (timestamp,
//! HMAC-SHA256 of `<id>.<timestamp>.<body>`, base64, constant-time compare)
//! and the replay bookkeeping, as the middleware does for every request.
//! The rest of what the middleware costs is the WASI 0.3 hop itself (see
//! `bench profile signed`).

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use bindery_webhook_signature::{Config, Delivered, REMEMBERED, sign, verify};

use crate::codec::mean_ns;
use crate::compositions::SIGNING_KEY;
use crate::templates::data;

/// One measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignatureResult {
    /// Nanoseconds to check one request's signature.
    pub ns_to_verify: f64,
    /// Nanoseconds to look up and remember one `webhook-id`, with the
    /// replay window full.
    pub ns_replay: f64,
}

/// Measures the check of one bench request, writing criterion's data
/// under `out`.
pub fn run(measure: Duration, out: &Path) -> Result<SignatureResult> {
    use base64::Engine as _;
    let secret = base64::engine::general_purpose::STANDARD.encode(SIGNING_KEY);
    let config = Config::from_env([(
        "BINDERY_WEBHOOK_SIGNATURE_SECRET".to_owned(),
        format!("whsec_{secret}"),
    )])
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let body = data().into_bytes();
    let now = 1_800_000_000;
    let timestamp = now.to_string();
    let signature = sign(SIGNING_KEY, b"msg_bench_0", timestamp.as_bytes(), &body);
    anyhow::ensure!(
        verify(
            &config,
            b"msg_bench_0",
            timestamp.as_bytes(),
            signature.as_bytes(),
            &body,
            now
        )
        .is_ok(),
        "the bench request's signature holds"
    );
    let mut delivered = Delivered::new(REMEMBERED);
    let ids: Vec<Vec<u8>> = (0..REMEMBERED * 2)
        .map(|number| format!("msg_bench_{number}").into_bytes())
        .collect();
    for id in &ids[..REMEMBERED] {
        delivered.remember(id, now, config.tolerance);
    }
    let mut next = REMEMBERED;
    let mut criterion = crate::codec::criterion(measure, out);
    criterion.bench_function("signature-verify", |b| {
        b.iter(|| {
            verify(
                &config,
                b"msg_bench_0",
                timestamp.as_bytes(),
                std::hint::black_box(signature.as_bytes()),
                std::hint::black_box(&body),
                now,
            )
        })
    });
    criterion.bench_function("signature-replay", |b| {
        b.iter(|| {
            let id = &ids[next % ids.len()];
            next += 1;
            let seen = delivered.contains(id, now, config.tolerance);
            delivered.remember(id, now, config.tolerance);
            seen
        })
    });
    Ok(SignatureResult {
        ns_to_verify: mean_ns(out, "signature-verify")?,
        ns_replay: mean_ns(out, "signature-replay")?,
    })
}
