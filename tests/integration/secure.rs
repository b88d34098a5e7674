//! Secured clusters, against the broker of `scripts/kafka-secure`: the auth matrix (plan →
//! apply → clean re-plan over every listener), authentication and authorization failures,
//! ACLs declared in the file enforced on real clients, drift of ACLs, SCRAM users.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::Message;

use crate::support::{has, runtime, unique, Need, Run, Workspace};

/// What `scripts/kafka-secure env` prints: listeners, CA and client certificate, the admin
/// and the ACL-less principal's passwords.
fn secure_env() -> &'static BTreeMap<String, String> {
    static ENV: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let text = match std::env::var("TOPO_TEST_SECURE_ENV") {
            Ok(path) => std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("TOPO_TEST_SECURE_ENV={path}: {e}")),
            Err(_) => {
                let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka-secure");
                let start = Command::new(&script)
                    .arg("start")
                    .output()
                    .expect("run kafka-secure");
                assert!(
                    start.status.success(),
                    "scripts/kafka-secure start failed:\n{}{}",
                    String::from_utf8_lossy(&start.stdout),
                    String::from_utf8_lossy(&start.stderr)
                );
                let env = Command::new(&script)
                    .arg("env")
                    .output()
                    .expect("run kafka-secure");
                assert!(env.status.success(), "scripts/kafka-secure env failed");
                String::from_utf8_lossy(&env.stdout).into_owned()
            }
        };
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

fn var(name: &str) -> String {
    secure_env()
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("scripts/kafka-secure env gave no {name}"))
}

#[derive(Debug, Clone, Copy)]
enum Listener {
    ScramSha256,
    ScramSha512,
    Plain,
    SaslSsl,
    Ssl,
    Mtls,
    OAuthBearer,
}

/// librdkafka properties to reach `listener` as `user` (with password variable `pw_var`).
fn client(listener: Listener, user: &str, pw_var: &str) -> (String, Vec<(String, String)>) {
    let sasl = |mechanism: &str| {
        vec![
            ("sasl.mechanism".to_string(), mechanism.to_string()),
            ("sasl.username".to_string(), user.to_string()),
            ("sasl.password".to_string(), format!("${{{pw_var}}}")),
        ]
    };
    let ca = ("ssl.ca.location".to_string(), var("TOPO_SECURE_CA"));
    let protocol = |p: &str| ("security.protocol".to_string(), p.to_string());
    match listener {
        Listener::ScramSha256 | Listener::ScramSha512 | Listener::Plain => {
            let mechanism = match listener {
                Listener::ScramSha256 => "SCRAM-SHA-256",
                Listener::ScramSha512 => "SCRAM-SHA-512",
                _ => "PLAIN",
            };
            let mut props = vec![protocol("SASL_PLAINTEXT")];
            props.extend(sasl(mechanism));
            (var("TOPO_SECURE_SASL_PLAINTEXT"), props)
        }
        Listener::SaslSsl => {
            let mut props = vec![protocol("SASL_SSL"), ca];
            props.extend(sasl("SCRAM-SHA-512"));
            (var("TOPO_SECURE_SASL_SSL"), props)
        }
        Listener::Ssl => (var("TOPO_SECURE_SSL"), vec![protocol("SSL"), ca]),
        Listener::Mtls => (
            var("TOPO_SECURE_MTLS"),
            vec![
                protocol("SSL"),
                ca,
                (
                    "ssl.certificate.location".into(),
                    var("TOPO_SECURE_CLIENT_CERT"),
                ),
                ("ssl.key.location".into(), var("TOPO_SECURE_CLIENT_KEY")),
            ],
        ),
        Listener::OAuthBearer => (
            var("TOPO_SECURE_OAUTHBEARER"),
            vec![
                protocol("SASL_PLAINTEXT"),
                ("sasl.mechanism".into(), "OAUTHBEARER".into()),
                ("enable.sasl.oauthbearer.unsecure.jwt".into(), "true".into()),
                (
                    "sasl.oauthbearer.config".into(),
                    format!("principal={user}"),
                ),
            ],
        ),
    }
}

