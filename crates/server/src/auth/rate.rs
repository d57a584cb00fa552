//! Rate limiting of failed sign-ins per network address (password spraying: many names, few
//! passwords each, which the per-name lockout of [`super::lockout`] cannot see).
//!
//! Only *failed* sign-ins count: a whole shift signing in at 8:00 from behind the store's one
//! proxy address must never be refused. An address with `per_minute` failures within the
//! current minute is refused (429 `rate_limited`) before any password is checked, until the
//! minute is over. Kept in memory: a restart forgets it, which costs an attacker nothing they
//! could not get by waiting a minute. Hand-written rather than `governor`: governor's keyed
//! limiter spends a cell on every check, and this one must check every attempt but spend only
//! on failures.

use crate::error::Error;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const WINDOW_MS: i64 = 60_000;

/// Failed sign-ins per address in the current minute.
#[derive(Debug)]
pub struct SignInLimiter {
    /// 0: no limit.
    per_minute: u32,
    windows: Mutex<HashMap<Option<IpAddr>, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started_ms: i64,
    failures: u32,
}

impl SignInLimiter {
    /// `per_minute` failed sign-ins allowed per address and minute (0 turns the limit off).
    pub fn new(per_minute: u32) -> Self {
        SignInLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Option<IpAddr>, Window>> {
        // A panic while holding the lock leaves only counters behind: keep using them.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Refuses a sign-in from `addr` (None: unknown, e.g. in-process tests) that is over the
    /// limit.
    pub fn check(&self, addr: Option<IpAddr>, now_ms: i64) -> Result<(), Error> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let windows = self.lock();
        match windows.get(&addr) {
            Some(w) if now_ms - w.started_ms < WINDOW_MS && w.failures >= self.per_minute => {
                let left_ms = WINDOW_MS - (now_ms - w.started_ms);
                let wait_s = (left_ms + 999) / 1000;
                Err(Error::RateLimited(format!(
                    "{} failed sign-ins from this address within a minute: try again in {wait_s} s",
                    self.per_minute
                )))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed sign-in from `addr`.
    pub fn failed(&self, addr: Option<IpAddr>, now_ms: i64) {
        if self.per_minute == 0 {
            return;
        }
        let mut windows = self.lock();
        // Forget finished minutes now and then so the map stays small.
        if windows.len() > 10_000 {
            windows.retain(|_, w| now_ms - w.started_ms < WINDOW_MS);
        }
        let w = windows.entry(addr).or_insert(Window {
            started_ms: now_ms,
            failures: 0,
        });
        if now_ms - w.started_ms >= WINDOW_MS {
            *w = Window {
                started_ms: now_ms,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn an_address_is_refused_after_its_failures_until_the_minute_is_over() {
        let limiter = SignInLimiter::new(3);
        for _ in 0..3 {
            assert!(limiter.check(ip(1), 1_000).is_ok());
            limiter.failed(ip(1), 1_000);
        }
        let refused = limiter.check(ip(1), 2_000);
        assert!(matches!(refused, Err(Error::RateLimited(ref reason)) if reason.contains("59 s")));
        // Another address is not affected.
        assert!(limiter.check(ip(2), 2_000).is_ok());
        // A new minute starts afresh.
        assert!(limiter.check(ip(1), 61_000).is_ok());
        limiter.failed(ip(1), 61_000);
        assert!(limiter.check(ip(1), 61_500).is_ok());
    }

    #[test]
    fn successes_never_count_and_zero_means_off() {
        let limiter = SignInLimiter::new(2);
        for t in 0..100 {
            assert!(limiter.check(ip(1), t).is_ok());
        }
        let off = SignInLimiter::new(0);
        for t in 0..100 {
            off.failed(ip(1), t);
        }
        assert!(off.check(ip(1), 100).is_ok());
    }
}
