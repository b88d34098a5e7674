//! The front half every command shares: load the topology, resolve the cluster address
//! once, connect, read, and (for plan and apply) diff.
//!
//! Commands call into this module and never into each other; nothing here knows which
//! command is running. The async runtime is built here too, and only by commands that talk
//! to a cluster: offline commands (validate, schema, completions, partition with
//! `--partitions`) never start one.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;

use super::topology;
use crate::cli::{ClusterArgs, FileArgs};
use crate::cluster::{self, Connection, ReadRequest};
use crate::diff::{self, DiffContext};
use crate::error::Error;
use crate::model::DesiredState;
use crate::plan::{Partial, Plan, Scope};
use crate::spec::{self, Target};

/// The address used when neither the flag, the file nor the environment names one: the
/// local development broker's external port (scripts/kafka-dev, docker-compose.yml).
pub(crate) const DEFAULT_BOOTSTRAP: &str = "localhost:19092";

/// The environment variable consulted for the bootstrap address after the flag and the
/// file; an empty value counts as unset.
const BOOTSTRAP_ENV: &str = "KAFKA_BOOTSTRAP_SERVERS";

/// Runs a command that talks to a cluster on a small multi-threaded runtime. Two workers
/// are enough: the broker calls are batched and the rest of the work is sequential.
pub(crate) fn block_on<T>(command: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(command)
}

/// Reads and validates the topology; warnings go to stderr, errors become `Error::Spec`.
pub fn load_topology(path: &Path) -> Result<DesiredState, Error> {
    let source = crate::files::read_limited(path, crate::files::TOPOLOGY_LIMIT)?;
    let name = path.display().to_string();
    let loaded = spec::load_bytes(&name, &source, &|k| std::env::var(k).ok());
    drop(source);
    release_free_heap();
    let loaded = loaded?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded.desired)
}

/// Returns freed heap memory to the system after the parse. The TOML parser holds every
/// token of the file at once (about 50 MB for a 10,000-topic file) and glibc keeps freed
/// memory resident, so without a trim that peak would stay for the whole run and add to
/// the broker read's own peak. Elsewhere this is a no-op.
pub(super) fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free; no live
    // allocation moves or changes.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The one bootstrap precedence rule: `--bootstrap-servers`, then the file's
/// `[cluster].bootstrap_servers` (which may itself read the environment through
/// interpolation), then a non-empty KAFKA_BOOTSTRAP_SERVERS. `None` when none of them
/// names an address; the caller supplies its own fallback.
pub(crate) fn resolve_bootstrap(
    desired: Option<&DesiredState>,
    args: &ClusterArgs,
) -> Option<String> {
    let from_env = || std::env::var(BOOTSTRAP_ENV).ok().filter(|s| !s.is_empty());
    args.bootstrap_servers
        .clone()
        .or_else(|| desired.and_then(|d| d.cluster.bootstrap_servers.clone()))
        .or_else(from_env)
}

/// Connection settings: the resolved bootstrap (else `fallback`), the file's client
/// properties and the timeout.
pub fn settings_or(
    desired: Option<&DesiredState>,
    args: &ClusterArgs,
    fallback: &str,
) -> cluster::Settings {
    cluster::Settings {
        bootstrap: resolve_bootstrap(desired, args).unwrap_or_else(|| fallback.to_string()),
        client: desired
            .map(|d| d.cluster.client.clone())
            .unwrap_or_default(),
        timeout: args.timeout,
    }
}

/// Connection settings with the local development broker as the last resort.
pub fn settings(desired: Option<&DesiredState>, args: &ClusterArgs) -> cluster::Settings {
    settings_or(desired, args, DEFAULT_BOOTSTRAP)
}

/// What a plan reads. Groups are read only when the plan can use them: when the file
/// declares groups (their state and lag, and undeclared consumers of the same topics), or
/// when it may delete undeclared topics (who still consumes them). A file of topics alone
/// sends no group-coordinator request at all. Config keys: the ones the file declares plus
/// the ones `topo status` shows.
pub fn read_request(desired: &DesiredState, scope: &Scope) -> ReadRequest {
    ReadRequest {
        topics: scope.topics.clone(),
        manage: scope.manage.clone(),
        groups: desired
            .groups
            .iter()
            .map(|(n, g)| (n.clone(), g.topics.clone()))
            .collect(),
        find_unmanaged_groups: !desired.groups.is_empty() || desired.policy.delete_undeclared,
        acl_principals: desired.principals.clone(),
        count_undeclared: desired.policy.delete_undeclared,
        users: desired.users.keys().cloned().collect(),
        all_acls: false,
        config_keys: Some(
            desired
                .topics
                .values()
                .flat_map(|t| t.config.keys().cloned())
                .chain(STATUS_KEYS.iter().map(|k| k.to_string()))
                .collect(),
        ),
    }
}