/// A `[cluster]` section reaching `listener` as `user`.
fn cluster_section(listener: Listener, user: &str, pw_var: &str) -> String {
    let (bootstrap, props) = client(listener, user, pw_var);
    let mut out = format!("[cluster]\nbootstrap_servers = \"{bootstrap}\"\n\n[cluster.client]\n");
    for (k, v) in props {
        out.push_str(&format!("\"{k}\" = \"{v}\"\n"));
    }
    out.push('\n');
    out
}

/// A workspace whose topology reaches the secured broker as the admin.
fn admin_workspace(listener: Listener, body: &str) -> Workspace {
    let mut ws = Workspace::new(&format!(
        "{}{body}",
        cluster_section(listener, "admin", "ADMIN_PW")
    ));
    ws.env
        .insert("ADMIN_PW".into(), var("TOPO_SECURE_ADMIN_PASSWORD"));
    ws
}

/// Runs topo with the workspace's environment and no bootstrap override, killing it if it
/// has not finished by `limit` (`None`: it hung). A hang detector, not a speed check.
fn topo(ws: &Workspace, args: &[&str], limit: Duration) -> Option<Run> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_topo"));
    cmd.args(args)
        .current_dir(ws.dir.path())
        .env("NO_COLOR", "1")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &ws.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn topo");
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Output with every run of whitespace as one space, so checks do not depend on alignment.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn run(ws: &Workspace, args: &[&str]) -> Run {
    topo(ws, args, Duration::from_secs(120))
        .unwrap_or_else(|| panic!("topo {} hung", args.join(" ")))
}

/// plan (changes, exit 2) → apply → plan (clean, exit 0) over one listener.
fn auth_matrix(listener: Listener) {
    // `tls-`: the prefix the SSL listener's anonymous clients may manage.
    let topic = format!("tls-{}", unique("matrix"));
    let ws = admin_workspace(
        listener,
        &format!(
            "[topics.\"{topic}\"]\npartitions = 2\nreplication_factor = 1\n\
             config = {{ \"retention.ms\" = \"1d\" }}\n"
        ),
    );
    let first = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(first.code, 2, "{listener:?}: {first:?}");
    assert!(
        first.stdout.contains(&format!("+ topic \"{topic}\"")),
        "{first:?}"
    );
    let apply = run(&ws, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{listener:?}: {apply:?}");
    assert!(
        apply.stdout.contains("Apply complete: 1 created"),
        "{apply:?}"
    );
    let again = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{listener:?}: {again:?}");
    assert!(again.stdout.contains("No changes."), "{again:?}");
    println!("auth matrix {listener:?}: plan → apply → clean re-plan");
}

#[test]
fn auth_matrix_sasl_plaintext_scram_sha_256() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::ScramSha256);
}

#[test]
fn auth_matrix_sasl_plaintext_scram_sha_512() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::ScramSha512);
}

#[test]
fn auth_matrix_sasl_plaintext_plain() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::Plain);
}

#[test]
fn auth_matrix_sasl_ssl_scram_sha_512() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::SaslSsl);
}

#[test]
fn auth_matrix_ssl_server_authentication() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::Ssl);
}

#[test]
fn auth_matrix_ssl_client_certificates() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::Mtls);
}

#[test]
fn auth_matrix_sasl_oauthbearer_unsecured_jwt() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    auth_matrix(Listener::OAuthBearer);
}

#[test]
fn a_wrong_password_fails_at_once_saying_authentication_failed() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let secret = format!("wrong-{}", unique("pw"));
    for (listener, mechanism) in [
        (Listener::ScramSha256, "SCRAM-SHA-256"),
        (Listener::Plain, "PLAIN"),
    ] {
        let mut ws = Workspace::new(&format!(
            "{}[topics.t]\npartitions = 1\nreplication_factor = 1\n",
            cluster_section(listener, "admin", "ADMIN_PW")
        ));
        ws.env.insert("ADMIN_PW".into(), secret.clone());
        // The timeout is far longer than the wait allowed: only an early stop passes.
        let run = topo(&ws, &["plan", "--timeout", "120s"], Duration::from_secs(60))
            .expect("a wrong password must not wait out the timeout");
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.contains("authentication with the cluster at"),
            "{run:?}"
        );
        assert!(run.stderr.contains(mechanism), "{run:?}");
        assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    }
}

