//! The hybrid logical clock that stamps every write, and the corrections for device clocks
//! that are wrong (tablets in stores are often hours or days off).
//!
//! Nothing here reads a clock: physical time is always an argument. The app passes
//! [`ClockOffset::apply`] of the device's time, so its stamps follow the server's clock; the
//! server refuses stamps too far in its future with [`StampPolicy::check`].

use super::ids::ClientId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A hybrid logical clock stamp. Totally ordered by `(wall_ms, counter, node)`, so two stamps
/// from different devices are never equal and every device picks the same later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (server-corrected on the device).
    pub wall_ms: i64,
    /// Orders stamps made within one millisecond, or while physical time stood behind.
    pub counter: u32,
    /// The device that made the stamp: the final tie-break.
    pub node: ClientId,
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, self.node).cmp(&(other.wall_ms, other.counter, other.node))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hlc {
    /// The smallest stamp of a device: the clock's state before its first tick.
    pub fn zero(node: ClientId) -> Self {
        Hlc {
            wall_ms: i64::MIN,
            counter: 0,
            node,
        }
    }
}

/// One device's clock. Every stamp it hands out is greater than every stamp it handed out or
/// observed before (monotonic), whatever the physical time passed in does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A fresh clock for `node`.
    pub fn new(node: ClientId) -> Self {
        HlcClock {
            last: Hlc::zero(node),
        }
    }

    /// A clock resuming from the last stamp it handed out (kept in the device's store).
    pub fn resume(last: Hlc) -> Self {
        HlcClock { last }
    }

    /// The last stamp handed out or observed.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A stamp for a local write at physical time `now_ms`.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        self.advance(self.last.wall_ms.max(now_ms), self.last)
    }

    /// Takes in a stamp seen from elsewhere (a pulled record), so the next local stamp is
    /// later than it: an edit made after seeing a value always wins over that value.
    pub fn observe(&mut self, remote: Hlc, now_ms: i64) -> Hlc {
        let floor = if remote > self.last {
            Hlc {
                node: self.last.node,
                ..remote
            }
        } else {
            self.last
        };
        self.advance(floor.wall_ms.max(now_ms), floor)
    }

    /// Called after every server answer. If this clock ran ahead of the corrected time by more
    /// than the server accepts (the device clock was set forward while offline), restart it at
    /// `now_ms + margin_ms`: otherwise every stamp it hands out would be refused until real
    /// time caught up. Every stamp the server accepted (so every stamp this device observed
    /// from others) is at most `now_ms + margin_ms`, so edits made after seeing a value still
    /// win over it. The only step back the clock ever takes; it skips only stamps the server
    /// refuses now. Returns whether it restarted.
    pub fn recover(&mut self, now_ms: i64, margin_ms: i64) -> bool {
        let limit = now_ms.saturating_add(margin_ms);
        if self.last.wall_ms > limit {
            self.last = Hlc {
                wall_ms: limit,
                counter: 0,
                node: self.last.node,
            };
            true
        } else {
            false
        }
    }

    fn advance(&mut self, wall_ms: i64, floor: Hlc) -> Hlc {
        let next = if wall_ms > floor.wall_ms {
            Hlc {
                wall_ms,
                counter: 0,
                node: floor.node,
            }
        } else if floor.counter == u32::MAX {
            // A counter this high means a runaway loop; moving into the next millisecond keeps
            // the order total rather than wrapping.
            Hlc {
                wall_ms: floor.wall_ms.saturating_add(1),
                counter: 0,
                node: floor.node,
            }
        } else {
            Hlc {
                counter: floor.counter + 1,
                ..floor
            }
        };
        self.last = next;
        next
    }
}

/// The correction from the device's clock to the server's, measured on every server answer:
/// `offset = server_time_ms − local time when the answer arrived`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockOffset {
    pub offset_ms: i64,
    /// Whether any server answer has been seen yet (before sign-in the device's clock is all
    /// there is).
    pub measured: bool,
}

