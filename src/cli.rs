//! Command-line surface: clap derive types only. Nothing else in the crate imports clap,
//! and nothing here does work; `commands` turns these values into actions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative reconciler for Apache Kafka and Kafka-compatible brokers.
///
/// topo reads a topology.toml (topics, dead-letter queues, consumer groups), compares it
/// with the live cluster and shows a plan; `topo apply` carries the plan out.
///
/// Exit codes: 0 success (and, with --detailed-exitcode, no changes), 1 error or refusal,
/// 2 changes or drift present (only with --detailed-exitcode), 130 or 143 when an apply
/// was interrupted by SIGINT or SIGTERM (after it reported what it had done).
#[derive(Debug, Parser)]
#[command(
    name = "topo",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Examples:
  topo validate                                 check topology.toml; no cluster contacted
  topo plan                                     what apply would change
  topo plan --out plan.json                     save the plan for review
  topo apply plan.json                          apply exactly the reviewed plan (refused if stale)
  topo show plan.json --format markdown         render the saved plan again; no cluster contacted
  topo plan --detailed-exitcode --format json   drift check: 0 in sync, 2 drift, 1 error
  topo partition tenant-42 --topic ingestion-events --all
  topo import --include 'orders-*' -o topology.toml
  topo plan --env prod                          another environment of the file (or TOPO_ENV=prod)
  topo plan --env all --format markdown         every environment, each from its own cluster
  topo plan --target topic:ingestion-events     one topic and its dead-letter topic (partial)
  topo plan -f topology/                        every *.toml of a directory as one topology

Bootstrap servers: --bootstrap-servers, else [cluster].bootstrap_servers in the file, else
KAFKA_BOOTSTRAP_SERVERS, else localhost:19092. Docs: docs/topology.md, docs/plan-format.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct FileArgs {
    /// Topology file, or a directory of them (every *.toml in it); repeatable. Several
    /// files make one topology (docs/environments.md).
    #[arg(
        short = 'f',
        long = "file",
        default_value = "topology.toml",
        value_name = "PATH"
    )]
    pub file: Vec<PathBuf>,
    /// Environment to use, from the file's [environments]; `all` plans every one.
    #[arg(long = "env", env = "TOPO_ENV", value_name = "NAME")]
    pub env: Option<String>,
}

/// `--target KIND:NAME`: restricts plan and apply to these resources and their
/// dependencies.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// Only this resource and what it depends on (topic:NAME, group:NAME; globs allowed;
    /// repeatable). The plan is marked partial.
    #[arg(long = "target", value_name = "KIND:NAME", value_parser = parse_target)]
    pub targets: Vec<crate::spec::Target>,
}

fn parse_target(text: &str) -> Result<crate::spec::Target, String> {
    text.parse()
}

#[derive(Debug, Args, Clone)]
pub struct ClusterArgs {
    /// Bootstrap servers; overrides `[cluster].bootstrap_servers` and KAFKA_BOOTSTRAP_SERVERS.
    #[arg(long, value_name = "HOST:PORT[,...]", global = true)]
    pub bootstrap_servers: Option<String>,
    /// How long a request may wait for the cluster; after a write, how long apply waits
    /// while the cluster shows no progress.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration, global = true)]
    pub timeout: std::time::Duration,
}

