//! The worst request shapes a sender can build, at 64 KiB, 256 KiB and
//! 1 MiB, sent to the composed binder: the time per KiB must stay flat as
//! the body grows (no check is quadratic), and a 1 MiB body must be answered
//! in well under 50 ms.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Result;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};

/// The body sizes of every shape, in KiB.
pub const SIZES_KIB: [usize; 3] = [64, 256, 1024];

/// How often each body is sent, in interleaved rounds; the median counts.
const ROUNDS: usize = 9;

/// The head of a valid structured event, without its closing brace.
const HEAD: &str = r#"{"specversion":"1.0","id":"1","source":"/s","type":"t""#;

/// One shape at one size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorstShape {
    /// What the body holds.
    pub shape: &'static str,
    /// Its size, in KiB.
    pub kib: usize,
    /// The status it was answered with.
    pub status: u16,
    /// The median time to the whole answer, in milliseconds.
    pub median_ms: f64,
    /// The same, per KiB of request body, in microseconds.
    pub us_per_kib: f64,
}

/// A shape: its name, its content type, what status answers it, and how
/// to build a body of about `bytes` bytes.
struct Shape {
    name: &'static str,
    content_type: &'static str,
    status: u16,
    build: fn(usize) -> String,
}

const SHAPES: [Shape; 5] = [
    Shape {
        name: "one event, many distinct extension members",
        content_type: "application/cloudevents+json",
        status: 200,
        build: |bytes| members(bytes, |n| format!(r#","e{n}":{n}"#)),
    },
    Shape {
        name: "one event, many null members",
        content_type: "application/cloudevents+json",
        status: 200,
        build: |bytes| members(bytes, |n| format!(r#","n{n}":null"#)),
    },
    Shape {
        name: "one event, deeply nested arrays in data",
        content_type: "application/cloudevents+json",
        // Valid JSON: `data` is kept as raw text, skipped without recursion.
        status: 200,
        build: |bytes| {
            let depth = (bytes - HEAD.len()) / 2;
            format!(
                r#"{HEAD},"data":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        },
    },
    Shape {
        name: "a batch of tiny events",
        content_type: "application/cloudevents-batch+json",
        status: 200,
        build: |bytes| {
            items(bytes, |n| {
                format!(r#"{{"specversion":"1.0","id":"{n}","source":"/s","type":"t"}}"#)
            })
        },
    },
    Shape {
        name: "a batch of invalid items",
        content_type: "application/cloudevents-batch+json",
        status: 400,
        build: |bytes| items(bytes, |_| "{}".to_owned()),
    },
];

/// A structured event grown with `member(n)` to about `bytes` bytes.
fn members(bytes: usize, member: fn(usize) -> String) -> String {
    let mut body = String::from(HEAD);
    let mut n = 0;
    while body.len() < bytes - 1 {
        body.push_str(&member(n));
        n += 1;
    }
    body.push('}');
    body
}

/// A batch of `item(n)` of about `bytes` bytes.
fn items(bytes: usize, item: fn(usize) -> String) -> String {
    let mut body = String::from("[");
    let mut n = 0;
    while body.len() < bytes - 1 {
        if n > 0 {
            body.push(',');
        }
        body.push_str(&item(n));
        n += 1;
    }
    body.push(']');
    body
}

/// Sends every shape at every size to `address`, `/events`: [`ROUNDS`]
/// rounds in which every body is sent once in turn, so that a slow spell of
/// the machine falls on all of them alike; the median of each counts.
pub async fn run(address: SocketAddr) -> Result<Vec<WorstShape>> {
    let bodies: Vec<(&Shape, usize, Bytes)> = SHAPES
        .iter()
        .flat_map(|shape| {
            SIZES_KIB
                .iter()
                .map(move |&kib| (shape, kib, Bytes::from((shape.build)(kib << 10))))
        })
        .collect();
    let mut times = vec![Vec::with_capacity(ROUNDS); bodies.len()];
    for _ in 0..ROUNDS {
        for ((shape, kib, body), times) in bodies.iter().zip(&mut times) {
            let (status, elapsed) = send(address, shape.content_type, body.clone()).await?;
            anyhow::ensure!(
                status == shape.status,
                "{} at {kib} KiB: answered {status}, expected {}",
                shape.name,
                shape.status
            );
            times.push(elapsed);
        }
    }
    Ok(bodies
        .iter()
        .zip(times)
        .map(|((shape, kib, body), mut times)| {
            times.sort_unstable();
            let median_ms = times[ROUNDS / 2].as_secs_f64() * 1e3;
            WorstShape {
                shape: shape.name,
                kib: *kib,
                status: shape.status,
                median_ms,
                us_per_kib: median_ms * 1e3 / body.len() as f64 * 1024.0,
            }
        })
        .collect())
}

/// The shapes as a markdown table.
pub fn table(shapes: &[WorstShape]) -> String {
    let mut out =
        String::from("| shape | KiB | status | ms | µs/KiB |\n|---|---:|---:|---:|---:|\n");
    for shape in shapes {
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.1} |\n",
            shape.shape, shape.kib, shape.status, shape.median_ms, shape.us_per_kib
        ));
    }
    out
}

/// One POST on a fresh connection; the status and the time to the whole
/// answer.
async fn send(address: SocketAddr, content_type: &str, body: Bytes) -> Result<(u16, Duration)> {
    let mut sender = crate::load::connect(address).await?;
    let request = hyper::Request::post("/events")
        .header("host", address.to_string())
        .header("content-type", content_type)
        .body(Full::new(body))?;
    let begun = Instant::now();
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    response.into_body().collect().await?;
    Ok((status, begun.elapsed()))
}
