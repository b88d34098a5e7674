//! Entry point: parses arguments, runs the command, prints its error, exits with its code.

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
    let result = topo::commands::run(cli.command);
    match &result {
        Err(e) if e.is_self_describing() => eprintln!("{e}"),
        Err(e) => eprintln!("error: {e}"),
        Ok(_) => {}
    }
    std::process::exit(topo::error::exit_code(&result));
}
