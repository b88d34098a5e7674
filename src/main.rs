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
    let code = topo::commands::execute(cli.command);
    // Everything topo prints goes through std::io; flushed here, it is all out.
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` ends the process without running atexit handlers, which is the
    // point: the Kafka clients a command leaves unclosed (`Connection::leave`, the
    // ApiVersions probe) still have librdkafka threads, and OpenSSL's atexit cleanup would
    // free state those threads use (seen as heap corruption at exit on a SASL cluster).
    // Nothing else is pending: output is flushed above, and topo writes its files with
    // `std::fs::write`, which has returned before this point.
    unsafe { libc::_exit(code) }
}
