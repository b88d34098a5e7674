//! Reading the files a user names (topology, keys files, saved plans) with a size limit,
//! so a path like `/dev/zero` or a runaway generated file ends with a clear error instead
//! of a hang or an exhausted memory.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// Topology files: generous for tens of thousands of topics.
pub const TOPOLOGY_LIMIT: u64 = 64 * 1024 * 1024;
/// Sample keys files (`keys_file`, `topo partition --keys`).
pub const KEYS_LIMIT: u64 = 16 * 1024 * 1024;
/// Saved plans (`topo apply PLAN`), which embed nothing larger than their topology.
pub const PLAN_LIMIT: u64 = 256 * 1024 * 1024;

/// The file's bytes, or `Error::TooLarge` as soon as more than `limit` bytes arrive.
/// Reads at most `limit + 1` bytes whatever the file is (a device, a pipe, a FIFO).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// Like [`read_limited`], for text that must be UTF-8.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, Error> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        Error::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line {line}: invalid UTF-8 at byte offset {at}"),
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_input_stops_at_the_limit() {
        let err = read_limited(Path::new("/dev/zero"), 1024).expect_err("too large");
        assert!(err.to_string().contains("larger than 1 KiB;"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys.txt");
        std::fs::write(&path, b"a\nb\n\xffc\n").expect("write");
        let err = read_text_limited(&path, 1024).expect_err("not UTF-8");
        assert!(err.to_string().contains("line 3: invalid UTF-8"), "{err}");
        std::fs::write(&path, b"a\nb\n").expect("write");
        assert_eq!(
            read_text_limited(&path, 1024).ok().as_deref(),
            Some("a\nb\n")
        );
    }
}