impl ClockOffset {
    /// Takes in `server_time_ms` from an answer that arrived at local time `local_now_ms`.
    /// The answer's travel time makes this a few hundred ms late at worst, far inside the
    /// margin the server allows.
    pub fn update(&mut self, server_time_ms: i64, local_now_ms: i64) {
        self.offset_ms = server_time_ms.saturating_sub(local_now_ms);
        self.measured = true;
    }

    /// The server's time now, estimated from the device's time now.
    pub fn apply(&self, local_now_ms: i64) -> i64 {
        local_now_ms.saturating_add(self.offset_ms)
    }
}

/// How far in its future the server accepts stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StampPolicy {
    pub max_future_ms: i64,
}

impl Default for StampPolicy {
    /// Five minutes: generous for network delay and a clock that drifted since the last sync,
    /// small enough that a wrong device clock cannot make its edits win for days.
    fn default() -> Self {
        StampPolicy {
            max_future_ms: 5 * 60 * 1000,
        }
    }
}

/// A stamp the server refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    #[error(
        "this device's clock is {} ahead of the server's (at most {} is allowed): set the \
         tablet's date and time to automatic, sync, and enter this change again",
        human_duration(*ahead_ms),
        human_duration(*max_future_ms)
    )]
    TooFarAhead { ahead_ms: i64, max_future_ms: i64 },
}

impl StampPolicy {
    /// Checks a stamp against the server's time `server_now_ms`.
    pub fn check(&self, stamp: Hlc, server_now_ms: i64) -> Result<(), StampError> {
        let ahead_ms = stamp.wall_ms.saturating_sub(server_now_ms);
        if ahead_ms > self.max_future_ms {
            Err(StampError::TooFarAhead {
                ahead_ms,
                max_future_ms: self.max_future_ms,
            })
        } else {
            Ok(())
        }
    }
}

/// "2 h 5 min", "45 s": for reasons people read.
fn human_duration(ms: i64) -> String {
    let secs = ms / 1000;
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: u8) -> ClientId {
        ClientId::new_v7(0, [n; 10])
    }

    #[test]
    fn ticks_are_monotonic_when_physical_time_goes_back() {
        let mut clock = HlcClock::new(node(1));
        let a = clock.tick(1_000);
        let b = clock.tick(500);
        let c = clock.tick(1_000);
        let d = clock.tick(2_000);
        assert!(a < b && b < c && c < d);
        assert_eq!((b.wall_ms, b.counter), (1_000, 1));
        assert_eq!((d.wall_ms, d.counter), (2_000, 0));
    }

    #[test]
    fn observing_a_later_stamp_makes_the_next_tick_later() {
        let mut clock = HlcClock::new(node(1));
        let remote = Hlc {
            wall_ms: 10_000,
            counter: 4,
            node: node(2),
        };
        clock.observe(remote, 1_000);
        let next = clock.tick(1_000);
        assert!(next > remote);
        assert_eq!(next.node, node(1));
    }

    #[test]
    fn the_server_refuses_stamps_far_in_its_future_and_says_why() {
        let policy = StampPolicy::default();
        let stamp = |wall_ms| Hlc {
            wall_ms,
            counter: 0,
            node: node(1),
        };
        assert!(policy.check(stamp(1_000 + 5 * 60 * 1000), 1_000).is_ok());
        let err = policy
            .check(stamp(1_000 + 3 * 3_600_000 + 120_000), 1_000)
            .expect_err("three hours ahead");
        assert!(err.to_string().contains("3 h 2 min ahead"), "{err}");
    }

    #[test]
    fn the_offset_maps_device_time_to_server_time() {
        let mut offset = ClockOffset::default();
        offset.update(10_000, 9_000 + 48 * 3_600_000);
        assert_eq!(offset.apply(9_500 + 48 * 3_600_000), 10_500);
    }

    #[test]
    fn recover_restarts_a_clock_that_ran_far_ahead() {
        let mut clock = HlcClock::new(node(1));
        clock.tick(100 * 3_600_000);
        assert!(!clock.recover(100 * 3_600_000, 300_000));
        assert!(clock.recover(1_000, 300_000));
        assert_eq!(clock.tick(1_000).wall_ms, 301_000);
    }
}
