//! Human forms of quantities: parsing the durations and sizes users write (`"7d"`,
//! `"1GiB"`) into the exact integers Kafka stores, showing stored integers back in human
//! form, and the one way every output prints a share (`75%`) or a count with its noun
//! (`1 topic`, `3 topics`).
//!
//! Parsing leans on `humantime` (durations) and `bytesize` (sizes) so the accepted grammar
//! is the one those crates document; formatting is ours because plans want the shortest
//! exact form (`7d`, not `7days`), and no form at all when a value is not a whole unit.
//! Each unit kind has one table, coarsest first, and every suffix in it parses back.

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

/// Duration units in milliseconds.
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

/// Binary size units in bytes.
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

/// `ms` as a whole number of the coarsest duration unit that divides it (`7d`, `36h`);
/// `None` for zero, negatives (`-1` means unlimited and stays as Kafka writes it) and
/// counts no unit above milliseconds divides: `123456` reads better than `2m3s456ms`,
/// and a mixed form is no easier to check against the broker's number.
pub(crate) fn whole_duration(ms: i64) -> Option<String> {
    whole_unit(ms, &DURATION_UNITS[..DURATION_UNITS.len() - 1])
}

/// `bytes` as a whole number of the coarsest binary unit that divides it (`512MiB`);
/// `None` for zero, negatives and counts no unit divides.
pub(crate) fn whole_size(bytes: i64) -> Option<String> {
    whole_unit(bytes, &SIZE_UNITS)
}

fn whole_unit(n: i64, units: &[(i64, &str)]) -> Option<String> {
    if n <= 0 {
        return None;
    }
    units
        .iter()
        .find(|(unit, _)| n % unit == 0)
        .map(|(unit, suffix)| format!("{}{suffix}", n / unit))
}

/// A share (`0.75`) as a percentage: whole when it is within rounding of a whole number
/// (`75%`), otherwise to one decimal (`66.7%`).
pub(crate) fn percent(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// A count with its noun, singular only for exactly one: `1 topic`, `0 topics`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone for a count of `n`, where the count is not printed next to it
/// (`consumes managed topics a, b`).
pub(crate) fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
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

    #[test]
    fn every_unit_suffix_parses_back() {
        for (unit, suffix) in DURATION_UNITS {
            assert_eq!(
                parse_duration_ms(&format!("3{suffix}")),
                Ok(3 * unit),
                "{suffix}"
            );
        }
        for (unit, suffix) in SIZE_UNITS {
            assert_eq!(
                parse_size_bytes(&format!("3{suffix}")),
                Ok(3 * unit),
                "{suffix}"
            );
        }
    }

    #[test]
    fn whole_units_leave_milliseconds_and_mixed_counts_alone() {
        assert_eq!(whole_duration(604_800_000).as_deref(), Some("7d"));
        assert_eq!(whole_duration(5_400_000).as_deref(), Some("90m"));
        assert_eq!(whole_duration(123_456), None);
        assert_eq!(whole_duration(-1), None);
        assert_eq!(whole_size(512 << 20).as_deref(), Some("512MiB"));
        assert_eq!(whole_size(1 << 50).as_deref(), Some("1PiB"));
        assert_eq!(whole_size(1_000), None);
        assert_eq!(whole_size(0), None);
    }

    #[test]
    fn percent_is_whole_when_exact() {
        assert_eq!(percent(0.75), "75%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(2.0 / 3.0), "66.7%");
        assert_eq!(percent(0.743), "74.3%");
    }

    #[test]
    fn plural_is_singular_only_for_one() {
        assert_eq!(plural(0, "topic", "topics"), "0 topics");
        assert_eq!(plural(1, "topic", "topics"), "1 topic");
        assert_eq!(plural(2, "ACL", "ACLs"), "2 ACLs");
        assert_eq!(noun(1, "factor", "factors"), "factor");
        assert_eq!(noun(3, "factor", "factors"), "factors");
    }
}
