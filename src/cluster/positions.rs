//! Log positions (log start and log end offsets) of arbitrary partitions, for views that
//! count what a topic holds rather than how far a group has read it, such as the message
//! count of a dead-letter topic in `topo status`.

use std::collections::BTreeMap;

use super::{ffi, request, ClusterError, Connection};

/// `(log start, log end)` per partition.
pub(super) type LogPositions = BTreeMap<(String, i32), (i64, i64)>;

impl Connection {
    /// `(log start, log end)` of each requested partition, from a ListOffsets round per end
    /// (repeated only for partitions whose leadership is still settling, as right after a
    /// create). `log end - log start` is the number of messages a partition holds (ignoring
    /// compaction and transaction markers).
    ///
    /// Duplicate entries are asked for once. A partition for which the broker reports an
    /// error at either end (unknown topic, no leader yet) is left out of the map rather than
    /// failing the whole read: callers show such a partition as unknown, while a failure of
    /// the request as a whole is still an error.
    pub(crate) fn log_positions(
        &self,
        partitions: &[(String, i32)],
    ) -> Result<LogPositions, ClusterError> {
        let starts = self
            .list_offsets_settled(partitions, ffi::OffsetSpec::Earliest)
            .map_err(|e| request("ListOffsets", e))?;
        let ends = self
            .list_offsets_settled(partitions, ffi::OffsetSpec::Latest)
            .map_err(|e| request("ListOffsets", e))?;
        let starts: BTreeMap<(String, i32), i64> = starts
            .into_iter()
            .filter_map(|(k, r)| r.ok().map(|o| (k, o)))
            .collect();
        Ok(ends
            .into_iter()
            .filter_map(|(k, r)| {
                let end = r.ok()?;
                let start = *starts.get(&k)?;
                Some((k, (start, end)))
            })
            .collect())
    }
}
