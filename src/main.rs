//! Entry point: parses arguments, runs the command, exits with its code.

use clap::Parser;

fn main() {
    // Usage errors exit 1, not clap's 2: exit 2 means "changes present" to drift checks.
    let cli = match topo::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    std::process::exit(topo::commands::execute(cli.command));
}