#[test]
fn an_untrusted_broker_certificate_fails_the_tls_handshake_at_once() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let mut ws = admin_workspace(
        Listener::Ssl,
        "[topics.t]\npartitions = 1\nreplication_factor = 1\n",
    );
    let text = std::fs::read_to_string(ws.file("topology.toml")).expect("read");
    let without_ca: String = text
        .lines()
        .filter(|l| !l.contains("ssl.ca.location"))
        .map(|l| format!("{l}\n"))
        .collect();
    ws.write(&without_ca);
    ws.env.clear();
    let run = topo(&ws, &["plan", "--timeout", "120s"], Duration::from_secs(60))
        .expect("a handshake failure must not wait out the timeout");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("the TLS handshake"), "{run:?}");
}

#[test]
fn a_principal_without_acls_gets_an_authorization_error_naming_what_it_lacks() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let topic = unique("denied");
    let mut ws = Workspace::new(&format!(
        "{}[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n",
        cluster_section(Listener::ScramSha512, "nobody", "NOBODY_PW")
    ));
    ws.env
        .insert("NOBODY_PW".into(), var("TOPO_SECURE_NOBODY_PASSWORD"));
    let apply = run(&ws, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{apply:?}");
    let all = format!("{}{}", apply.stdout, apply.stderr);
    assert!(all.contains("TopicAuthorizationFailed"), "{apply:?}");
    assert!(
        all.contains(&format!(
            "lacks CREATE on this topic (or on the cluster) (topic \"{topic}\")"
        )),
        "{apply:?}"
    );

    // Reading ACLs starts with asking whether the cluster enforces them at all; without the
    // right to ask, the plan says so and plans no ACLs instead of guessing.
    ws.write(&format!(
        "{}[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n\n\
         [principals.\"User:someone\"]\nconsumes = [\"{topic}\"]\ngroups = [\"g\"]\n",
        cluster_section(Listener::ScramSha512, "nobody", "NOBODY_PW")
    ));
    let plan = run(&ws, &["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        flat(&plan.stdout).contains(
            "ACLs not read: broker 1 shows this client none of its configs, so whether the \
             cluster enforces ACLs is unknown (a principal without DESCRIBE_CONFIGS on the \
             cluster sees none); the 3 declared ACLs are not planned"
        ),
        "{plan:?}"
    );
    assert!(!plan.stdout.contains("User:someone READ"), "{plan:?}");
}

/// An rdkafka client authenticated as `user` (SCRAM-SHA-512 on the SASL_PLAINTEXT listener).
fn as_user(user: &str, password: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", var("TOPO_SECURE_SASL_PLAINTEXT"))
        .set("security.protocol", "SASL_PLAINTEXT")
        .set("sasl.mechanism", "SCRAM-SHA-512")
        .set("sasl.username", user)
        .set("sasl.password", password);
    c
}

/// Produces one message; `Err` carries the broker's error name.
fn produce(config: &ClientConfig, topic: &str, payload: &str) -> Result<(), String> {
    let producer: FutureProducer = config
        .clone()
        .set("message.timeout.ms", "10000")
        .create()
        .expect("producer");
    runtime().block_on(async {
        producer
            .send(
                FutureRecord::to(topic).key("k").payload(payload),
                Duration::from_secs(10),
            )
            .await
            .map(|_| ())
            .map_err(|(e, _)| format!("{e:?}"))
    })
}