/// Effective values `topo status` shows even where the file does not declare them.
const STATUS_KEYS: [&str; 3] = ["cleanup.policy", "retention.bytes", "retention.ms"];

/// Loads sample keys for topics that name a keys file, relative to the file declaring
/// the topic.
fn sample_keys(desired: &DesiredState, dir: &Path) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let mut out = BTreeMap::new();
    for t in desired.topics.values() {
        if let Some(file) = t.keys_file() {
            let base = desired
                .origins
                .topics
                .get(&t.name)
                .and_then(|o| Path::new(&o.file).parent().map(Path::to_path_buf))
                .unwrap_or_else(|| dir.to_path_buf());
            let path = base.join(file);
            let text = crate::files::read_text_limited(&path, crate::files::KEYS_LIMIT)?;
            let keys = crate::partition::parse_keys(&text)
                .into_iter()
                .map(str::to_string)
                .collect();
            out.insert(t.name.clone(), keys);
        }
    }
    Ok(out)
}

/// A plan saved by `topo plan --out`, checked to be one this topo reads.
pub(crate) fn read_saved_plan(path: &Path) -> Result<Plan, Error> {
    let text = crate::files::read_text_limited(path, crate::files::PLAN_LIMIT)?;
    let bad = |reason: String| Error::BadPlan {
        path: path.to_path_buf(),
        reason,
    };
    // The version first, so an old plan gets a clear answer rather than a missing field.
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| bad(e.to_string()))?
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(crate::plan::FORMAT_VERSION)) {
        return Err(bad(format!(
            "format_version {} is not supported (this topo reads {}); run `topo plan --out` again",
            version.map_or("(missing)".to_string(), |v| v.to_string()),
            crate::plan::FORMAT_VERSION
        )));
    }
    Plan::from_json(&text).map_err(|e| bad(e.to_string()))
}

/// Loads, connects, reads and diffs: the shared front half of plan and apply.
pub(crate) async fn compute_plan(
    file: &FileArgs,
    args: &ClusterArgs,
    targets: &[Target],
) -> Result<(Connection, Plan), Error> {
    plan_topology(topology::load(file)?, args, targets).await
}

/// Plans one loaded topology (one environment), restricted to `targets` when given.
pub async fn plan_topology(
    topology: topology::Topology,
    args: &ClusterArgs,
    targets: &[Target],
) -> Result<(Connection, Plan), Error> {
    let desired = restricted(&topology, targets)?;
    let conn = Connection::connect(settings(Some(&desired), args))?;
    let plan = plan_on(&conn, &topology, &desired, targets).await?;
    Ok((conn, plan))
}

/// The topology's desired state, restricted to `targets` when given.
pub fn restricted(
    topology: &topology::Topology,
    targets: &[Target],
) -> Result<DesiredState, Error> {
    if targets.is_empty() {
        Ok(topology.desired.clone())
    } else {
        spec::restrict(&topology.desired, targets).map_err(|e| Error::Usage(e.to_string()))
    }
}

/// Reads what `desired` needs from a connected cluster and diffs: one plan, sealed with
/// the topology's digest.
pub async fn plan_on(
    conn: &Connection,
    topology: &topology::Topology,
    desired: &DesiredState,
    targets: &[Target],
) -> Result<Plan, Error> {
    let ctx = DiffContext {
        topology: topology.name.clone(),
        sample_keys: sample_keys(desired, &topology.dir)?,
    };
    let scope = diff::scope_of(desired, &desired.policy);
    let live = conn.read(&read_request(desired, &scope)).await?;
    if let Some(profile) = &live.profile {
        // Keys the cluster would refuse stop the plan before anything is written; the files
        // are read again only then, to say where they are.
        if !spec::cluster_key_problems(desired, profile).is_empty() {
            let texts = topology::read_all(&topology.paths)?;
            spec::check_cluster_keys(&topology::sources(&texts), desired, profile)?;
        }
    }
    let mut plan = diff::diff(desired, &live, &desired.policy, &ctx);
    plan.environment = topology.environment.clone();
    if !targets.is_empty() {
        plan.partial = Some(Partial {
            targets: targets.iter().map(ToString::to_string).collect(),
        });
    }
    plan.topology_sha256 = topology.digest.clone();
    Ok(plan)
}
