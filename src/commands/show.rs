//! `topo show PLAN`: renders a saved plan (from `topo plan --out`) in any format without
//! contacting a cluster, so a CI job reads the cluster once and renders the plan as often
//! as it needs. The output is byte for byte what `topo plan` printed in the same format.

use std::path::Path;

use super::output::print_plan;
use super::session;
use crate::cli::Format;
use crate::error::{Error, Status};

/// Exits 0 whatever the plan holds: it renders, it does not judge. `topo plan` and
/// `topo apply` decide about refusals and drift.
pub(crate) fn run(path: &Path, format: Format) -> Result<Status, Error> {
    let plan = session::read_saved_plan(path)?;
    print_plan(&plan, format)?;
    Ok(Status::Clean)
}
