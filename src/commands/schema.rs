//! `topo schema`: prints the JSON Schema of topology.toml for editors.

use super::output;
use crate::error::{Error, Status};
use crate::spec;

pub(super) fn run() -> Result<Status, Error> {
    output::write(&format!("{}\n", spec::json_schema()))?;
    Ok(Status::Clean)
}
