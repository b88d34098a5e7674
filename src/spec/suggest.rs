//! "Did you mean" suggestions for misspelt keys and values, so a typo costs one glance
//! instead of a trip to the documentation.

/// How alike two names must be (normalised Damerau-Levenshtein similarity, compared
/// case-insensitively) before one is suggested for the other. Low enough to catch
/// `retension.ms` and `earlist`, high enough not to suggest unrelated words.
const THRESHOLD: f64 = 0.6;

/// The candidate most like `got`, if any is alike enough.
pub(crate) fn closest<'c>(
    got: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    // Similarity is 1 - distance / longer length, and the distance is at least the
    // difference in length: candidates whose length alone rules them out are skipped
    // before the quadratic comparison, which keeps a megabyte-long key cheap.
    let got = got.to_lowercase();
    let len = got.chars().count();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let lower = candidate.to_lowercase();
        let other = lower.chars().count();
        let longer = len.max(other).max(1) as f64;
        if 1.0 - (len.abs_diff(other) as f64) / longer < THRESHOLD {
            continue;
        }
        let score = strsim::normalized_damerau_levenshtein(&got, &lower);
        if score >= THRESHOLD && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// "did you mean `x`?" when a candidate is close, otherwise the full list of choices.
pub(crate) fn help<'c>(got: &str, candidates: impl IntoIterator<Item = &'c str> + Clone) -> String {
    match closest(got, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of: {}", list(candidates)),
    }
}

/// `a`, `b`, `c` with backticks, for help texts.
pub(crate) fn list<'c>(candidates: impl IntoIterator<Item = &'c str>) -> String {
    candidates
        .into_iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["retention.ms", "retention.bytes", "segment.ms"];
        assert_eq!(closest("retension.ms", keys), Some("retention.ms"));
        assert_eq!(closest("retention_ms", keys), Some("retention.ms"));
        assert_eq!(closest("log.retention.ms", keys), Some("retention.ms"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest(&"retention.ms".repeat(100_000), keys), None);
        assert_eq!(
            closest("earlist", ["earliest", "latest", "none"]),
            Some("earliest")
        );
        assert_eq!(
            closest("murmur", ["md5", "murmur2", "crc32"]),
            Some("murmur2")
        );
        assert_eq!(
            closest("CREATETIME", ["CreateTime", "LogAppendTime"]),
            Some("CreateTime")
        );
    }

    #[test]
    fn help_falls_back_to_the_choices() {
        assert_eq!(help("md6", ["md5", "crc32"]), "did you mean `md5`?");
        assert_eq!(
            help("fnv", ["md5", "crc32"]),
            "expected one of: `md5`, `crc32`"
        );
    }
}
