//! `topo import`: writes a topology.toml describing an existing cluster.

use std::path::Path;

use crate::cli::ClusterArgs;
use crate::error::{Error, Status};

pub async fn import_command(
    _cluster: &ClusterArgs,
    _include: &[String],
    _exclude: &[String],
    _output: Option<&Path>,
) -> Result<Status, Error> {
    Err(Error::Usage("topo import is not implemented yet".into()))
}
