//! `topo validate`: checks the topology without contacting any cluster, in every
//! environment it declares (or the one `--env` names).

use super::output;
use super::topology;
use crate::cli::FileArgs;
use crate::error::{Error, Status};
use crate::model::DesiredState;
use crate::units::plural;

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

pub(super) fn run(file: &FileArgs, strict_env: bool) -> Result<Status, Error> {
    let name = topology::display_name(&file.file);
    if let Some(env) = file.env.as_deref().filter(|e| *e != topology::ALL) {
        let desired = topology::validate_env(file, env, strict_env)?;
        print_notes([&desired]);
        output::write(&format!("{name}: valid in {env} ({})\n", counts(&desired)))?;
        return Ok(Status::Clean);
    }
    let validated = topology::validate(file, strict_env)?;
    print_notes(validated.environments.iter().map(|(_, d)| d));
    let text = match validated.environments.as_slice() {
        [(None, desired)] => format!("{name}: valid ({})\n", counts(desired)),
        all => {
            let mut text = format!(
                "{name}: valid in {}\n",
                plural(all.len(), "environment", "environments")
            );
            for (env, desired) in all {
                let env = env.as_deref().unwrap_or("-");
                text.push_str(&format!("  {env}: {}\n", counts(desired)));
            }
            text
        }
    };
    output::write(&text)?;
    Ok(Status::Clean)
}
