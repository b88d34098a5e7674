//! Entry point: parses arguments, runs the command, exits with its code.

use clap::Parser;

fn main() {
    // Usage errors exit 1, not clap's 2: exit 2 means "changes present" to drift checks.
    let cli = match topo::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            // Help and version go to standard output: a closed pipe is fine, a full disk
            // is not.
            if let Err(io) = e.print() {
                if io.kind() != std::io::ErrorKind::BrokenPipe {
                    eprintln!("error: cannot write to standard output: {io}");
                    std::process::exit(1);
                }
            }
            std::process::exit(code);
        }
    };
    std::process::exit(topo::commands::execute(cli.command));
}