/// The seed's shape with its principals: the workers consume the main topic in their group
/// and produce to the dead-letter topic, the DLQ processor consumes that. The workers'
/// SCRAM user is created by the same apply.
fn seed_with_principals(topic: &str, workers: &str, processor: &str) -> String {
    format!(
        "[defaults]\nreplication_factor = 1\n\n\
         [topics.\"{topic}\"]\npartitions = 3\ndlq = true\n\n\
         [groups.\"{topic}-extraction-workers\"]\ntopics = [\"{topic}\"]\n\
         initial_offsets = \"earliest\"\nprincipal = \"User:{workers}\"\n\
         produces = [\"{topic}-dlq\"]\n\n\
         [groups.\"{topic}-dlq-processor\"]\ntopics = [\"{topic}-dlq\"]\n\
         initial_offsets = \"earliest\"\nprincipal = \"User:{processor}\"\n\n\
         [users.\"{workers}\"]\npassword = \"${{WORKERS_PW}}\"\n"
    )
}

#[test]
fn declared_acls_are_enforced_on_real_clients_and_their_drift_is_seen() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let topic = unique("acl-seed");
    let workers = format!("{topic}-workers");
    let processor = format!("{topic}-processor");
    let worker_pw = format!("pw-{}", unique("w"));
    let mut ws = admin_workspace(
        Listener::ScramSha512,
        &seed_with_principals(&topic, &workers, &processor),
    );
    ws.env.insert("WORKERS_PW".into(), worker_pw.clone());

    let plan = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    let shown = flat(&plan.stdout);
    for line in [
        format!("+ topic \"{topic}\" create partitions 3 replication_factor 1 User:{workers} READ from * allow User:{workers} DESCRIBE from * allow"),
        format!("User:{processor} READ from * allow User:{processor} DESCRIBE from * allow User:{workers} WRITE from * allow User:{workers} DESCRIBE from * allow"),
        format!("+ group \"{topic}-extraction-workers\" commit start offsets User:{workers} READ from * allow"),
        format!("+ group \"{topic}-dlq-processor\" commit start offsets User:{processor} READ from * allow"),
        format!("+ user \"{workers}\" create user SCRAM-SHA-512 4096 iterations, password from $WORKERS_PW"),
    ] {
        assert!(shown.contains(&line), "missing {line}: {plan:?}");
    }
    assert!(!plan.stdout.contains(&worker_pw), "{plan:?}");
    let json = run(&ws, &["plan", "--format", "json"]);
    assert!(json.stdout.contains("\"op\": \"create_acls\""), "{json:?}");
    assert!(
        json.stdout.contains("\"op\": \"set_scram_credentials\""),
        "{json:?}"
    );
    assert!(!json.stdout.contains(&worker_pw));

    let apply = run(&ws, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(!apply.stdout.contains(&worker_pw) && !apply.stderr.contains(&worker_pw));
    let again = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");

    // A real client, authenticated with the SCRAM user apply created.
    let admin = as_user("admin", &var("TOPO_SECURE_ADMIN_PASSWORD"));
    produce(&admin, &topic, "event").expect("admin produces");
    let worker = as_user(&workers, &worker_pw);
    let consumer: BaseConsumer = worker
        .clone()
        .set("group.id", format!("{topic}-extraction-workers"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[&topic]).expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(60);
    let received = loop {
        assert!(Instant::now() < deadline, "the worker read nothing");
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => break m.payload().map(|p| p.to_vec()),
            Some(Err(e)) => panic!("the worker may read {topic} in its group: {e:?}"),
            None => {}
        }
    };
    assert_eq!(received.as_deref(), Some(&b"event"[..]));
    consumer
        .commit_consumer_state(CommitMode::Sync)
        .expect("the worker commits in its group");
    drop(consumer);
    produce(&worker, &format!("{topic}-dlq"), "failed event").expect("the worker writes the DLQ");
    let refused = produce(&worker, &topic, "not allowed").expect_err("the worker may not write");
    assert!(refused.contains("TopicAuthorizationFailed"), "{refused}");

    // One ACL deleted out of band is drift, and apply puts it back.
    let raw = crate::ffi_impl::describe_acls(&admin_client(), Duration::from_secs(10))
        .expect("describe acls");
    let write = raw
        .into_iter()
        .find(|a| {
            a.principal == format!("User:{workers}")
                && a.operation == topo::model::AclOperation::Write
        })
        .expect("the workers' WRITE on the DLQ");
    let deleted = crate::ffi_impl::delete_acls(&admin_client(), &[write], Duration::from_secs(10))
        .expect("delete acl");
    assert_eq!(deleted.len(), 1);
    let drift = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(
        flat(&drift.stdout).contains(&format!(
            "~ topic \"{topic}-dlq\" grant access + User:{workers} WRITE from * allow"
        )),
        "{drift:?}"
    );
    let fix = run(&ws, &["apply", "--auto-approve"]);
    assert_eq!(fix.code, 0, "{fix:?}");
    assert_eq!(run(&ws, &["plan", "--detailed-exitcode"]).code, 0);
}

