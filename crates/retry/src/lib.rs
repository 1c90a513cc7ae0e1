//! How a sink sends again: a send that failed transiently (the destination
//! could not be reached, timed out, or answered 5xx or 429) is tried again
//! after an exponential back-off with jitter, or after the wait the
//! destination asked for (`Retry-After`), as long as the next try starts
//! within the policy's total time; a refusal (a 4xx) is never tried again.
//!
//! The policy is pure: the caller gives the clock, the sleep and the
//! randomness, so the sinks use the guest's clocks and the tests a fake one.
//!
//! ```
//! use std::time::Duration;
//! use bindery_retry::{Attempt, Clock, Policy, send};
//!
//! struct Fake(Duration);
//! impl Clock for Fake {
//!     fn elapsed(&self) -> Duration { self.0 }
//!     fn sleep(&mut self, wait: Duration) { self.0 += wait }
//! }
//! let policy = Policy { budget: Duration::from_secs(10), first_wait: Duration::from_millis(100) };
//! let mut clock = Fake(Duration::ZERO);
//! let sent = send(&policy, &mut clock, || 0.5, |attempt| {
//!     if attempt < 3 { Attempt::Retry { error: "503", after: None } } else { Attempt::Sent }
//! });
//! assert_eq!(sent.unwrap(), 3);
//! assert!(clock.0 >= Duration::from_millis(150), "two waits");
//! ```
#![deny(missing_docs)]

use std::time::Duration;

/// The longest wait between two tries that the back-off computes (a
/// `Retry-After` may ask for longer, within the budget).
pub const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// When to send again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The total time from the first try within which a retry may start;
    /// zero sends once.
    pub budget: Duration,
    /// The wait before the second try; each later one doubles it, up to
    /// [`LONGEST_WAIT`].
    pub first_wait: Duration,
}

impl Default for Policy {
    /// 10 s in all, the first wait 100 ms.
    fn default() -> Self {
        Self {
            budget: Duration::from_secs(10),
            first_wait: Duration::from_millis(100),
        }
    }
}

/// What one try came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<E> {
    /// The destination took the event.
    Sent,
    /// A transient failure: another try may succeed, after `after` if the
    /// destination said (`Retry-After`).
    Retry {
        /// Why this try failed.
        error: E,
        /// The wait the destination asked for.
        after: Option<Duration>,
    },
    /// A failure another try would repeat (a refusal, an invalid event).
    Fail(E),
}

/// Why the event was not sent, after how many tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaveUp<E> {
    /// The last try's failure.
    pub error: E,
    /// The tries made.
    pub attempts: u32,
    /// Whether the last failure was transient (the budget ran out) rather
    /// than final.
    pub transient: bool,
}

impl<E> GaveUp<E> {
    /// What a sink adds to its error text to say how often it tried:
    /// ` (after 4 tries)`, nothing after one try. [`tries_in`] reads it.
    pub fn tries(&self) -> String {
        if self.attempts > 1 {
            format!(" (after {} tries)", self.attempts)
        } else {
            String::new()
        }
    }
}

/// How often a sink tried, read from the end of its error text as
/// [`GaveUp::tries`] writes it; 1 when the text does not say.
pub fn tries_in(error: &str) -> u32 {
    error
        .strip_suffix(" tries)")
        .and_then(|rest| rest.rsplit_once(" (after "))
        .and_then(|(_, count)| count.parse().ok())
        .unwrap_or(1)
}

/// The time since the first try, and a way to wait.
pub trait Clock {
    /// The time since the clock was started.
    fn elapsed(&self) -> Duration;
    /// Waits `wait`.
    fn sleep(&mut self, wait: Duration);
}

/// The process's monotonic clock, from [`SystemClock::start`]; its sleep
/// blocks the thread (in a WASI guest, a host poll).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock(std::time::Instant);

impl SystemClock {
    /// A clock started now.
    pub fn start() -> Self {
        Self(std::time::Instant::now())
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }

    fn sleep(&mut self, wait: Duration) {
        std::thread::sleep(wait);
    }
}

