//! `topo completions SHELL`: prints the completion script clap generates for `topo`.

use crate::cli::{self, Shell};
use crate::error::{Error, Status};

pub(super) fn run(shell: Shell) -> Result<Status, Error> {
    print!("{}", cli::completions(shell));
    Ok(Status::Clean)
}
