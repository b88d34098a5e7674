//! The topology files a command works on: `-f` files and directories (every `*.toml`
//! directly inside, sorted), read from disk and handed to `spec` with the environment
//! selected by `--env` / TOPO_ENV. Warnings are printed here; errors are returned.

use std::path::{Path, PathBuf};

use super::session;
use crate::cli::FileArgs;
use crate::error::Error;
use crate::model::DesiredState;
use crate::spec::{self, SourceFile};

/// `--env all`: every environment at once (plan and validate only).
pub(super) const ALL: &str = "all";

/// A loaded topology and what the plan says about where it came from.
#[derive(Debug, Clone)]
pub struct Topology {
    pub desired: DesiredState,
    pub environment: Option<String>,
    /// How the files were named on the command line, for plan headers.
    pub name: String,
    /// Where relative `keys_file` paths start: the directory of the (first) file.
    pub dir: PathBuf,
    /// The files read, for locating problems found later against the cluster.
    pub paths: Vec<PathBuf>,
    /// SHA-256 over the files' names and bytes, in order: what a saved plan records.
    pub digest: String,
}

/// The files named by `-f`, directories expanded, each file once.
pub(super) fn paths(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out: Vec<PathBuf> = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let entries = std::fs::read_dir(arg).map_err(|source| Error::Read {
                path: arg.clone(),
                source,
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
                .collect();
            if files.is_empty() {
                return Err(Error::Usage(format!(
                    "{} holds no *.toml file",
                    arg.display()
                )));
            }
            files.sort();
            for f in files {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        } else if !out.contains(arg) {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

/// The files as the user named them: `topology.toml`, `teams/`, `a.toml + b.toml`.
pub(super) fn display_name(args: &[PathBuf]) -> String {
    args.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Every file's text, each read with the topology size limit; bytes that are not UTF-8
/// are a located error.
pub(crate) fn read_all(paths: &[PathBuf]) -> Result<Vec<(String, String)>, Error> {
    paths
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            let bytes = crate::files::read_limited(p, crate::files::TOPOLOGY_LIMIT)?;
            let text = spec::utf8_text(&name, bytes)?;
            Ok((name, text))
        })
        .collect()
}

/// The digest a saved plan records: one file is the SHA-256 of its bytes; several are
/// hashed with their names, so moving content between files changes it too.
fn digest(texts: &[(String, String)]) -> String {
    match texts {
        [(_, text)] => crate::plan::seal::file_digest(text.as_bytes()),
        _ => {
            let mut all = Vec::new();
            for (name, text) in texts {
                all.extend_from_slice(format!("{}\n{}\n", name, text.len()).as_bytes());
                all.extend_from_slice(text.as_bytes());
            }
            crate::plan::seal::file_digest(&all)
        }
    }
}

pub(crate) fn sources(texts: &[(String, String)]) -> Vec<SourceFile<'_>> {
    texts
        .iter()
        .map(|(name, text)| SourceFile { name, text })
        .collect()
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Loads the topology in the environment `--env` / TOPO_ENV selects (else the files'
/// `default_environment`).
pub(super) fn load(file: &FileArgs) -> Result<Topology, Error> {
    if file.env.as_deref() == Some(ALL) {
        return Err(Error::Usage(
            "--env all works with `topo plan` and `topo validate`; other commands take one \
             environment"
                .into(),
        ));
    }
    load_env(file, file.env.as_deref())
}

/// Loads the topology in one given environment (or the default with `None`).
pub(super) fn load_env(file: &FileArgs, env: Option<&str>) -> Result<Topology, Error> {
    let paths = paths(&file.file)?;
    let texts = read_all(&paths)?;
    let digest = digest(&texts);
    let loaded = spec::load_files(&sources(&texts), &process_env, env);
    drop(texts);
    session::release_free_heap();
    let loaded = loaded?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(Topology {
        desired: loaded.desired,
        environment: loaded.environment,
        name: display_name(&file.file),
        dir: paths
            .first()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        paths,
        digest,
    })
}

/// Checks the topology in one environment, as [`validate`] does for all.
pub(super) fn validate_env(
    file: &FileArgs,
    env: &str,
    strict_env: bool,
) -> Result<DesiredState, Error> {
    let texts = read_all(&paths(&file.file)?)?;
    let loaded = spec::validate_one(&sources(&texts), &process_env, env, strict_env)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded.desired)
}

/// Every environment the files declare, sorted; empty when they declare none.
pub(super) fn environments(file: &FileArgs) -> Result<Vec<String>, Error> {
    let texts = read_all(&paths(&file.file)?)?;
    Ok(spec::environment_names(&sources(&texts), &process_env))
}

/// Checks the topology in every environment; warnings (an unset `${VAR}` among them, unless
/// `strict_env`) are printed.
pub(super) fn validate(file: &FileArgs, strict_env: bool) -> Result<spec::Validated, Error> {
    let texts = read_all(&paths(&file.file)?)?;
    let validated = spec::validate_all(&sources(&texts), &process_env, strict_env)?;
    for w in &validated.warnings {
        eprintln!("{w}");
    }
    Ok(validated)
}

/// One file, as the base of `topo import --env`: its text, whether it declares
/// environments, and its desired state without any environment applied.
pub(super) fn load_base(path: &Path) -> Result<(String, bool, DesiredState), Error> {
    let texts = read_all(&[path.to_path_buf()])?;
    let files = sources(&texts);
    let has_environments = !spec::environment_names(&files, &process_env).is_empty();
    let loaded = spec::load_base(&files, &process_env)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let text = texts.into_iter().next().map(|(_, t)| t).unwrap_or_default();
    Ok((text, has_environments, loaded.desired))
}