/// A number in `[0, 1)` from the standard library's random source (in a
/// WASI guest, the host's), to spread the retries of many senders.
pub fn random_jitter() -> f64 {
    use std::hash::BuildHasher as _;
    let random = std::collections::hash_map::RandomState::new().hash_one(0u8);
    (random >> 11) as f64 / (1u64 << 53) as f64
}

/// The wait after the `attempt`-th failed try (1 for the first), before
/// jitter: `first_wait` doubled `attempt - 1` times, at most
/// [`LONGEST_WAIT`].
pub fn backoff(policy: &Policy, attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(31);
    policy
        .first_wait
        .saturating_mul(1 << doublings)
        .min(LONGEST_WAIT)
}

/// Tries `attempt` (given the try's number, from 1) until it is sent, fails
/// for good, or the next try would start past the budget; returns the
/// number of tries. Each wait is the destination's `Retry-After`, or the
/// back-off with "equal jitter" (half of it, plus up to the other half as
/// `jitter`, a number in `[0, 1)`, says).
pub fn send<E>(
    policy: &Policy,
    clock: &mut impl Clock,
    mut jitter: impl FnMut() -> f64,
    mut attempt: impl FnMut(u32) -> Attempt<E>,
) -> Result<u32, GaveUp<E>> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (error, after) = match attempt(attempts) {
            Attempt::Sent => return Ok(attempts),
            Attempt::Fail(error) => {
                return Err(GaveUp {
                    error,
                    attempts,
                    transient: false,
                });
            }
            Attempt::Retry { error, after } => (error, after),
        };
        let wait = after.unwrap_or_else(|| {
            let full = backoff(policy, attempts);
            full / 2 + full.mul_f64(jitter().clamp(0.0, 1.0) / 2.0)
        });
        if clock.elapsed().saturating_add(wait) > policy.budget {
            return Err(GaveUp {
                error,
                attempts,
                transient: true,
            });
        }
        clock.sleep(wait);
    }
}

/// A `Retry-After` value in seconds (`"120"`), as a wait; an HTTP date, or
/// anything else, is `None` and the back-off applies.
pub fn retry_after(value: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().map(Duration::from_secs)
}

