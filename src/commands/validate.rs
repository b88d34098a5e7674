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

/// Keys and values only some supported Kafka versions accept: fine without a cluster,
/// checked by every plan against the one it talks to.
fn print_notes<'a>(desired: impl IntoIterator<Item = &'a DesiredState>) {
    let notes: std::collections::BTreeSet<String> = desired
        .into_iter()
        .flat_map(crate::spec::version_notes)
        .collect();
    for note in notes {
        eprintln!("{note}");
    }
}

pub(super) fn run(file: &FileArgs) -> Result<Status, Error> {
    let name = topology::display_name(&file.file);
    if let Some(env) = file.env.as_deref().filter(|e| *e != topology::ALL) {
        let loaded = topology::load_env(file, Some(env))?;
        print_notes([&loaded.desired]);
        println!("{name}: valid in {env} ({})", counts(&loaded.desired));
        return Ok(Status::Clean);
    }
    let validated = topology::validate(file)?;
    print_notes(validated.environments.iter().map(|(_, d)| d));
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
