//! Entry point: parses arguments, builds the runtime, runs the library, exits with its code.

use clap::Parser;

fn main() {
    let cli = topo::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(topo::app::run(cli.command));
    if let Err(e) = &result {
        eprintln!("error: {e}");
    }
    std::process::exit(topo::error::exit_code(&result));
}