/// Whether an HTTP answer with `status` is worth another try: 429 (too
/// many requests) and the 5xx statuses but 501 (not implemented) and 505
/// (version not supported), which another try would only repeat.
pub fn is_transient_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status) && status != 501 && status != 505
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tries_are_written_and_read_back() {
        let gave_up = |attempts| super::GaveUp {
            error: "status 503: busy".to_owned(),
            attempts,
            transient: true,
        };
        let written = gave_up(4).error.clone() + &gave_up(4).tries();
        assert_eq!(written, "status 503: busy (after 4 tries)");
        assert_eq!(super::tries_in(&written), 4);
        assert_eq!(gave_up(1).tries(), "");
        assert_eq!(super::tries_in("status 422: no (after x tries)"), 1);
        assert_eq!(super::tries_in("connection refused"), 1);
    }

    use super::*;

    /// A clock that jumps instead of sleeping, and records the waits.
    #[derive(Default)]
    struct Fake {
        now: Duration,
        waits: Vec<Duration>,
    }

    impl Clock for Fake {
        fn elapsed(&self) -> Duration {
            self.now
        }
        fn sleep(&mut self, wait: Duration) {
            self.now += wait;
            self.waits.push(wait);
        }
    }

    fn policy(budget_ms: u64) -> Policy {
        Policy {
            budget: Duration::from_millis(budget_ms),
            first_wait: Duration::from_millis(100),
        }
    }

    #[test]
    fn sent_at_once_waits_for_nothing() {
        let mut clock = Fake::default();
        let sent = send(&policy(1000), &mut clock, || 0.0, |_| Attempt::<()>::Sent);
        assert_eq!(sent, Ok(1));
        assert!(clock.waits.is_empty());
    }

    #[test]
    fn transient_failures_are_retried_with_a_doubling_wait() {
        let mut clock = Fake::default();
        let sent = send(
            &policy(10_000),
            &mut clock,
            || 0.999_999,
            |attempt| {
                if attempt <= 3 {
                    Attempt::Retry {
                        error: attempt,
                        after: None,
                    }
                } else {
                    Attempt::Sent
                }
            },
        );
        assert_eq!(sent, Ok(4));
        let millis: Vec<u128> = clock.waits.iter().map(Duration::as_millis).collect();
        assert_eq!(millis, [99, 199, 399], "the full back-off, jitter near 1");
    }

    #[test]
    fn jitter_takes_at_most_half_the_wait() {
        let mut clock = Fake::default();
        let _ = send(
            &policy(10_000),
            &mut clock,
            || 0.0,
            |attempt| {
                if attempt == 1 {
                    Attempt::Retry {
                        error: (),
                        after: None,
                    }
                } else {
                    Attempt::Sent
                }
            },
        );
        assert_eq!(clock.waits, [Duration::from_millis(50)]);
    }

    #[test]
    fn retry_after_is_honoured() {
        let mut clock = Fake::default();
        let sent = send(
            &policy(10_000),
            &mut clock,
            || 0.5,
            |attempt| {
                if attempt == 1 {
                    Attempt::Retry {
                        error: (),
                        after: Some(Duration::from_secs(2)),
                    }
                } else {
                    Attempt::Sent
                }
            },
        );
        assert_eq!(sent, Ok(2));
        assert_eq!(clock.waits, [Duration::from_secs(2)]);
    }

    #[test]
    fn the_budget_bounds_the_retries() {
        let mut clock = Fake::default();
        let gave_up = send(
            &policy(1_000),
            &mut clock,
            || 0.999_999,
            |attempt| Attempt::<u32>::Retry {
                error: attempt,
                after: None,
            },
        )
        .unwrap_err();
        // Waits of 99, 199 and 399 ms fit in 1 s; the next, 799, does not.
        assert_eq!(gave_up.attempts, 4);
        assert_eq!(gave_up.error, 4, "the last failure");
        assert!(gave_up.transient);
        assert!(clock.now <= Duration::from_secs(1));
        let asked_too_long = send(
            &policy(1_000),
            &mut Fake::default(),
            || 0.5,
            |_| Attempt::Retry {
                error: (),
                after: Some(Duration::from_secs(5)),
            },
        )
        .unwrap_err();
        assert_eq!(
            asked_too_long.attempts, 1,
            "a Retry-After past the budget ends it"
        );
    }

    #[test]
    fn a_final_failure_is_not_retried() {
        let mut clock = Fake::default();
        let gave_up = send(
            &policy(10_000),
            &mut clock,
            || 0.5,
            |_| Attempt::Fail("400"),
        )
        .unwrap_err();
        assert_eq!((gave_up.attempts, gave_up.transient), (1, false));
        assert!(clock.waits.is_empty());
    }

    #[test]
    fn a_zero_budget_sends_once() {
        let gave_up = send(
            &policy(0),
            &mut Fake::default(),
            || 0.5,
            |_| Attempt::Retry {
                error: (),
                after: None,
            },
        )
        .unwrap_err();
        assert_eq!(gave_up.attempts, 1);
    }

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let draws: Vec<f64> = (0..64).map(|_| random_jitter()).collect();
        assert!(draws.iter().all(|draw| (0.0..1.0).contains(draw)));
        assert!(draws.iter().any(|draw| *draw != draws[0]), "{draws:?}");
    }

    #[test]
    fn the_back_off_is_capped() {
        assert_eq!(backoff(&policy(0), 1), Duration::from_millis(100));
        assert_eq!(backoff(&policy(0), 4), Duration::from_millis(800));
        assert_eq!(backoff(&policy(0), 40), LONGEST_WAIT);
    }

    #[test]
    fn statuses_and_retry_after_values() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_transient_status(status), "{status}");
        }
        for status in [200, 400, 401, 404, 409, 501, 505] {
            assert!(!is_transient_status(status), "{status}");
        }
        assert_eq!(retry_after(b" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(b"Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(retry_after(b"-1"), None);
        assert_eq!(retry_after(b""), None);
    }
}