fn admin_client() -> rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext> {
    as_user("admin", &var("TOPO_SECURE_ADMIN_PASSWORD"))
        .create()
        .expect("admin client")
}

#[test]
fn undeclared_acls_of_a_declared_principal_are_reported_and_revoked_only_by_opt_in() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let topic = unique("acl-extra");
    let principal = format!("User:{topic}-reader");
    let body = format!(
        "[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n\n\
         [principals.\"{principal}\"]\nconsumes = [\"{topic}\"]\ngroups = [\"{topic}-g\"]\n"
    );
    let ws = admin_workspace(Listener::ScramSha512, &body);
    assert_eq!(run(&ws, &["apply", "--auto-approve"]).code, 0);
    // Someone grants the principal more, and a principal the file never names something.
    let extra = |p: &str| topo::model::AclBinding {
        resource_type: topo::model::AclResourceType::Topic,
        name: topic.clone(),
        pattern: topo::model::AclPattern::Literal,
        principal: p.to_string(),
        host: "*".into(),
        operation: topo::model::AclOperation::Write,
        permission: topo::model::AclPermission::Allow,
    };
    let stranger = format!("User:{topic}-stranger");
    let created = crate::ffi_impl::create_acls(
        &admin_client(),
        &[extra(&principal), extra(&stranger)],
        Duration::from_secs(10),
    )
    .expect("create acls");
    assert!(created.iter().all(Result::is_ok), "{created:?}");

    let plan = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "reported, not drift: {plan:?}");
    assert!(
        flat(&plan.stdout).contains(&format!(
            "undeclared ACLs: 1 ACL of declared principals not in the file (topic \"{topic}\": {principal} WRITE from * allow); left alone"
        )),
        "{plan:?}"
    );
    assert!(!plan.stdout.contains(&stranger), "{plan:?}");

    ws.write(&format!(
        "{}{body}\n[policy]\nremove_undeclared_acls = true\n",
        cluster_section(Listener::ScramSha512, "admin", "ADMIN_PW")
    ));
    let revoke = run(&ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(revoke.code, 2, "{revoke:?}");
    assert!(
        flat(&revoke.stdout).contains(&format!(
            "~ topic \"{topic}\" revoke access - {principal} WRITE from *"
        )),
        "{revoke:?}"
    );
    assert_eq!(run(&ws, &["apply", "--auto-approve"]).code, 0);
    assert_eq!(run(&ws, &["plan", "--detailed-exitcode"]).code, 0);
    let left =
        crate::ffi_impl::describe_acls(&admin_client(), Duration::from_secs(10)).expect("describe");
    assert!(!left.contains(&extra(&principal)));
    assert!(left.contains(&extra(&stranger)), "never touched");
}

/// Every file a workspace holds, as text, for secret searches.
fn files_text(ws: &Workspace) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(ws.dir.path())
        .expect("read dir")
        .flatten()
    {
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            all.push_str(&text);
        }
    }
    all
}