/// A positive duration of at most a day: longer is a typo (`10d` for `10s`), and librdkafka
/// counts its waits in 32-bit milliseconds (about 24 days).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if d.is_zero() {
        return Err("the timeout must be longer than zero".into());
    }
    if d > std::time::Duration::from_secs(86_400) {
        return Err("the timeout can be at most a day (24h)".into());
    }
    Ok(d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terraform-style text for terminals.
    Human,
    /// The versioned JSON document (what `topo apply plan.json` reads).
    Json,
    /// For pull-request comments.
    Markdown,
    /// Prometheus text exposition: one gauge per drift kind.
    Prometheus,
    /// One row per resource, then the totals.
    Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartitionerArg {
    Md5,
    Murmur2,
    Crc32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would change, without changing anything.
    ///
    /// Reads the live cluster (one metadata request, batched config reads), compares it with
    /// the topology and prints the plan. Refusals (fewer partitions, replication changes,
    /// moving the offsets of a group with members) fail the plan with exit 1; undeclared
    /// live topics are listed as orphans and left alone unless policy.delete_undeclared.
    Plan {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// The same as `--format summary`, kept for existing scripts.
        #[arg(long, hide = true, conflicts_with = "format")]
        summary: bool,
        /// Save the plan as JSON for `topo apply PLAN`.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Exit 0 when there is nothing to do, 2 when there are changes or drift, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also ask the broker to validate creates and config changes (validate_only).
        #[arg(long)]
        validate: bool,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Carry out the plan: create topics, change configs and partitions, commit group
    /// offsets, delete what policy allows.
    ///
    /// With a PLAN file (from `topo plan --out`), applies exactly that plan after checking
    /// the cluster has not changed since it was made.
    Apply {
        /// A saved plan to apply instead of computing a new one.
        #[arg(value_name = "PLAN")]
        plan: Option<PathBuf>,
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Render a saved plan (from `topo plan --out`) without contacting any cluster.
    ///
    /// Prints exactly what `topo plan` printed in the same format, so a CI job reads the
    /// cluster once and renders the plan as often as it needs. Always exits 0.
    Show {
        /// The saved plan.
        #[arg(value_name = "PLAN")]
        plan: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Check the topology file without contacting any cluster.
    Validate {
        #[command(flatten)]
        file: FileArgs,
        /// Treat a `${VAR}` that is not set as an error. Without it an unset variable is
        /// reported as not set here, so a checkout without the secrets can still validate.
        #[arg(long)]
        strict_env: bool,
    },
    /// Print the JSON Schema of topology.toml (for editor completion).
    Schema,
    /// Print the partition a key maps to.
    Partition {
        /// The message key, e.g. a tenant id.
        key: Option<String>,
        /// Use this declared topic's partitioner and live partition count.
        #[arg(long, conflicts_with = "partitions")]
        topic: Option<String>,
        /// The partition count keys map into today (required without --topic).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        partitions: Option<i32>,
        /// Hashing scheme (default: the topic's declared partitioner, else md5).
        #[arg(long, value_enum, ignore_case = true)]
        partitioner: Option<PartitionerArg>,
        /// Show every partitioner side by side.
        #[arg(long)]
        all: bool,
        /// Count how many keys of this file (one per line) move when the partition count
        /// changes to --to-partitions.
        #[arg(long, value_name = "FILE")]
        keys: Option<PathBuf>,
        /// The new partition count for --keys, compared with --partitions or the topic's live
        /// count. `--to` is the older spelling.
        #[arg(
            long = "to-partitions",
            alias = "to",
            value_name = "M",
            allow_negative_numbers = true
        )]
        to: Option<i32>,
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
    /// Table of declared topics and groups: partitions, retention, lag, DLQ message counts.
    Status {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
    /// Write a topology.toml describing an existing cluster.
    Import {
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Take `[cluster]` settings (bootstrap servers, TLS/SASL client properties) from
        /// this topology file, e.g. a small file holding only `[cluster]`.
        #[arg(short = 'f', long = "file", value_name = "PATH")]
        file: Option<PathBuf>,
        /// Only topics matching this glob (repeatable).
        #[arg(long, value_name = "PATTERN")]
        include: Vec<String>,
        /// Skip topics matching this glob (repeatable).
        #[arg(long, value_name = "PATTERN")]
        exclude: Vec<String>,
        /// Write here instead of standard output (`--output` is accepted too).
        #[arg(short = 'o', long = "out", alias = "output", value_name = "PATH")]
        output: Option<PathBuf>,
        /// Describe the cluster as environment NAME of the -f file: append how it differs
        /// as an [environments.NAME] section (to the file itself unless -o is given).
        #[arg(long = "env", value_name = "NAME", requires = "file")]
        env: Option<String>,
    },
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// Shell completion script for `topo`.
pub(crate) fn completions(shell: Shell) -> String {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut cmd, "topo", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub(crate) fn to_partitioner(p: PartitionerArg) -> crate::partition::Partitioner {
    match p {
        PartitionerArg::Md5 => crate::partition::Partitioner::Md5,
        PartitionerArg::Murmur2 => crate::partition::Partitioner::Murmur2,
        PartitionerArg::Crc32 => crate::partition::Partitioner::Crc32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_positive_timeout_up_to_a_day_is_accepted() {
        assert_eq!(
            parse_duration("250ms"),
            Ok(std::time::Duration::from_millis(250))
        );
        assert_eq!(
            parse_duration("10min"),
            Ok(std::time::Duration::from_secs(600))
        );
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("2days").is_err());
    }

    #[test]
    fn the_new_partition_count_takes_its_old_spelling_too() {
        for flag in ["--to-partitions", "--to"] {
            let cli = Cli::try_parse_from([
                "topo",
                "partition",
                "--partitions",
                "6",
                "--keys",
                "keys.txt",
                flag,
                "8",
            ]);
            match cli.map(|c| c.command) {
                Ok(Command::Partition { partitions, to, .. }) => {
                    assert_eq!((partitions, to), (Some(6), Some(8)), "{flag}")
                }
                other => panic!("{flag}: {other:?}"),
            }
        }
    }
}
