//! Key-to-partition mapping: the hash functions producers use to pick a
//! partition for a keyed record, and the arithmetic of how many keys change
//! partition when a topic's partition count changes. Everything here is a pure
//! function of its arguments: no IO, no printing, no clocks, no randomness, so
//! the same keys and counts always give the same answer on every machine.
//!
//! Each partitioner reproduces one real producer bit for bit, because a
//! prediction that is off by one hash is worse than none: `md5` matches
//! producers that pick the partition themselves (`md5(key)` read big-endian, mod N),
//! `murmur2` the Kafka Java clients, `crc32` librdkafka's `consistent` partitioner.

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};

/// A producer-side hashing scheme that maps a key to a partition.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Partitioner {
    /// `int.from_bytes(md5(key).digest(), "big") % n`.
    Md5,
    /// Kafka's `Utils.toPositive(Utils.murmur2(key)) % n`.
    Murmur2,
    /// librdkafka's `rd_crc32(key) % n`.
    Crc32,
}

impl Partitioner {
    /// The scheme assumed when a topic names a key but no partitioner: the ingestion
    /// service's md5 scheme. Every modulo scheme moves the same share of keys on a
    /// partition change, so only per-key answers depend on this choice.
    pub(crate) const DEFAULT: Partitioner = Partitioner::Md5;

    /// Every partitioner, in a fixed order so listings and reports are stable.
    pub(crate) const ALL: [Partitioner; 3] =
        [Partitioner::Md5, Partitioner::Murmur2, Partitioner::Crc32];

    /// The name used in configuration and on the command line; the same
    /// spelling serde uses.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Partitioner::Md5 => "md5",
            Partitioner::Murmur2 => "murmur2",
            Partitioner::Crc32 => "crc32",
        }
    }
}

impl fmt::Display for Partitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Partitioner {
    type Err = PartitionError;

    /// Accepts the names from [`Partitioner::name`], ignoring ASCII case and
    /// surrounding whitespace, since these usually arrive from a command line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Partitioner::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| PartitionError::UnknownPartitioner(s.to_owned()))
    }
}

fn valid_names() -> String {
    Partitioner::ALL.map(Partitioner::name).join(", ")
}

/// Why a partition could not be computed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PartitionError {
    /// A partition count of zero or less. Carried as `i64` so callers holding
    /// wider integers (e.g. parsed configuration) can report the value as given.
    #[error("partition count must be greater than 0, got {0}")]
    NonPositive(i64),
    /// A partitioner name that is not one of [`Partitioner::ALL`].
    #[error("unknown partitioner {0:?}, expected one of: {names}", names = valid_names())]
    UnknownPartitioner(String),
}

/// Validates a partition count once, so each hash can reduce with unsigned
/// arithmetic and never see a zero divisor.
fn positive(partitions: i32) -> Result<u32, PartitionError> {
    u32::try_from(partitions)
        .ok()
        .filter(|&n| n > 0)
        .ok_or(PartitionError::NonPositive(i64::from(partitions)))
}

/// Reduces an unsigned hash modulo a validated count.
fn reduce(hash: u128, partitions: u32) -> i32 {
    // The remainder is below `partitions`, which came from a positive i32, so
    // narrowing back to i32 cannot lose bits.
    (hash % u128::from(partitions)) as i32
}

/// The partition `key` lands on under `p` with `partitions` partitions.
pub(crate) fn partition_for(
    p: Partitioner,
    key: &[u8],
    partitions: i32,
) -> Result<i32, PartitionError> {
    match p {
        Partitioner::Md5 => md5_partition(key, partitions),
        Partitioner::Murmur2 => murmur2_partition(key, partitions),
        Partitioner::Crc32 => crc32_partition(key, partitions),
    }
}

/// The scheme of producers that pick the partition themselves, Python's
/// `int.from_bytes(hashlib.md5(key).digest(), "big") % n`.
///
/// The whole 128-bit digest takes part in the modulo; truncating it to 64 bits
/// or reading it little-endian would pick different partitions for most counts.
pub fn md5_partition(key: &[u8], partitions: i32) -> Result<i32, PartitionError> {
    let n = positive(partitions)?;
    let digest: [u8; 16] = Md5::digest(key).into();
    Ok(reduce(u128::from_be_bytes(digest), n))
}

