//! Environments, composition of several files and targeted plans, on the pure core: what
//! each environment expands to, the located errors of overrides and of files stepping on
//! each other's names, and how a partial plan says it is partial.

use std::collections::BTreeMap;

use topo::diff::{diff, DiffContext};
use topo::model::{DesiredState, LiveState, LiveTopic, ScopePattern};
use topo::plan::Partial;
use topo::render::{self, HumanOptions};
use topo::spec::{self, SourceFile, Target};

const SEED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/topology.toml"));

fn no_env(_: &str) -> Option<String> {
    None
}

fn one(name: &'static str, text: &'static str) -> Vec<SourceFile<'static>> {
    vec![SourceFile { name, text }]
}

fn load(files: &[SourceFile<'_>], env: Option<&str>) -> DesiredState {
    match spec::load_files(files, &no_env, env) {
        Ok(l) => l.desired,
        Err(d) => panic!("expected the topology to load:\n{d}"),
    }
}

fn errors(files: &[SourceFile<'_>], env: Option<&str>) -> String {
    match spec::load_files(files, &no_env, env) {
        Ok(l) => panic!("expected errors, loaded {:?}", l.desired),
        Err(d) => d.to_string(),
    }
}

/// The repository's file as it was before environments: everything above them.
fn seed_without_environments() -> String {
    let cut = SEED
        .find("# The base file above is dev")
        .expect("the environments section of topology.toml");
    SEED[..cut]
        .lines()
        .filter(|l| !l.starts_with("default_environment"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_repository_topology_plans_as_before_in_dev() {
    let before = seed_without_environments();
    let before = match spec::load("topology.toml", &before, &no_env) {
        Ok(l) => l.desired,
        Err(d) => panic!("{d}"),
    };
    let files = one("topology.toml", SEED);
    let by_default = spec::load_files(&files, &no_env, None).unwrap();
    assert_eq!(by_default.environment.as_deref(), Some("dev"));
    assert!(by_default.warnings.is_empty(), "{:?}", by_default.warnings);
    assert_eq!(by_default.desired, before);
    assert_eq!(load(&files, Some("dev")), before);
}

#[test]
fn the_repository_topology_in_prod_has_three_replicas_and_two_in_sync() {
    let files = one("topology.toml", SEED);
    let prod = load(&files, Some("prod"));
    assert_eq!(
        prod.cluster.bootstrap_servers.as_deref(),
        Some("localhost:19132")
    );
    assert_eq!(prod.topics.len(), 2);
    for t in prod.topics.values() {
        assert_eq!(t.replication_factor, 3, "{}", t.name);
        assert_eq!(
            t.config[&"min.insync.replicas".to_string()],
            "2",
            "{}",
            t.name
        );
    }
    let dev = load(&files, Some("dev"));
    assert_eq!(dev.groups, prod.groups);
    assert_eq!(
        spec::environment_names(&files, &no_env),
        vec!["dev".to_string(), "prod".to_string()]
    );
}

const THREE: &str = r#"default_environment = "dev"

[cluster]
bootstrap_servers = "localhost:19092"

[defaults]
partitions = 3
replication_factor = 1
config = { "retention.ms" = "1d" }

[topics.orders]
config = { "cleanup.policy" = "delete" }
dlq = { partitions = 1 }

[topics.payments]
partitions = 6

[groups.billing]
topics = ["orders"]
lag_budget = 100

[environments.dev]

[environments.staging.cluster]
bootstrap_servers = "localhost:29092"
client = { "client.id" = "topo-staging" }

[environments.staging.topics.orders]
partitions = 6

[environments.prod.cluster]
bootstrap_servers = "localhost:39092"

[environments.prod.defaults]
replication_factor = 3
config = { "retention.ms" = "7d", "min.insync.replicas" = 2 }

[environments.prod.topics.orders]
partitions = 12
dlq = { partitions = 3, config = { "retention.ms" = "30d" } }

[environments.prod.topics.payments]
config = { "retention.ms" = "90d" }

[environments.prod.groups.billing]
lag_budget = 10000
"#;

#[test]
fn environment_overrides_expand_per_environment() {
    let files = one("topology.toml", THREE);
    let mut all = BTreeMap::new();
    for env in ["dev", "staging", "prod"] {
        all.insert(env, load(&files, Some(env)));
    }
    crate::snapshot!("env-overrides", serde_json::to_string_pretty(&all).unwrap());
    let prod = &all["prod"];
    // The environment's own topic setting beats everything; its [defaults] fill in what
    // the base topic does not set itself.
    assert_eq!(prod.topics["orders"].partitions, 12);
    assert_eq!(prod.topics["orders-dlq"].partitions, 3);
    assert_eq!(
        prod.topics["orders-dlq"].config[&"retention.ms".to_string()],
        "2592000000"
    );
    assert_eq!(prod.topics["payments"].partitions, 6);
    assert_eq!(
        prod.topics["payments"].config[&"retention.ms".to_string()],
        "7776000000"
    );
    assert_eq!(
        prod.topics["orders"].config[&"retention.ms".to_string()],
        "604800000"
    );
    assert_eq!(prod.groups["billing"].lag_budget, Some(10000));
    let staging = &all["staging"];
    assert_eq!(staging.topics["orders"].partitions, 6);
    assert_eq!(staging.topics["orders-dlq"].partitions, 1);
    assert_eq!(
        staging.cluster.client[&"client.id".to_string()],
        "topo-staging"
    );
    assert_eq!(all["dev"].topics["orders"].partitions, 3);
}

#[test]
fn environments_without_a_selection_are_an_error_listing_them() {
    let text = THREE.replace("default_environment = \"dev\"\n", "");
    let text: &'static str = Box::leak(text.into_boxed_str());
    let files = one("topology.toml", text);
    let out = errors(&files, None);
    assert!(out.contains("`dev`, `prod`, `staging`"), "{out}");
    crate::snapshot!("env-no-selection", out);
    crate::snapshot!("env-unknown-selection", errors(&files, Some("qa")));
}

const BAD_OVERRIDES: &str = r#"default_environment = "dev"

[defaults]
partitions = 3
replication_factor = 1

[topics.orders]

[groups.billing]
topics = ["orders"]

[environments.dev]

[environments.prod.defaults]
config = { "min.insync.replicas" = 2 }

[environments.prod.topics.ordres]
partitions = 12

[environments.prod.topics.orders]
partitons = 12
config = { "retention.ms" = "a week" }

[environments.prod.groups.billing]
topics = ["payments"]
lag_budget = -1

[environments.prod.cluster]
bootstrap_servers = ""
"#;

#[test]
fn overrides_are_validated_at_their_lines_in_every_environment() {
    let files = one("topology.toml", BAD_OVERRIDES);
    let out = match spec::validate_all(&files, &no_env, true) {
        Ok(v) => panic!("expected errors, got {:?}", v.environments),
        Err(d) => d.to_string(),
    };
    // The replication check fails in prod only, at the line of the prod default.
    assert!(
        out.contains("topology.toml:15:36: error: `min.insync.replicas` is 2"),
        "{out}"
    );
    assert!(out.contains("(in environment `prod`)"), "{out}");
    crate::snapshot!("env-override-errors", out);
}

#[test]
fn validate_all_loads_every_environment() {
    let files = one("topology.toml", THREE);
    let v = spec::validate_all(&files, &no_env, true).unwrap();
    let names: Vec<Option<String>> = v.environments.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        names,
        vec![
            Some("dev".to_string()),
            Some("prod".to_string()),
            Some("staging".to_string())
        ]
    );
}

const PLATFORM: &str = r#"[cluster]
bootstrap_servers = "localhost:19092"

[defaults]
partitions = 3
replication_factor = 1

[policy]
delete_undeclared = true
"#;

const TEAM_A: &str = r#"[scope]
owner = "team-a"
prefixes = ["team-a."]

[defaults]
partitions = 3
replication_factor = 1

[topics."team-a.orders"]
dlq = true

[groups."team-a.billing"]
topics = ["team-a.orders", "team-b.clicks"]
"#;

const TEAM_B: &str = r#"[scope]
owner = "team-b"
prefixes = ["team-b."]

[defaults]
partitions = 1
replication_factor = 1

[topics."team-b.clicks"]

[topics."team-a.orders"]
partitions = 12

[topics."team-a.payments"]
"#;

fn team_files(b: &'static str) -> Vec<SourceFile<'static>> {
    vec![
        SourceFile {
            name: "teams/a.toml",
            text: TEAM_A,
        },
        SourceFile {
            name: "teams/b.toml",
            text: b,
        },
        SourceFile {
            name: "teams/platform.toml",
            text: PLATFORM,
        },
    ]
}

#[test]
fn a_team_declaring_a_name_in_another_teams_scope_is_a_located_error() {
    let out = errors(&team_files(TEAM_B), None);
    assert!(out.contains("teams/b.toml:11:9: error"), "{out}");
    assert!(out.contains("teams/a.toml:9"), "{out}");
    crate::snapshot!("compose-foreign-scope", out);
}

#[test]
fn a_name_in_two_files_is_a_located_error_naming_both() {
    let a_copy = "[topics.\"shared\"]\npartitions = 1\nreplication_factor = 1\n";
    let b_copy = "\n\n[topics.\"shared\"]\npartitions = 2\nreplication_factor = 1\n";
    let files = vec![
        SourceFile {
            name: "one.toml",
            text: a_copy,
        },
        SourceFile {
            name: "two.toml",
            text: b_copy,
        },
    ];
    let out = errors(&files, None);
    assert!(
        out.contains("two.toml:3:9: error: topic `shared` is declared in two files: one.toml:1 and two.toml:3"),
        "{out}"
    );
    crate::snapshot!("compose-declared-twice", out);
}

#[test]
fn composed_files_keep_provenance_and_delete_only_in_opted_in_scopes() {
    let b = TEAM_B.split("\n[topics.\"team-a.orders\"]").next().unwrap();
    let loaded = spec::load_files(&team_files(b), &no_env, None).unwrap();
    // The group of team A reads team B's topic: no "not declared" warning across files.
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let desired = loaded.desired;
    assert_eq!(
        desired.cluster.bootstrap_servers.as_deref(),
        Some("localhost:19092")
    );
    let origin = &desired.origins.topics["team-a.orders-dlq"];
    assert_eq!(
        (origin.file.as_str(), origin.line, origin.owner.as_deref()),
        ("teams/a.toml", 10, Some("team-a"))
    );
    assert_eq!(desired.origins.topics["team-b.clicks"].file, "teams/b.toml");
    assert_eq!(
        desired.policy.manage,
        vec![
            ScopePattern::Prefix("team-a.".into()),
            ScopePattern::Prefix("team-b.".into())
        ]
    );
    // The platform file opted in to deletes, but owns no scope: nothing may be deleted.
    assert!(desired.policy.delete_undeclared);
    assert!(!desired.policy.may_delete("team-a.old"));
    assert!(!desired.policy.may_delete("team-b.old"));

    // Team B opting in deletes inside team B's scope only.
    let b = b.replace(
        "[defaults]",
        "[policy]\ndelete_undeclared = true\n\n[defaults]",
    );
    let b: &'static str = Box::leak(b.into_boxed_str());
    let desired = load(&team_files(b), None);
    assert!(desired.policy.may_delete("team-b.old"));
    assert!(!desired.policy.may_delete("team-a.old"));
    assert!(!desired.policy.may_delete("elsewhere"));

    let mut live = LiveState {
        bootstrap: "localhost:19092".into(),
        brokers: 1,
        ..LiveState::default()
    };
    for (name, partitions) in [("team-a.old", 1), ("team-b.old", 1), ("team-b.clicks", 1)] {
        live.topics.insert(
            name.to_string(),
            LiveTopic {
                name: name.to_string(),
                partitions,
                replication_factor: 1,
                config: Some(BTreeMap::new()),
            },
        );
    }
    let ctx = DiffContext {
        topology: "teams/".into(),
        ..DiffContext::default()
    };
    let plan = diff(&desired, &live, &desired.policy, &ctx);
    crate::snapshot!("compose-plan-json", render::json(&plan));
    crate::snapshot!(
        "compose-plan-human",
        render::human(
            &plan,
            &HumanOptions {
                color: false,
                next_step: true
            }
        )
    );
    crate::snapshot!("compose-plan-markdown", render::markdown(&plan));
}

const PLATFORM_ENVS: &str = r#"default_environment = "dev"

[cluster]
bootstrap_servers = "localhost:19092"

[environments.dev]

[environments.prod.cluster]
bootstrap_servers = "localhost:19132"
"#;

const TEAM_ENVS: &str = r#"[scope]
prefixes = ["orders."]

[defaults]
partitions = 3
replication_factor = 1

[topics."orders.created"]

[environments.prod.defaults]
replication_factor = 3

[environments.prod.topics."orders.created"]
partitions = 12
"#;

#[test]
fn environments_span_the_files_of_a_composed_topology() {
    let files = vec![
        SourceFile {
            name: "topology/orders.toml",
            text: TEAM_ENVS,
        },
        SourceFile {
            name: "topology/platform.toml",
            text: PLATFORM_ENVS,
        },
    ];
    // The default comes from the platform file and applies to the team file too.
    let dev = spec::load_files(&files, &no_env, None).unwrap();
    assert_eq!(dev.environment.as_deref(), Some("dev"));
    assert_eq!(dev.desired.topics["orders.created"].partitions, 3);
    let prod = load(&files, Some("prod"));
    assert_eq!(
        prod.cluster.bootstrap_servers.as_deref(),
        Some("localhost:19132")
    );
    let t = &prod.topics["orders.created"];
    assert_eq!((t.partitions, t.replication_factor), (12, 3));
    assert_eq!(
        spec::environment_names(&files, &no_env),
        ["dev".to_string(), "prod".to_string()]
    );
}

#[test]
fn a_cluster_in_two_files_is_an_error_naming_the_first() {
    let files = vec![
        SourceFile {
            name: "a.toml",
            text: "[cluster]\nbootstrap_servers = \"localhost:19092\"\n",
        },
        SourceFile {
            name: "b.toml",
            text: "\n[cluster]\nbootstrap_servers = \"localhost:29092\"\n",
        },
    ];
    let out = errors(&files, None);
    assert!(
        out.contains("b.toml:2:2: error: [cluster] is already declared in a.toml:1"),
        "{out}"
    );
}

#[test]
fn targets_take_their_dependencies_along() {
    let files = one("topology.toml", THREE);
    let desired = load(&files, Some("dev"));
    let targets: Vec<Target> = vec!["topic:ord*".parse().unwrap()];
    let cut = spec::restrict(&desired, &targets).unwrap();
    let names: Vec<&str> = cut.topics.keys().map(String::as_str).collect();
    assert_eq!(names, ["orders", "orders-dlq"]);
    assert!(cut.groups.is_empty());
    assert!(cut.policy.manage.is_empty() && !cut.policy.delete_undeclared);

    let cut = spec::restrict(&desired, &["group:billing".parse().unwrap()]).unwrap();
    let names: Vec<&str> = cut.topics.keys().map(String::as_str).collect();
    assert_eq!(names, ["orders", "orders-dlq"]);
    assert_eq!(cut.groups.len(), 1);

    let e = spec::restrict(&desired, &["topic:paymnets".parse().unwrap()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--target topic:paymnets matches no declared topic; did you mean `payments`?"
    );
    assert!("queue:x".parse::<Target>().is_err());
}

#[test]
fn a_partial_plan_says_so_in_every_rendering() {
    let files = one("topology.toml", THREE);
    let desired = load(&files, Some("prod"));
    let targets: Vec<Target> = vec!["topic:orders".parse().unwrap()];
    let cut = spec::restrict(&desired, &targets).unwrap();
    let live = LiveState {
        bootstrap: "localhost:39092".into(),
        brokers: 3,
        ..LiveState::default()
    };
    let ctx = DiffContext {
        topology: "topology.toml".into(),
        ..DiffContext::default()
    };
    let mut plan = diff(&cut, &live, &cut.policy, &ctx);
    plan.environment = Some("prod".into());
    plan.partial = Some(Partial {
        targets: targets.iter().map(ToString::to_string).collect(),
    });
    let json = render::json(&plan);
    assert!(json.contains("\"partial\""), "{json}");
    let human = render::human(
        &plan,
        &HumanOptions {
            color: false,
            next_step: true,
        },
    );
    assert!(human.contains("PARTIAL PLAN"), "{human}");
    let markdown = render::markdown(&plan);
    assert!(markdown.contains("PARTIAL PLAN"), "{markdown}");
    crate::snapshot!("partial-plan-json", json);
    crate::snapshot!("partial-plan-human", human);
    crate::snapshot!("partial-plan-markdown", markdown);
}
