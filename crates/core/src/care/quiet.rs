//! Quiet hours (DOMAIN.md, "one avoid"): no calls while customers rest — by default before
//! 09:00, 12:00–14:00 and after 20:30, configurable per store, plus each customer's own.
//! Times are minutes after local midnight.

use serde::{Deserialize, Serialize};

/// `[start, end)` in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("{0:?} is not a time span like 12:00-14:00")]
    Unreadable(String),
    #[error("{0:?} ends before it starts")]
    Backwards(String),
}

fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once([':', '：'])?;
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

impl Window {
    /// Reads `12:00-14:00` (also with `–`, `~` or `至`).
    pub fn parse(text: &str) -> Result<Window, WindowError> {
        let bad = || WindowError::Unreadable(text.to_owned());
        let (a, b) = text.split_once(['-', '–', '~', '至']).ok_or_else(bad)?;
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        if end <= start {
            return Err(WindowError::Backwards(text.to_owned()));
        }
        Ok(Window { start, end })
    }

    pub fn contains(self, minute: u16) -> bool {
        (self.start..self.end).contains(&minute)
    }
}

/// When a store does not call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub windows: Vec<Window>,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            windows: vec![
                Window {
                    start: 0,
                    end: 9 * 60,
                },
                Window {
                    start: 12 * 60,
                    end: 14 * 60,
                },
                Window {
                    start: 20 * 60 + 30,
                    end: 24 * 60,
                },
            ],
        }
    }
}

/// Whether calling now needs a reason: the store's quiet hours, or outside the customer's
/// own preferred windows when they gave any.
pub fn needs_reason(store: &QuietHours, preferred: &[Window], minute: u16) -> bool {
    store.windows.iter().any(|w| w.contains(minute))
        || (!preferred.is_empty() && !preferred.iter().any(|w| w.contains(minute)))
}

/// The next minute from `minute` (same day) when calling needs no reason, if any.
pub fn next_allowed(store: &QuietHours, preferred: &[Window], minute: u16) -> Option<u16> {
    (minute..24 * 60).find(|m| !needs_reason(store, preferred, *m))
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn at(h: u16, m: u16) -> u16 {
        h * 60 + m
    }

    #[test]
    fn the_default_quiet_hours() {
        let store = QuietHours::default();
        for (minute, quiet) in [
            (at(8, 59), true),
            (at(9, 0), false),
            (at(11, 59), false),
            (at(12, 0), true),
            (at(13, 59), true),
            (at(14, 0), false),
            (at(20, 29), false),
            (at(20, 30), true),
        ] {
            assert_eq!(needs_reason(&store, &[], minute), quiet, "{minute}");
        }
        assert_eq!(next_allowed(&store, &[], at(12, 10)), Some(at(14, 0)));
        assert_eq!(next_allowed(&store, &[], at(21, 0)), None);
    }

    #[test]
    fn a_customers_own_preference_narrows_it() {
        let evenings = [Window::parse("18:00-20:00").expect("window")];
        let store = QuietHours::default();
        assert!(needs_reason(&store, &evenings, at(10, 0)));
        assert!(!needs_reason(&store, &evenings, at(18, 30)));
        assert_eq!(next_allowed(&store, &evenings, at(10, 0)), Some(at(18, 0)));
    }

    #[test]
    fn windows_are_read_as_people_write_them() {
        assert_eq!(
            Window::parse("12:00-14:00"),
            Ok(Window {
                start: 720,
                end: 840
            })
        );
        assert_eq!(
            Window::parse("9:30至11：00"),
            Ok(Window {
                start: 570,
                end: 660
            })
        );
        assert!(matches!(
            Window::parse("14:00-12:00"),
            Err(WindowError::Backwards(_))
        ));
        assert!(matches!(
            Window::parse("午休"),
            Err(WindowError::Unreadable(_))
        ));
        assert!(matches!(
            Window::parse("25:00-26:00"),
            Err(WindowError::Unreadable(_))
        ));
    }
}