/// Kafka's `org.apache.kafka.common.utils.Utils.murmur2`: MurmurHash2 with
/// seed `0x9747b28c`, little-endian 4-byte blocks and a 1–3 byte tail.
///
/// Java computes this in wrapping `int` arithmetic with unsigned shifts; doing
/// it in `u32` and reinterpreting the bits at the end gives the same value.
pub(crate) fn murmur2(key: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java folds the length into the seed as an `int`; keys longer than
    // i32::MAX bytes cannot exist there, so truncation matches for all real keys.
    let mut h = SEED ^ (key.len() as u32);

    let mut blocks = key.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // Mirrors Java's fall-through switch: each tail byte is mixed in, then a
    // single multiply, and nothing at all when the length is a multiple of 4.
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if let Some(&first) = tail.first() {
        h ^= u32::from(first);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;

    // Bit reinterpretation, matching Java's signed `int` result.
    h as i32
}

/// The Kafka Java producer's keyed choice (`BuiltInPartitioner.partitionForKey`):
/// `Utils.toPositive(murmur2(key)) % n`.
///
/// `toPositive` clears the sign bit rather than taking `abs`, so a negative
/// hash does not map to the same partition as its negation. An empty key is
/// hashed like any other; only a missing (null) key, which a byte slice cannot
/// express, makes the Java client choose a partition without hashing.
pub fn murmur2_partition(key: &[u8], partitions: i32) -> Result<i32, PartitionError> {
    positive(partitions)?;
    Ok((murmur2(key) & 0x7fff_ffff) % partitions)
}

/// librdkafka's `rd_kafka_msg_partitioner_consistent`:
/// `rd_crc32(key, keylen) % partition_cnt`, where `rd_crc32` is the standard
/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`) and the modulo is taken
/// on the unsigned value.
///
/// An empty key is hashed too: its CRC is 0, so it always lands on partition 0.
/// librdkafka's default `consistent_random` partitioner differs exactly there
/// (it sends empty keys to a random partition), which no pure function can
/// predict, so only `consistent` is modelled.
pub fn crc32_partition(key: &[u8], partitions: i32) -> Result<i32, PartitionError> {
    let n = positive(partitions)?;
    Ok(reduce(u128::from(crc32fast::hash(key)), n))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Share (0.0..=1.0) of uniformly hashed keys whose partition changes when the
/// count goes from `from` to `to` under modulo hashing.
///
/// Exact for a hash uniform over multiples of `lcm(from, to)`: a key stays iff
/// `h mod from == h mod to`, which happens for one `h` per common residue
/// `r < min(from, to)` in each period of `lcm(from, to)`, so the staying share
/// is `min / lcm`. Going 6 -> 8 moves 0.75 of the keys; doubling moves half.
/// The lcm is computed in `u64` because the product of two `i32` counts can
/// exceed 32 bits.
pub(crate) fn moved_share(from: i32, to: i32) -> Result<f64, PartitionError> {
    let a = u64::from(positive(from)?);
    let b = u64::from(positive(to)?);
    let lcm = a / gcd(a, b) * b;
    let stay = a.min(b);
    // Subtracting in integers first keeps 6 -> 6 at exactly 0.0.
    Ok((lcm - stay) as f64 / lcm as f64)
}

/// How many moved keys [`key_moves`] keeps as examples.
pub(crate) const MAX_MOVE_EXAMPLES: usize = 5;

/// The effect of a partition-count change on a concrete list of keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyMoves {
    /// Keys examined, duplicates included.
    pub total: usize,
    /// Keys whose partition differs between the old and new count.
    pub moved: usize,
    /// The first [`MAX_MOVE_EXAMPLES`] moved keys in input order, as
    /// `(key, old partition, new partition)`.
    pub examples: Vec<(String, i32, i32)>,
}

impl KeyMoves {
    /// `moved / total`, or 0.0 for an empty list (nothing can move).
    pub(crate) fn share(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.moved as f64 / self.total as f64
        }
    }
}

/// Counts which of `keys` change partition under `p` when the count goes from
/// `from` to `to`. Keys are hashed as their UTF-8 bytes, which is what a
/// string key serializer sends. Both counts are validated up front, so an
/// invalid count is reported even for an empty key list.
pub fn key_moves<'a>(
    p: Partitioner,
    keys: impl IntoIterator<Item = &'a str>,
    from: i32,
    to: i32,
) -> Result<KeyMoves, PartitionError> {
    positive(from)?;
    positive(to)?;
    let mut moves = KeyMoves {
        total: 0,
        moved: 0,
        examples: Vec::new(),
    };
    for key in keys {
        let old = partition_for(p, key.as_bytes(), from)?;
        let new = partition_for(p, key.as_bytes(), to)?;
        moves.total += 1;
        if old != new {
            moves.moved += 1;
            if moves.examples.len() < MAX_MOVE_EXAMPLES {
                moves.examples.push((key.to_owned(), old, new));
            }
        }
    }
    Ok(moves)
}

/// Splits a keys file into keys: one per line, with a single trailing `'\r'`
/// removed so files written on Windows give the same keys.
///
/// Empty lines are skipped, because a trailing newline or blank separator
/// line is far more likely than an intended empty key; the consequence is
/// that a literal empty key cannot be expressed in a keys file. Other
/// whitespace is kept, since it is part of the key's bytes.
pub fn parse_keys(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNICODE_KEY: &str = "ünïcødé-テナント";

    // Computed with Python 3 as
    // `int.from_bytes(hashlib.md5(key.encode()).digest(), "big") % n`.
    // The 1000 and i32::MAX columns catch a little-endian or truncated digest,
    // which happens to agree with the right answer for some small counts.
    const MD5_COUNTS: [i32; 7] = [1, 3, 6, 8, 12, 1000, i32::MAX];
    const MD5_VECTORS: [(&str, [i32; 7]); 5] = [
        ("tenant-1", [0, 1, 1, 5, 1, 373, 2_106_809_649]),
        ("tenant-42", [0, 1, 4, 6, 10, 118, 1_623_489_457]),
        ("acme", [0, 1, 4, 6, 10, 678, 820_200_294]),
        ("", [0, 0, 0, 6, 6, 366, 484_934_813]),
        (UNICODE_KEY, [0, 0, 0, 6, 6, 358, 1_952_836_448]),
    ];

    #[test]
    fn md5_matches_python_big_endian_digest_modulo() {
        for (key, expected) in MD5_VECTORS {
            for (n, want) in MD5_COUNTS.into_iter().zip(expected) {
                assert_eq!(
                    md5_partition(key.as_bytes(), n),
                    Ok(want),
                    "md5 {key:?} mod {n}"
                );
            }
        }
    }

    #[test]
    fn non_positive_counts_are_rejected_by_every_partitioner() {
        for p in Partitioner::ALL {
            for n in [0, -1, i32::MIN] {
                assert_eq!(
                    partition_for(p, b"tenant-1", n),
                    Err(PartitionError::NonPositive(i64::from(n))),
                    "{p} with {n} partitions"
                );
            }
        }
        assert_eq!(
            md5_partition(b"acme", 0).map_err(|e| e.to_string()),
            Err("partition count must be greater than 0, got 0".to_owned())
        );
    }

    // Kafka's own vectors, UtilsTest.testMurmur2 in apache/kafka
    // (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    const KAFKA_UTILS_TEST_VECTORS: [(&str, i32); 6] = [
        ("21", -973_932_308),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        (
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
            -58_897_971,
        ),
        ("abc", 479_470_107),
    ];

    #[test]
    fn murmur2_matches_kafka_utils_test() {
        for (key, want) in KAFKA_UTILS_TEST_VECTORS {
            assert_eq!(murmur2(key.as_bytes()), want, "murmur2({key:?})");
        }
    }

    #[test]
    fn murmur2_matches_librdkafka_java_compat_vectors() {
        // From librdkafka's unittest_murmur2 (src/rdmurmur2.c), which pins its
        // port against the Java client; the "1234" suffixes cover every tail
        // length.
        let cases: [(&str, u32); 7] = [
            ("kafka", 0xd067_cf64),
            ("giberish123456789", 0x8f55_2b0c),
            ("1234", 0x9fc9_7b14),
            ("234", 0xe7c0_09ca),
            ("34", 0x8739_30da),
            ("4", 0x5a4b_5ca1),
            ("", 0x106e_08d9),
        ];
        for (key, want) in cases {
            assert_eq!(murmur2(key.as_bytes()) as u32, want, "murmur2({key:?})");
        }
    }

    // Derived by running a transcription of Kafka's Utils.murmur2/toPositive
    // under javac/java and, separately, a Python port; both reproduce the
    // UtilsTest vectors above and agree on these. The non-ASCII keys put bytes
    // >= 0x80 in whole blocks and in tails of 2 and 3 bytes, where a
    // sign-extending port would diverge.
    const MURMUR2_VECTORS: [(&str, i32, i32); 8] = [
        // (key, murmur2, partition for 6)
        ("", 275_646_681, 3),
        ("tenant-1", 374_640_331, 1),
        ("tenant-42", -578_463_882, 2),
        ("acme", -1_281_648_380, 0),
        (UNICODE_KEY, -1_662_582_549, 5),
        ("é", 186_971_271, 3),
        ("テ", -1_791_968_057, 3),
        ("tenant-テ", -185_805_067, 1),
    ];

    #[test]
    fn murmur2_vectors_including_empty_and_non_ascii() {
        for (key, hash, p6) in MURMUR2_VECTORS {
            assert_eq!(murmur2(key.as_bytes()), hash, "murmur2({key:?})");
            assert_eq!(
                murmur2_partition(key.as_bytes(), 6),
                Ok(p6),
                "murmur2 {key:?} mod 6"
            );
        }
    }

    #[test]
    fn murmur2_partition_clears_the_sign_bit_rather_than_negating() {
        // murmur2("21") = -973932308; & 0x7fffffff = 1173551340, which is
        // 0 mod 6, whereas abs() would give 973932308 = 2 mod 6.
        assert_eq!(murmur2_partition(b"21", 6), Ok(0));
        assert_eq!(murmur2_partition(b"foobar", 8), Ok(6));
        assert_eq!(murmur2_partition(b"a-little-bit-longer-string", 12), Ok(11));
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_partition(b"123456789", i32::MAX), Ok(1_274_296_615));
    }

    // Computed with Python 3 as `zlib.crc32(key.encode()) % n`, zlib being
    // what librdkafka's rd_crc32 calls when built with zlib.
    const CRC32_COUNTS: [i32; 6] = [1, 3, 6, 8, 12, 1000];
    const CRC32_VECTORS: [(&str, [i32; 6]); 6] = [
        ("tenant-1", [0, 1, 1, 7, 7, 879]),
        ("tenant-42", [0, 2, 2, 4, 8, 908]),
        ("acme", [0, 2, 2, 6, 2, 814]),
        ("", [0, 0, 0, 0, 0, 0]),
        (UNICODE_KEY, [0, 0, 0, 6, 6, 822]),
        ("テ", [0, 2, 2, 6, 2, 166]),
    ];

    #[test]
    fn crc32_matches_zlib_modulo() {
        for (key, expected) in CRC32_VECTORS {
            for (n, want) in CRC32_COUNTS.into_iter().zip(expected) {
                assert_eq!(
                    crc32_partition(key.as_bytes(), n),
                    Ok(want),
                    "crc32 {key:?} mod {n}"
                );
            }
        }
    }

    #[test]
    fn crc32_modulo_is_unsigned() {
        // 4226746879 does not fit in i32; a signed reading would be negative.
        assert_eq!(crc32fast::hash(b"tenant-1"), 4_226_746_879);
        assert_eq!(crc32_partition(b"tenant-1", i32::MAX), Ok(2_079_263_232));
    }

    #[test]
    fn partition_for_dispatches_to_each_scheme() {
        let key = b"tenant-42";
        assert_eq!(partition_for(Partitioner::Md5, key, 12), Ok(10));
        assert_eq!(partition_for(Partitioner::Murmur2, key, 12), Ok(2));
        assert_eq!(partition_for(Partitioner::Crc32, key, 12), Ok(8));
    }

    #[test]
    fn moved_share_known_values() {
        assert_eq!(moved_share(6, 8), Ok(0.75));
        assert_eq!(moved_share(6, 6), Ok(0.0));
        assert_eq!(moved_share(6, 12), Ok(0.5));
        assert_eq!(moved_share(3, 6), Ok(0.5));
        assert_eq!(moved_share(1, 2), Ok(0.5));
        // Shrinking is symmetric: the same residues coincide.
        assert_eq!(moved_share(8, 6), Ok(0.75));
        assert_eq!(moved_share(1, 1), Ok(0.0));
    }

    #[test]
    fn moved_share_rejects_non_positive_counts() {
        assert_eq!(moved_share(0, 8), Err(PartitionError::NonPositive(0)));
        assert_eq!(moved_share(6, 0), Err(PartitionError::NonPositive(0)));
        assert_eq!(moved_share(6, -3), Err(PartitionError::NonPositive(-3)));
    }

    #[test]
    fn moved_share_survives_large_coprime_counts() {
        // lcm(i32::MAX, i32::MAX - 1) needs 62 bits.
        let share = moved_share(i32::MAX, i32::MAX - 1).unwrap();
        assert!(share > 0.999_999_999 && share < 1.0, "{share}");
    }

    #[test]
    fn moved_share_agrees_with_counting_one_period() {
        for from in 1..=12u64 {
            for to in 1..=12u64 {
                let lcm = from / gcd(from, to) * to;
                let moved = (0..lcm).filter(|h| h % from != h % to).count();
                let expected = moved as f64 / lcm as f64;
                let got = moved_share(from as i32, to as i32).unwrap();
                assert!(
                    (got - expected).abs() < 1e-12,
                    "{from} -> {to}: {got} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn key_moves_agrees_with_per_key_partitions() {
        let keys = [
            "tenant-1",
            "tenant-42",
            "acme",
            "",
            UNICODE_KEY,
            "tenant-7",
            "acme",
        ];
        for p in Partitioner::ALL {
            let moves = key_moves(p, keys, 6, 8).unwrap();
            let expected: Vec<(String, i32, i32)> = keys
                .iter()
                .map(|k| {
                    let old = partition_for(p, k.as_bytes(), 6).unwrap();
                    let new = partition_for(p, k.as_bytes(), 8).unwrap();
                    (k.to_string(), old, new)
                })
                .filter(|(_, old, new)| old != new)
                .collect();
            assert_eq!(moves.total, keys.len(), "{p}");
            assert_eq!(moves.moved, expected.len(), "{p}");
            let shown = expected.len().min(MAX_MOVE_EXAMPLES);
            assert_eq!(moves.examples, expected[..shown], "{p}");
        }
    }

    #[test]
    fn key_moves_md5_six_to_eight_by_hand() {
        // From MD5_VECTORS: mod 6 -> mod 8 is 1->5, 4->6, 4->6, 0->6, 0->6.
        let keys = ["tenant-1", "tenant-42", "acme", "", UNICODE_KEY];
        let moves = key_moves(Partitioner::Md5, keys, 6, 8).unwrap();
        assert_eq!(moves.total, 5);
        assert_eq!(moves.moved, 5);
        assert_eq!(moves.examples.len(), MAX_MOVE_EXAMPLES);
        assert_eq!(moves.examples[0], ("tenant-1".to_owned(), 1, 5));
        assert_eq!(moves.share(), 1.0);

        // 6 -> 12 keeps exactly the keys whose md5 mod 12 is below 6; only
        // "tenant-1" (1 mod 12) qualifies.
        let moves = key_moves(Partitioner::Md5, keys, 6, 12).unwrap();
        assert_eq!(moves.moved, 4);
        assert_eq!(
            moves.examples,
            vec![
                ("tenant-42".to_owned(), 4, 10),
                ("acme".to_owned(), 4, 10),
                (String::new(), 0, 6),
                (UNICODE_KEY.to_owned(), 0, 6),
            ]
        );
    }

    #[test]
    fn key_moves_caps_examples_and_handles_empty_input() {
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        let moves = key_moves(Partitioner::Murmur2, keys.iter().map(String::as_str), 3, 7).unwrap();
        assert_eq!(moves.total, 200);
        assert!(moves.moved > MAX_MOVE_EXAMPLES);
        assert_eq!(moves.examples.len(), MAX_MOVE_EXAMPLES);

        let none = key_moves(Partitioner::Crc32, [], 3, 7).unwrap();
        assert_eq!((none.total, none.moved, none.share()), (0, 0, 0.0));
        assert_eq!(
            key_moves(Partitioner::Crc32, [], 3, 0),
            Err(PartitionError::NonPositive(0))
        );
    }

    #[test]
    fn parse_keys_trims_cr_and_skips_empty_lines() {
        let text = "tenant-1\r\n\r\n  spaced \n\ntenant-42\racme\nlast\r";
        assert_eq!(
            parse_keys(text),
            vec!["tenant-1", "  spaced ", "tenant-42\racme", "last"]
        );
        assert!(parse_keys("").is_empty());
        assert!(parse_keys("\n\r\n").is_empty());
    }

    #[test]
    fn names_round_trip_through_display_from_str_and_serde() {
        for p in Partitioner::ALL {
            assert_eq!(p.to_string(), p.name());
            assert_eq!(p.name().parse::<Partitioner>(), Ok(p));
        }
        assert_eq!(" MURMUR2 ".parse::<Partitioner>(), Ok(Partitioner::Murmur2));
        assert_eq!(
            serde_json::to_string(&Partitioner::ALL).unwrap(),
            r#"["md5","murmur2","crc32"]"#
        );
        assert_eq!(
            serde_json::from_str::<Partitioner>(r#""crc32""#).unwrap(),
            Partitioner::Crc32
        );
        let err = "fnv".parse::<Partitioner>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown partitioner \"fnv\", expected one of: md5, murmur2, crc32"
        );
    }
}
