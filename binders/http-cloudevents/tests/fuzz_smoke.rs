//! A short, deterministic cousin of the fuzz target (`fuzz/run`): the
//! conformance seeds and a few thousand inputs mutated from them by a fixed
//! generator, each run through the fuzz harness, which panics on a broken
//! property (a status that is not HTTP, an invalid header, a success that
//! does not decode back).

use bindery_test_support::respond as harness;

use std::path::PathBuf;

/// How many mutated inputs to run.
const MUTANTS: usize = 5000;

/// A fixed xorshift generator, so that every run sees the same inputs.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Bytes that matter to the codec's grammars.
const INTERESTING: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u0000",
    b"\r\n",
    b"\0",
    b";",
    b"=",
    b"%",
    b"%E2%82%AC",
    b"#",
    b"[",
    b"]",
    b"{}",
    b"[]",
    b"null",
    b"1e999",
    b"-0",
    b"+5",
    b"007",
    b"\"data_base64\":\"",
    b"\xff",
    b"ce-",
    b"content-type: text/plain; a=\"b;c\"\n",
    b"2018-04-05T17:31:00Z",
];

fn mutate(seed: &[u8], generator: &mut Generator) -> Vec<u8> {
    let mut input = seed.to_vec();
    for _ in 0..=generator.below(4) {
        let at = generator.below(input.len() + 1);
        match generator.below(5) {
            0 if at < input.len() => input[at] ^= 1 << generator.below(8),
            1 => {
                let insert = INTERESTING[generator.below(INTERESTING.len())];
                input.splice(at..at, insert.iter().copied());
            }
            2 => input.truncate(at),
            3 if at < input.len() => {
                let end = (at + generator.below(16)).min(input.len());
                input.drain(at..end);
            }
            _ => {
                let end = (at + generator.below(32)).min(input.len());
                let copy = input[at..end].to_vec();
                input.splice(at..at, copy);
            }
        }
    }
    input
}

#[test]
fn generated_inputs_never_panic_and_answer_valid_http() {
    let conformance = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/cloudevents/format-json");
    let seeds = harness::seeds(&conformance);
    assert!(seeds.len() > 100, "only {} seeds", seeds.len());
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for seed in &seeds {
        *statuses
            .entry(harness::exercise(seed).unwrap())
            .or_default() += 1;
    }
    let mut generator = Generator(0x5eed_cafe_f00d_beef);
    for _ in 0..MUTANTS {
        let seed = &seeds[generator.below(seeds.len())];
        let mut input = mutate(seed, &mut generator);
        // Now and then another mode, handler or response mode for the body.
        if let Some(control) = input.first_mut() {
            *control ^= (generator.next() as u8) & 0x7c;
        }
        if let Some(status) = harness::exercise(&input) {
            *statuses.entry(status).or_default() += 1;
        }
    }
    // The inputs reach past the first checks: events are delivered and
    // answered, refused as invalid, and failed by the handler.
    for status in [200, 204, 400, 415, 500, 503] {
        assert!(
            statuses.contains_key(&status),
            "no {status} in {statuses:?}"
        );
    }
    eprintln!("statuses: {statuses:?}");
}
