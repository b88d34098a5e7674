//! The Kafka broker the integration tests talk to: `TOPO_TEST_BOOTSTRAP` when set
//! (as `scripts/test` does), otherwise the local broker of `scripts/kafka-dev` for the
//! flavour `TOPO_TEST_FLAVOUR` (default `kafka-4.4`), started at most once per test process.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// Set once the local broker has been started by this test process.
static STARTED: OnceLock<String> = OnceLock::new();

/// Bootstrap address (`host:port`) of the broker for the integration tests.
///
/// Without `TOPO_TEST_BOOTSTRAP`, runs `scripts/kafka-dev start` on first use
/// (a no-op when that broker already runs) and panics with the script's output
/// if the broker cannot be started.
pub fn bootstrap() -> String {
    if let Some(addr) = std::env::var("TOPO_TEST_BOOTSTRAP")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return addr;
    }
    STARTED.get_or_init(start_local_broker).clone()
}

fn start_local_broker() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join("kafka-dev");
    let output = Command::new("bash")
        .arg(&script)
        .arg(crate::support::flavour())
        .arg("start")
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "`{} start` failed ({}); set TOPO_TEST_BOOTSTRAP=host:port to use a broker \
         that is already running.\n--- stdout ---\n{}\n--- stderr ---\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    let output = Command::new("bash")
        .arg(&script)
        .arg(crate::support::flavour())
        .arg("bootstrap")
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", script.display()));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Set once the second local broker has been started by this test process.
static SECOND: OnceLock<String> = OnceLock::new();

/// Bootstrap address of a second, separate broker, for environments planned against two
/// clusters: `TOPO_TEST_BOOTSTRAP_2` when set (as `scripts/test` does), otherwise a
/// second `scripts/kafka-dev` broker on TOPO_KAFKA_PORT+40 with its own data directory.
pub fn second_bootstrap() -> String {
    if let Some(addr) = std::env::var("TOPO_TEST_BOOTSTRAP_2")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return addr;
    }
    SECOND.get_or_init(start_second_broker).clone()
}

fn start_second_broker() -> String {
    let base: u32 = std::env::var("TOPO_KAFKA_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(19092);
    // The second broker's port base is the first's +40; kafka-dev adds nothing for 4.4.
    let port = (base + 40).to_string();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("scripts").join("kafka-dev");
    let output = Command::new("bash")
        .arg(&script)
        .arg("kafka-4.4")
        .arg("start")
        .env("TOPO_KAFKA_PORT", &port)
        .env("TOPO_KAFKA_DATA", root.join(".kafka-dev-2"))
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "second broker: `{} start` on port {port} failed ({}); set TOPO_TEST_BOOTSTRAP_2 \
         to use a broker that is already running.\n--- stdout ---\n{}\n--- stderr ---\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    format!("127.0.0.1:{port}")
}
