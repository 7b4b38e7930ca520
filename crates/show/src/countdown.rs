//! Time arithmetic for countdown layers: when `until` is, and how many seconds are left.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::CountdownLayer;

/// Parses an RFC 3339 time with its offset (`2026-11-25T20:00:00+08:00`, `...Z`).
/// `None` when the text is not one, or the time is before 1970.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let time = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    let millis = u64::try_from(time.timestamp_millis()).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

/// Whole seconds from `now` to `then`, rounded up (1.2 s left shows as 1); 0 when `then`
/// has passed.
fn seconds_until(then: SystemTime, now: SystemTime) -> u64 {
    match then.duration_since(now) {
        Ok(left) => left.as_secs() + u64::from(left.subsec_nanos() > 0),
        Err(_) => 0,
    }
}

impl CountdownLayer {
    /// The wall-clock end of an `until` countdown; `None` for a `seconds` one (or an
    /// `until` that is not a valid time, which validation refuses).
    pub fn until_time(&self) -> Option<SystemTime> {
        self.until.as_deref().and_then(parse_rfc3339)
    }

    /// Whole seconds left, rounded up: a `seconds` countdown that has been on air for
    /// `on_air_for`, or an `until` countdown at `now`. 0 once it has ended, and for a layer
    /// with neither (which validation refuses).
    pub fn remaining_s(&self, on_air_for: Duration, now: SystemTime) -> u64 {
        if let Some(seconds) = self.seconds {
            let total = Duration::from_secs(u64::from(seconds));
            return match total.checked_sub(on_air_for) {
                Some(left) => left.as_secs() + u64::from(left.subsec_nanos() > 0),
                None => 0,
            };
        }
        self.until_time().map_or(0, |then| seconds_until(then, now))
    }

    /// The seconds to show before the layer has been on air: all of `seconds`, or the
    /// time left until `until` from now.
    pub fn initial_remaining_s(&self) -> u64 {
        self.remaining_s(Duration::ZERO, SystemTime::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(seconds: Option<u32>, until: Option<&str>) -> CountdownLayer {
        serde_json::from_value(serde_json::json!({
            "id": "c", "rect": [0.1, 0.1, 0.3, 0.1], "label": "限时秒杀",
            "seconds": seconds, "until": until,
        }))
        .expect("a countdown layer")
    }

    #[test]
    fn rfc3339_with_offsets() {
        let a = parse_rfc3339("2026-11-25T20:00:00+08:00").expect("valid");
        let b = parse_rfc3339("2026-11-25T12:00:00Z").expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).ok(), Some(1_795_608_000));
        assert_eq!(parse_rfc3339("2026-11-25 20:00"), None);
        assert_eq!(parse_rfc3339("2026-11-25T20:00:00"), None, "an offset is required");
        assert_eq!(parse_rfc3339("1960-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339(""), None);
    }

    #[test]
    fn seconds_count_down_from_going_on_air() {
        let l = layer(Some(300), None);
        let now = SystemTime::now();
        assert_eq!(l.remaining_s(Duration::ZERO, now), 300);
        assert_eq!(l.remaining_s(Duration::from_millis(200), now), 300);
        assert_eq!(l.remaining_s(Duration::from_secs(1), now), 299);
        assert_eq!(l.remaining_s(Duration::from_secs(300), now), 0);
        assert_eq!(l.remaining_s(Duration::from_secs(9999), now), 0);
    }

    #[test]
    fn until_counts_to_the_wall_clock() {
        let l = layer(None, Some("2026-11-25T20:00:00+08:00"));
        let end = l.until_time().expect("until parses");
        let before = end - Duration::from_secs(90);
        assert_eq!(l.remaining_s(Duration::from_secs(5), before), 90);
        assert_eq!(l.remaining_s(Duration::ZERO, end), 0);
        assert_eq!(l.remaining_s(Duration::ZERO, end + Duration::from_secs(3)), 0);
        assert_eq!(layer(None, Some("not a time")).remaining_s(Duration::ZERO, before), 0);
        assert_eq!(layer(None, None).initial_remaining_s(), 0);
    }
}
