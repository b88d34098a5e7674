//! `topo import`: reads an existing cluster and writes it as a topology.toml (the text
//! comes from `render::topology`), so a team that already runs Kafka can start managing it
//! without writing the file by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::output;
use super::topology;
use crate::cli::{ClusterArgs, FileArgs};
use crate::cluster::{Connection, ReadRequest, Settings};
use crate::diff::{self, DiffContext};
use crate::error::{Error, Status};
use crate::model::{is_internal_topic, LiveAcls, LiveState, ScopePattern};
use crate::plan::Op;
use crate::render::topology::to_toml;
use crate::spec;
use crate::units::plural;

/// `topo import --env NAME -f BASE`: appends how the cluster differs from BASE as an
/// `[environments.NAME]` section, after checking that the result loads and that planning
/// it against this cluster changes nothing but creating what the cluster lacks.
pub(super) async fn run_environment(
    path: &Path,
    env: &str,
    args: &ClusterArgs,
    output: Option<&Path>,
) -> Result<Status, Error> {
    let base_file = FileArgs {
        file: vec![path.to_path_buf()],
        env: None,
    };
    if topology::environments(&base_file)?.iter().any(|e| e == env) {
        return Err(Error::Usage(format!(
            "{} already declares environment {env}; remove its section to import it again",
            path.display()
        )));
    }
    let (text, has_environments, base) = topology::load_base(path)?;
    // The cluster to describe: --bootstrap-servers, else KAFKA_BOOTSTRAP_SERVERS; never
    // the base file's own [cluster], which is the other environment.
    let bootstrap = args
        .bootstrap_servers
        .clone()
        .or_else(|| {
            std::env::var("KAFKA_BOOTSTRAP_SERVERS")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .ok_or_else(|| {
            Error::Usage(format!(
                "import --env {env}: name the cluster with --bootstrap-servers HOST:PORT"
            ))
        })?;
    let conn = Connection::connect(Settings {
        bootstrap: bootstrap.clone(),
        client: base.cluster.client.clone(),
        timeout: args.timeout,
    })?;
    let request = ReadRequest {
        topics: base.topics.keys().cloned().collect(),
        manage: base.policy.manage.clone(),
        groups: BTreeMap::new(),
        find_unmanaged_groups: false,
        config_keys: None,
        ..ReadRequest::default()
    };
    let live = conn.read(&request).await?;
    conn.leave();
    let new_text = spec::with_environment(&text, env, &base, &live, &bootstrap, has_environments);

    let name = path.display().to_string();
    let files = [spec::SourceFile {
        name: &name,
        text: &new_text,
    }];
    let loaded = spec::load_files(&files, &|k| std::env::var(k).ok(), Some(env))?;
    let plan = diff::diff(
        &loaded.desired,
        &live,
        &loaded.desired.policy,
        &DiffContext::default(),
    );
    let is_create = |op: &Op| matches!(op, Op::CreateTopic { .. } | Op::CommitGroupOffsets { .. });
    let left: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| !is_create(&a.op))
        .map(|a| a.resource.to_string())
        .collect();
    if !left.is_empty() || plan.is_refused() {
        return Err(Error::Usage(format!(
            "the imported environment {env} would still change {}; nothing was written",
            left.join(", ")
        )));
    }
    let target = output.unwrap_or(path);
    std::fs::write(target, &new_text).map_err(|source| Error::Write {
        path: target.to_path_buf(),
        source,
    })?;
    let sections = new_text
        .matches(&format!("[environments.{env}.topics."))
        .count();
    let creates = plan
        .actions
        .iter()
        .filter(|a| matches!(a.op, Op::CreateTopic { .. }))
        .count();
    eprintln!(
        "Imported environment {env} from {bootstrap} into {}: {} of overrides; {} missing on \
         that cluster.",
        target.display(),
        plural(sections, "topic section", "topic sections"),
        plural(creates, "declared topic", "declared topics")
    );
    Ok(Status::Clean)
}

pub(super) async fn run(
    settings: Settings,
    include: &[String],
    exclude: &[String],
    output: Option<&Path>,
) -> Result<Status, Error> {
    let conn = Connection::connect(settings)?;
    let selection = Selection::new(include, exclude);
    let request = ReadRequest {
        topics: BTreeSet::new(),
        // Describing configs only of the included topics keeps an import of one team's
        // prefix cheap on a large cluster; excludes are applied afterwards.
        manage: selection.describe_scope(),
        groups: BTreeMap::new(),
        // Groups are not declared anywhere yet: every group holding commits on a described
        // topic is found this way, with the topics it consumes.
        find_unmanaged_groups: true,
        // Dead-letter topics are compared with their parent's effective values: keep all.
        config_keys: None,
        ..ReadRequest::default()
    };
    let mut live = conn.read(&request).await?;
    live.topics.retain(|name, _| selection.selects(name));
    let groups = consumed_topics(&live);
    let mut text = to_toml(&live, &groups, Some(conn.bootstrap()));
    // ACLs are a part an import can do without: without the right to read them, the
    // topics and groups are still worth writing.
    match conn.read_all_acls().await {
        Ok(LiveAcls::Read(acls)) => {
            let topics: BTreeSet<String> = live
                .topics
                .keys()
                .filter(|n| !is_internal_topic(n))
                .cloned()
                .collect();
            let group_names: BTreeSet<String> = groups.keys().cloned().collect();
            text.push_str(&crate::render::acls_toml(&acls, &topics, &group_names));
            live.acls = LiveAcls::Read(acls);
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: ACLs not imported: {e}"),
    }

    let shown = output.map_or_else(
        || "the imported topology".to_string(),
        |p| p.display().to_string(),
    );
    // A file that does not load is never written, not even partly: the check comes first,
    // and the file appears only whole, by rename.
    let loaded = match self_check(&shown, &text, &live) {
        Ok(loaded) => loaded,
        Err(Error::Spec(diagnostics)) => {
            eprintln!("{diagnostics}");
            return Err(Error::Unsupported(format!(
                "the cluster cannot be expressed as a topology that loads (see above); {} was written",
                output.map_or_else(|| "nothing".to_string(), |p| format!("no {}", p.display()))
            )));
        }
        Err(e) => return Err(e),
    };
    match output {
        Some(path) => write_whole(path, &text)?,
        None => output::write(&text)?,
    }
    let dlqs = loaded
        .topics
        .values()
        .filter(|t| t.dlq_of().is_some())
        .count();
    eprintln!(
        "Imported {} ({dlqs} dead-letter) and {} from {}{}.",
        plural(loaded.topics.len(), "topic", "topics"),
        plural(loaded.groups.len(), "consumer group", "consumer groups"),
        conn.bootstrap(),
        output
            .map(|p| format!(" into {}", p.display()))
            .unwrap_or_default()
    );
    Ok(Status::Clean)
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`, so an
/// interrupted import never leaves a half-written topology behind.
fn write_whole(path: &Path, text: &str) -> Result<(), Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "topology.toml".to_string());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let write = |p: &Path| -> std::io::Result<()> {
        std::fs::write(p, text)?;
        std::fs::rename(p, path)
    };
    write(&tmp).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Loads the generated file exactly as `topo plan` will and diffs it against what was
/// read: a file that does not validate is an error (and is not written), and one that
/// would not plan empty is reported, since the promise of an import is that it changes
/// nothing.
fn self_check(
    name: &str,
    text: &str,
    live: &LiveState,
) -> Result<crate::model::DesiredState, Error> {
    let loaded = crate::spec::load(name, text, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let plan = diff::diff(
        &loaded.desired,
        live,
        &loaded.desired.policy,
        &DiffContext::default(),
    );
    let differing: BTreeSet<String> = plan
        .actions
        .iter()
        .map(|a| a.resource.to_string())
        .chain(plan.refused.iter().map(|r| r.resource.to_string()))
        .collect();
    if !differing.is_empty() {
        eprintln!(
            "warning: the imported file does not reproduce the cluster exactly; `topo plan` \
             will show changes for: {}",
            differing.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(loaded.desired)
}

/// Which live topics an import covers: `--include` globs (all when none), minus
/// `--exclude` globs, never internal topics.
struct Selection {
    include: Vec<ScopePattern>,
    exclude: Vec<ScopePattern>,
}

impl Selection {
    fn new(include: &[String], exclude: &[String]) -> Self {
        let globs = |p: &[String]| p.iter().map(|g| ScopePattern::Glob(g.clone())).collect();
        Selection {
            include: globs(include),
            exclude: globs(exclude),
        }
    }

    fn describe_scope(&self) -> Vec<ScopePattern> {
        if self.include.is_empty() {
            vec![ScopePattern::Glob("*".into())]
        } else {
            self.include.clone()
        }
    }

    fn selects(&self, name: &str) -> bool {
        !is_internal_topic(name)
            && (self.include.is_empty() || self.include.iter().any(|p| p.matches(name)))
            && !self.exclude.iter().any(|p| p.matches(name))
    }
}

/// Groups with the imported topics they hold commits on; groups left with none are dropped.
fn consumed_topics(live: &LiveState) -> BTreeMap<String, BTreeSet<String>> {
    live.unmanaged_groups
        .iter()
        .map(|(group, topics)| {
            let kept = topics
                .iter()
                .filter(|t| live.topics.contains_key(*t))
                .cloned()
                .collect();
            (group.clone(), kept)
        })
        .filter(|(_, topics): &(String, BTreeSet<String>)| !topics.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_skips_internal_topics_even_when_included() {
        let s = Selection::new(&["__*".into(), "orders*".into()], &["*-tmp".into()]);
        assert!(!s.selects("__consumer_offsets"));
        assert!(s.selects("orders"));
        assert!(!s.selects("orders-tmp"));
        assert!(!s.selects("payments"));
        let all = Selection::new(&[], &[]);
        assert!(all.selects("payments"));
        assert!(!all.selects("_schemas"));
    }
}
