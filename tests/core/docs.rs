//! Docs that quote topo's output are pinned to it: the README's sample plan is what
//! `topo plan` prints for the bundled topology.toml on an empty cluster, kept as a snapshot
//! that the README must quote exactly.

use topo::diff::{diff, DiffContext};
use topo::model::LiveState;
use topo::render::{self, HumanOptions};

const SEED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/topology.toml"));
const MARKER: &str = "<!-- sample plan: snapshots/core/readme-sample-plan.snap -->";

#[test]
fn readme_sample_plan_is_the_bundled_topology_planned_on_an_empty_cluster() {
    let loaded = match topo::spec::load("topology.toml", SEED, &|_| None) {
        Ok(l) => l,
        Err(d) => panic!("{d}"),
    };
    let desired = loaded.desired;
    let live = LiveState {
        bootstrap: "127.0.0.1:19092".into(),
        brokers: 1,
        ..LiveState::default()
    };
    let ctx = DiffContext {
        topology: "topology.toml".into(),
        ..DiffContext::default()
    };
    let mut plan = diff(&desired, &live, &desired.policy, &ctx);
    // As the shell records it (commands::session).
    plan.environment = loaded.environment;
    let text = render::human(
        &plan,
        &HumanOptions {
            color: false,
            next_step: true,
        },
    );
    crate::snapshot!("readme-sample-plan", text.clone());

    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let quoted = readme
        .split_once(MARKER)
        .and_then(|(_, rest)| rest.trim_start().strip_prefix("```\n"))
        .and_then(|rest| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("README.md has no fenced block after {MARKER}"));
    assert_eq!(
        quoted,
        text.trim_end(),
        "README.md's sample plan differs from what topo prints (snapshots/core/readme-sample-plan.snap)"
    );
}

/// Every long flag of `topo` and its subcommands, aliases included.
fn topo_flags() -> std::collections::BTreeSet<String> {
    use clap::CommandFactory;
    fn collect(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for arg in cmd.get_arguments() {
            out.extend(arg.get_long().map(str::to_string));
            out.extend(
                arg.get_all_aliases()
                    .into_iter()
                    .flatten()
                    .map(str::to_string),
            );
        }
        for sub in cmd.get_subcommands() {
            collect(sub, out);
        }
    }
    let mut flags = std::collections::BTreeSet::from(["help".to_string(), "version".to_string()]);
    collect(&topo::cli::Cli::command(), &mut flags);
    flags
}

/// The `--flags` of every `topo ...` command line quoted in the README and docs/ (up to the
/// end of the code span, a pipe, a redirection or a comment).
#[test]
fn every_topo_flag_the_docs_mention_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let flags = topo_flags();
    let mut unknown = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (start, _) in line.match_indices("topo ") {
                let command = line[start..]
                    .split(['`', '|', '>', '#', ';', ')'])
                    .next()
                    .unwrap_or_default();
                for word in command.split_whitespace().filter(|w| w.starts_with("--")) {
                    let name = word
                        .trim_start_matches("--")
                        .split(['=', ',', '.', ':', '"', '\''])
                        .next()
                        .unwrap_or_default();
                    if !name.is_empty() && !flags.contains(name) {
                        unknown.push(format!("{}:{}: --{name}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "flags topo does not have:\n{}",
        unknown.join("\n")
    );
}
