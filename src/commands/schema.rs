//! `topo schema`: prints the JSON Schema of topology.toml for editors.

use crate::error::{Error, Status};
use crate::spec;

pub(super) fn run() -> Result<Status, Error> {
    println!("{}", spec::json_schema());
    Ok(Status::Clean)
}
