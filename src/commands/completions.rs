//! `topo completions SHELL`: prints the completion script clap generates for `topo`.

use super::output;
use crate::cli::{self, Shell};
use crate::error::{Error, Status};

pub(super) fn run(shell: Shell) -> Result<Status, Error> {
    output::write(&cli::completions(shell))?;
    Ok(Status::Clean)
}
