//! `topo validate`: checks the topology file without contacting any cluster.

use super::session;
use crate::cli::FileArgs;
use crate::error::{Error, Status};

pub fn run(file: &FileArgs) -> Result<Status, Error> {
    let loaded = session::load_topology(&file.file)?;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    println!(
        "{}: valid ({}, {})",
        file.file.display(),
        plural(loaded.topics.len(), "topic", "topics"),
        plural(loaded.groups.len(), "group", "groups")
    );
    Ok(Status::Clean)
}