#[test]
fn user_passwords_appear_in_no_output_and_no_file() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let topic = unique("leak");
    let user = format!("{topic}-user");
    let secret = format!("S3cret-{}", unique("pw"));
    let mut ws = admin_workspace(
        Listener::SaslSsl,
        &format!(
            "[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n\n\
             [principals.\"User:{user}\"]\nproduces = [\"{topic}\"]\n\n\
             [users.\"{user}\"]\npassword = \"${{USER_PW}}\"\n\
             mechanisms = [\"SCRAM-SHA-256\", \"SCRAM-SHA-512\"]\n"
        ),
    );
    ws.env.insert("USER_PW".into(), secret.clone());
    let mut outputs = Vec::new();
    for args in [
        &["plan"][..],
        &["plan", "--format", "json"],
        &["plan", "--format", "markdown"],
        &["plan", "--format", "prometheus"],
        &["plan", "--summary"],
        &["plan", "--out", "saved.json"],
        &["validate"],
        &["apply", "saved.json", "--auto-approve"],
        &["plan", "--detailed-exitcode"],
    ] {
        let r = run(&ws, args);
        assert!(r.code == 0 || r.code == 2, "topo {}: {r:?}", args.join(" "));
        outputs.push((args.join(" "), r));
    }
    for (args, r) in &outputs {
        assert!(
            !r.stdout.contains(&secret) && !r.stderr.contains(&secret),
            "topo {args} shows the password: {r:?}"
        );
    }
    assert!(
        !files_text(&ws).contains(&secret),
        "a file topo wrote holds it"
    );
    let saved = std::fs::read_to_string(ws.file("saved.json")).expect("saved plan");
    assert!(saved.contains("\"password_env\": \"USER_PW\""), "{saved}");

    // The credential apply wrote is the one from the variable: a client authenticates.
    let client = ClientConfig::new()
        .set("bootstrap.servers", var("TOPO_SECURE_SASL_PLAINTEXT"))
        .set("security.protocol", "SASL_PLAINTEXT")
        .set("sasl.mechanism", "SCRAM-SHA-256")
        .set("sasl.username", &user)
        .set("sasl.password", &secret)
        .clone();
    produce(&client, &topic, "hello").expect("the new user writes with its password");

    // A missing variable stops apply before any write, naming the variable only.
    ws.env.remove("USER_PW");
    ws.write(&format!(
        "{}[users.\"{user}-2\"]\npassword = \"${{USER_PW}}\"\n",
        cluster_section(Listener::SaslSsl, "admin", "ADMIN_PW")
    ));
    let missing = run(&ws, &["apply", "--auto-approve"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("password variable is not set: USER_PW; nothing was changed"),
        "{missing:?}"
    );
}

#[test]
fn import_writes_the_acls_of_its_scope_folded_into_intent() {
    if !has(Need::SecuredBrokerRun) {
        return;
    }
    let topic = unique("acl-import");
    let reader = format!("User:{topic}-reader");
    let ws = admin_workspace(
        Listener::ScramSha512,
        &format!(
            "[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n\n\
             [principals.\"{reader}\"]\nconsumes = [\"{topic}\"]\n\n\
             [[acls]]\nprincipal = \"{reader}\"\nresource = \"topic\"\nname = \"{topic}\"\n\
             operations = [\"describe_configs\"]\n"
        ),
    );
    assert_eq!(run(&ws, &["apply", "--auto-approve"]).code, 0);
    let import = run(
        &ws,
        &[
            "import",
            "-f",
            "topology.toml",
            "--include",
            &format!("{topic}*"),
        ],
    );
    assert_eq!(import.code, 0, "{import:?}");
    assert!(
        import.stdout.contains(&format!(
            "[principals.\"{reader}\"]\nconsumes = [\"{topic}\"]\n"
        )),
        "{import:?}"
    );
    assert!(
        import.stdout.contains(&format!(
            "[[acls]]\nprincipal = \"{reader}\"\nresource = \"topic\"\nname = \"{topic}\"\n\
             operations = [\"describe_configs\"]\n"
        )),
        "{import:?}"
    );
    assert!(!import.stderr.contains("does not reproduce"), "{import:?}");
}
