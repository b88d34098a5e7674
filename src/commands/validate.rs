//! `topo validate`: checks the topology without contacting any cluster, in every
//! environment it declares (or the one `--env` names).

use super::topology;
use crate::cli::FileArgs;
use crate::error::{Error, Status};
use crate::model::DesiredState;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn counts(d: &DesiredState) -> String {
    format!(
        "{}, {}",
        plural(d.topics.len(), "topic", "topics"),
        plural(d.groups.len(), "group", "groups")
    )
}

pub(super) fn run(file: &FileArgs) -> Result<Status, Error> {
    let name = topology::display_name(&file.file);
    if let Some(env) = file.env.as_deref().filter(|e| *e != topology::ALL) {
        let loaded = topology::load_env(file, Some(env))?;
        println!("{name}: valid in {env} ({})", counts(&loaded.desired));
        return Ok(Status::Clean);
    }
    let validated = topology::validate(file)?;
    match validated.environments.as_slice() {
        [(None, desired)] => println!("{name}: valid ({})", counts(desired)),
        all => {
            println!(
                "{name}: valid in {}",
                plural(all.len(), "environment", "environments")
            );
            for (env, desired) in all {
                println!("  {}: {}", env.as_deref().unwrap_or("-"), counts(desired));
            }
        }
    }
    Ok(Status::Clean)
}
