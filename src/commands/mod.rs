//! The shell: one module per subcommand, plus `session` (load, resolve the cluster once,
//! connect, read) and `output` (terminal facts, plan printing) that they share.
//!
//! Dispatch happens here and only here. No command imports another, and nothing outside
//! this module imports a command. Commands that talk to a cluster run on an async runtime
//! built for them; offline commands run without one and without any client.

mod apply;
mod completions;
mod import;
mod output;
mod partition;
mod plan;
mod schema;
pub mod session;
mod show;
mod status;
mod topology;
mod validate;

use crate::cli::{self, Command};
use crate::error::{Error, Status};

/// Runs one parsed command, prints its error if it failed, and returns the process's exit
/// code as `error::exit_code` decides it.
pub fn execute(command: Command) -> i32 {
    let result = run(command);
    match &result {
        Err(e) if e.is_self_describing() => eprintln!("{e}"),
        Err(e) => eprintln!("error: {e}"),
        Ok(_) => {}
    }
    crate::error::exit_code(&result)
}

/// Runs one parsed command to its end.
fn run(command: Command) -> Result<Status, Error> {
    match command {
        Command::Validate { file, strict_env } => validate::run(&file, strict_env),
        Command::Schema => schema::run(),
        Command::Show { plan, format } => show::run(&plan, format),
        Command::Completions { shell } => completions::run(shell),
        Command::Partition {
            key,
            topic,
            partitions,
            partitioner,
            all,
            keys,
            to,
            file,
            cluster,
        } => {
            let args = partition::PartitionArgs {
                key,
                topic,
                partitions,
                partitioner: partitioner.map(cli::to_partitioner),
                all,
                keys,
                to,
            };
            partition::run(&args, &file, &cluster)
        }
        Command::Plan {
            file,
            cluster,
            format,
            summary,
            out,
            detailed_exitcode,
            validate,
            target,
        } => {
            let opts = plan::PlanOpts {
                format: if summary {
                    cli::Format::Summary
                } else {
                    format
                },
                out,
                detailed_exitcode,
                validate,
            };
            if file.env.as_deref() == Some(topology::ALL) {
                session::block_on(plan::run_every_environment(
                    &file,
                    &cluster,
                    &target.targets,
                    &opts,
                ))
            } else {
                session::block_on(plan::run(&file, &cluster, &target.targets, &opts))
            }
        }
        Command::Apply {
            plan,
            file,
            cluster,
            auto_approve,
            target,
        } => session::block_on(apply::run(
            plan.as_deref(),
            &file,
            &cluster,
            &target.targets,
            auto_approve,
        )),
        Command::Status { file, cluster } => session::block_on(status::run(&file, &cluster)),
        Command::Import {
            cluster,
            file,
            include,
            exclude,
            output,
            env: Some(env),
        } => {
            if !include.is_empty() || !exclude.is_empty() {
                return Err(Error::Usage(
                    "import --env describes the topics of the base file; --include and \
                     --exclude do not apply"
                        .into(),
                ));
            }
            let path = file.ok_or_else(|| Error::Usage("--env needs -f BASE_FILE".into()))?;
            session::block_on(import::run_environment(
                &path,
                &env,
                &cluster,
                output.as_deref(),
            ))
        }
        Command::Import {
            cluster,
            file,
            include,
            exclude,
            output,
            env: None,
        } => {
            let desired = file.as_deref().map(session::load_topology).transpose()?;
            let settings = session::settings(desired.as_ref(), &cluster);
            session::block_on(import::run(settings, &include, &exclude, output.as_deref()))
        }
    }
}
