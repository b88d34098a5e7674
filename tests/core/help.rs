//! `--help` of topo and of every subcommand, through the real binary: one snapshot each, so
//! a change of help text is reviewed like code and the docs that quote it can be checked.

use std::process::Command;

use clap::CommandFactory;

/// Every subcommand, in the order `topo --help` lists them.
const SUBCOMMANDS: &[&str] = &[
    "plan",
    "apply",
    "show",
    "validate",
    "schema",
    "partition",
    "status",
    "import",
    "completions",
];

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_topo"))
        .args(args)
        .arg("--help")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("TOPO_ENV")
        .output()
        .expect("run topo");
    assert!(out.status.success(), "topo {args:?} --help: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8 help")
}

#[test]
fn every_subcommand_has_a_help_snapshot() {
    let names: Vec<String> = topo::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    assert_eq!(
        names, SUBCOMMANDS,
        "a new subcommand needs its help snapshot"
    );
    crate::snapshot!("help-topo", help(&[]));
    for sub in SUBCOMMANDS {
        crate::snapshot!(format!("help-{sub}"), help(&[sub]));
    }
}
