//! Tenant partitioning and the status view: `topo partition` and `topo status`.

use std::path::PathBuf;

use crate::cli::{ClusterArgs, FileArgs};
use crate::error::{Error, Status};
use crate::partition::Partitioner;

pub struct PartitionArgs {
    pub key: Option<String>,
    pub topic: Option<String>,
    pub partitions: Option<i32>,
    pub partitioner: Option<Partitioner>,
    pub all: bool,
    pub keys: Option<PathBuf>,
    pub to: Option<i32>,
}

pub async fn partition_command(
    _args: &PartitionArgs,
    _file: &FileArgs,
    _cluster: &ClusterArgs,
) -> Result<Status, Error> {
    Err(Error::Usage("topo partition is not implemented yet".into()))
}

pub async fn status_command(_file: &FileArgs, _cluster: &ClusterArgs) -> Result<Status, Error> {
    Err(Error::Usage("topo status is not implemented yet".into()))
}
