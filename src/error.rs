//! The top-level error and the one function that turns any outcome into an exit code.
//!
//! Each layer has its own error enum; this one wraps them so the commands can use `?` freely and
//! `exit_code` stays the single place where codes are decided.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The topology file is invalid; the diagnostics render themselves.
    #[error("{0}")]
    Spec(#[from] crate::spec::Diagnostics),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}: it is larger than {}; topo reads at most that much from it", path.display(), binary_size(*limit))]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(transparent)]
    Apply(#[from] crate::apply::ApplyError),
    #[error("{} is not a topo plan: {reason}", path.display())]
    BadPlan { path: PathBuf, reason: String },
    #[error("the saved plan is stale: the cluster changed since it was made\n{}\nrun `topo plan --out PLAN` again and review the new plan", changes.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"))]
    StalePlan { changes: Vec<String> },
    #[error("the saved plan is not what applying it would do now; nothing was changed:\n{}\nrun `topo plan --out PLAN` again and review the new plan", differences.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"))]
    PlanMismatch { differences: Vec<String> },
    #[error("the saved plan was made for cluster {} (at {planned_bootstrap}), but {bootstrap} is cluster {}; nothing was changed. Plan against this cluster instead.", planned.as_deref().unwrap_or("(no id)"), connected.as_deref().unwrap_or("(no id)"))]
    OtherCluster {
        planned: Option<String>,
        planned_bootstrap: String,
        connected: Option<String>,
        bootstrap: String,
    },
    #[error("the plan is refused ({0} refusal(s) above); nothing was changed")]
    Refused(usize),
    #[error("apply failed: {failed} action(s) failed, {unknown} with an unknown outcome; the report above lists what was done, what failed, what is unknown and what was not attempted. Run `topo plan` to see the cluster as it is now, then `topo apply` to converge.")]
    ApplyFailed { failed: usize, unknown: usize },
    #[error("apply interrupted by signal {signal}: no new requests were started; the report above lists what was done, what is unknown and what was not attempted. Run `topo plan` to see the cluster as it is now.")]
    Interrupted { signal: i32 },
    #[error("apply finished but the cluster does not match the plan:\n{}", .0.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"))]
    NotConverged(Vec<String>),
    #[error("apply stopped: the cluster changed since the plan was made, so the rest of the plan no longer describes what it would overwrite:\n{}\nNothing was written after that point; the report above lists what was done before. Run `topo plan` to review the cluster as it is now.", .0.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"))]
    Moved(Vec<String>),
    #[error("apply finished, but another writer has changed what it wrote:\n{}\nTwo writers are managing the same resources; run `topo plan` to see the cluster as it is now.", .0.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"))]
    Overwritten(Vec<String>),
    #[error("refusing to apply without confirmation: standard input is not a terminal; review the plan and pass --auto-approve")]
    NoTerminal,
    #[error("apply cancelled; nothing was changed")]
    Cancelled,
    #[error("{0}")]
    Usage(String),
    /// The connected broker cannot do what the command needs.
    #[error("{0}")]
    Unsupported(String),
    #[error("cannot write to standard output: {0}")]
    Output(std::io::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl Error {
    /// Errors whose text already carries its own `error:` labels (located diagnostics).
    pub(crate) fn is_self_describing(&self) -> bool {
        matches!(self, Error::Spec(_))
    }
}

/// `64 MiB`, `1 KiB`, `100 bytes`: limits are powers of two, shown exactly.
fn binary_size(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    UNITS
        .iter()
        .find(|(size, _)| n >= *size && n.is_multiple_of(*size))
        .map_or_else(
            || format!("{n} bytes"),
            |(size, unit)| format!("{} {unit}", n / size),
        )
}

/// How a successful command ended, for `--detailed-exitcode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Done; nothing left to report.
    Clean,
    /// The plan has changes or drift and the caller asked for a detailed exit code.
    Changes,
}

/// The only place exit codes are decided: 0 success, 2 changes present (detailed mode),
/// 1 every error or refusal.
pub(crate) fn exit_code(result: &Result<Status, Error>) -> i32 {
    match result {
        Ok(Status::Clean) => 0,
        Ok(Status::Changes) => 2,
        // The shell's convention for a process ended by a signal: 128 + its number.
        Err(Error::Interrupted { signal }) => 128 + signal,
        Err(_) => 1,
    }
}
