//! Human-friendly durations and sizes: parsing what users write (`"7d"`, `"1GiB"`) into the
//! exact integers Kafka stores, and showing stored integers back in human form.
//!
//! Parsing leans on `humantime` (durations) and `bytesize` (sizes) so the accepted grammar
//! is the one those crates document; formatting is ours because plans want the shortest
//! exact form (`7d`, not `7days`), and no form at all when a value is not a whole unit.

use std::time::Duration;

/// Parses a duration like `"7d"`, `"36h"`, `"1h 30m"`, `"500ms"` into milliseconds.
pub(crate) fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let d: Duration = humantime::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    i64::try_from(d.as_millis()).map_err(|_| format!("duration `{text}` is too large"))
}

/// Parses a size like `"1GiB"`, `"512 MiB"`, `"10MB"` into bytes.
pub(crate) fn parse_size_bytes(text: &str) -> Result<i64, String> {
    let b: bytesize::ByteSize = text.trim().parse().map_err(|e: String| e)?;
    i64::try_from(b.as_u64()).map_err(|_| format!("size `{text}` is too large"))
}

const DURATION_UNITS: [(i64, &str); 5] = [
    (86_400_000, "d"),
    (3_600_000, "h"),
    (60_000, "m"),
    (1_000, "s"),
    (1, "ms"),
];

/// Shortest exact human form of a millisecond count: `604800000` → `7d`, `5400000` → `1h30m`.
/// `-1` means "forever" in Kafka's retention settings.
pub(crate) fn format_duration_ms(ms: i64) -> String {
    if ms < 0 {
        return "unlimited".to_string();
    }
    if ms == 0 {
        return "0ms".to_string();
    }
    let mut rest = ms;
    let mut out = String::new();
    for (unit, suffix) in DURATION_UNITS {
        if rest >= unit {
            out.push_str(&format!("{}{suffix}", rest / unit));
            rest %= unit;
        }
    }
    out
}

const SIZE_UNITS: [(i64, &str); 5] = [
    (1 << 50, "PiB"),
    (1 << 40, "TiB"),
    (1 << 30, "GiB"),
    (1 << 20, "MiB"),
    (1 << 10, "KiB"),
];

/// Human form of a byte count: exact binary units where exact, otherwise one decimal.
pub(crate) fn format_size_bytes(bytes: i64) -> String {
    if bytes < 0 {
        return "unlimited".to_string();
    }
    for (unit, suffix) in SIZE_UNITS {
        if bytes >= unit {
            return if bytes % unit == 0 {
                format!("{}{suffix}", bytes / unit)
            } else {
                format!("{:.1}{suffix}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes}B")
}

/// Whether a config key holds milliseconds (by Kafka's naming convention).
pub(crate) fn is_duration_key(key: &str) -> bool {
    key.ends_with(".ms")
}

/// Whether a config key holds a byte count (by Kafka's naming convention).
pub(crate) fn is_size_key(key: &str) -> bool {
    key.ends_with(".bytes") || key == "max.message.bytes"
}

/// Human form of a stored value when its key has a unit, e.g. `("retention.ms", "604800000")`
/// → `Some("7d")`.
pub(crate) fn humanize(key: &str, value: &str) -> Option<String> {
    let n: i64 = value.trim().parse().ok()?;
    if is_duration_key(key) {
        Some(format_duration_ms(n))
    } else if is_size_key(key) {
        Some(format_size_bytes(n))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_to_kafka_integers() {
        assert_eq!(parse_duration_ms("7d"), Ok(604_800_000));
        assert_eq!(parse_duration_ms("30d"), Ok(2_592_000_000));
        assert_eq!(parse_duration_ms("36h"), Ok(129_600_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert!(parse_duration_ms("seven days").is_err());
        assert_eq!(format_duration_ms(604_800_000), "7d");
        assert_eq!(format_duration_ms(5_400_000), "1h30m");
        assert_eq!(format_duration_ms(-1), "unlimited");
    }

    #[test]
    fn sizes_round_trip_to_bytes() {
        assert_eq!(parse_size_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size_bytes("512 MiB"), Ok(512 << 20));
        assert_eq!(format_size_bytes(1 << 30), "1GiB");
        assert_eq!(format_size_bytes(1_048_588), "1.0MiB");
        assert_eq!(format_size_bytes(-1), "unlimited");
        assert_eq!(
            humanize("retention.bytes", "-1").as_deref(),
            Some("unlimited")
        );
        assert_eq!(humanize("cleanup.policy", "delete"), None);
    }
}
