//! `topo status`: reads what a plan reads, plus the log positions of every declared topic,
//! and prints the topics and groups tables. Informational only: it never exits 2.

use super::output::{self, terminal_width};
use super::session;
use super::topology;
use crate::cli::{ClusterArgs, FileArgs};
use crate::cluster::{Connection, ReadRequest};
use crate::error::{Error, Status};
use crate::render::status::{counted_partitions, render_status};

pub(super) async fn run(file: &FileArgs, cluster: &ClusterArgs) -> Result<Status, Error> {
    let desired = topology::load(file)?.desired;
    let conn = Connection::connect(session::settings(Some(&desired), cluster))?;
    let scope = crate::diff::scope_of(&desired, &desired.policy);
    // Status lists undeclared consumers of managed topics even for a file of topics only.
    let request = ReadRequest {
        find_unmanaged_groups: true,
        ..session::read_request(&desired, &scope)
    };
    let live = conn.read(&request).await;
    let positions = live
        .as_ref()
        .ok()
        .map(|live| conn.log_positions(&counted_partitions(&desired, live)));
    // Both reads are done; the process ends soon after (see `leave`).
    conn.leave();
    let live = live?;
    let positions = positions.transpose()?.unwrap_or_default();
    output::write(&render_status(
        &desired,
        &live,
        &positions,
        terminal_width(),
    ))?;
    Ok(Status::Clean)
}
