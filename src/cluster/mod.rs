//! The only place that knows rdkafka: connects to a cluster, reads it into a `LiveState`
//! and performs broker operations, speaking domain types in and out.
//!
//! `rdkafka::error::KafkaError` and friends never leave this module: every failure becomes a
//! `ClusterError` or a per-resource message. Reads are batched (one metadata request for all
//! topics, DescribeConfigs in chunks spread over the brokers) so cost follows the declared
//! topics, not the size of the cluster. Writes are batched too, split only where a KRaft
//! controller would refuse a request as too large.

pub(crate) mod ffi;
mod positions;
pub mod probe;
mod security;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::metadata::Metadata;

use crate::model::{
    is_internal_topic, BrokerProfile, ConfigMap, ConfigSource, ConfigSources, GroupState,
    LiveConfigEntry, LiveGroup, LiveState, LiveTopic, OffsetPolicy, PartitionLag, ScopePattern,
};

/// Metadata records one write request may ask the controller for. A KRaft controller
/// refuses an operation of more than 10,000 records as a whole (CreateTopics of 1,000
/// topics with 10 partitions each fails with PolicyViolation); half of that leaves room
/// for records the estimate does not see.
const RECORDS_PER_REQUEST: usize = 5_000;

/// DescribeConfigs resources per request. Round trips are pipelined, so their number
/// costs little; the size of each answer is what a read holds in memory at once
/// (measured at 10,000 topics on six brokers: 1,000 per request peaked 74-102 MiB,
/// 500 at 64-68 MiB, 250 and below at 58-60 MiB, all at the same speed).
const DESCRIBE_CHUNK: usize = 200;

/// Partition logs of the first paced CreateTopics request (see `Connection::create_topics`);
/// later requests are sized from the rate the broker shows, within these bounds.
const PACED_LOGS_FIRST: usize = 50;
const PACED_LOGS_MIN: usize = 20;
const PACED_LOGS_MAX: usize = 2_500;

/// Write requests in flight at once: two keep the controller busy (the next request is
/// there when it finishes one) without queueing many behind it.
const WRITES_IN_FLIGHT: usize = 2;

/// Group-coordinator reads in flight at once when a read asks for many groups' commits.
const GROUP_READS_IN_FLIGHT: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot reach the cluster at {bootstrap} within {timeout:?}: {reason}")]
    Unreachable {
        bootstrap: String,
        timeout: Duration,
        reason: String,
    },
    #[error("{what} with the cluster at {bootstrap} failed: {reason}")]
    Auth {
        bootstrap: String,
        what: &'static str,
        reason: String,
    },
    #[error("invalid client configuration: {0}")]
    Config(String),
    #[error("{op} failed: {reason}")]
    Request { op: &'static str, reason: String },
}

/// How to connect: the resolved bootstrap address plus pass-through client properties.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bootstrap: String,
    pub client: ConfigMap,
    pub timeout: Duration,
}

impl Settings {
    /// `text` with every configured client property value replaced by `[redacted]`, so no
    /// message can carry a credential. Values shorter than three characters are left:
    /// blanking every `1` or `no` would garble the message, and no credential is that short.
    pub fn redact(&self, text: &str) -> String {
        let mut values: Vec<&str> = self
            .client
            .values()
            .map(String::as_str)
            .filter(|v| v.len() >= 3)
            .collect();
        // Longest first, so a value containing another is blanked whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values
            .into_iter()
            .fold(text.to_string(), |t, v| t.replace(v, "[redacted]"))
    }
}

/// Which parts of the cluster a read needs beyond the all-topics metadata.
#[derive(Debug, Clone, Default)]
pub struct ReadRequest {
    /// Declared topics: their configs are described.
    pub topics: BTreeSet<String>,
    /// Live topics matching these are managed too: their configs are described.
    pub manage: Vec<ScopePattern>,
    /// Declared groups: state, members, commits and lag are read for these.
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// Whether to look for undeclared groups consuming managed topics.
    pub find_unmanaged_groups: bool,
    /// Config keys whose effective values are kept besides the topic's own overrides;
    /// `None` keeps every entry. A plan reads only overrides and declared keys, and the
    /// other thirty-odd entries per topic dominate memory on large clusters.
    pub config_keys: Option<BTreeSet<String>>,
    /// Principals whose ACLs are read; none means ACLs are not read at all.
    pub acl_principals: BTreeSet<String>,
    /// SCRAM users whose credentials are described.
    pub users: BTreeSet<String>,
    /// Every ACL is read, whoever it is for (an import).
    pub all_acls: bool,
    /// Count the messages of managed topics that are not declared: what a delete of them
    /// would destroy, shown on the delete itself.
    pub count_undeclared: bool,
}

impl ReadRequest {
    /// Whether a live topic is managed, so its configs matter.
    pub(crate) fn manages(&self, name: &str) -> bool {
        self.topics.contains(name)
            || (!is_internal_topic(name) && self.manage.iter().any(|p| p.matches(name)))
    }
}

/// Offset per partition, or the broker's error for that partition.
pub(crate) type PartitionOffsets = BTreeMap<(String, i32), Result<i64, ffi::BrokerError>>;

/// Per-resource result of a batched write: `Err` holds the broker's message.
pub(crate) type ItemResults = Vec<(String, Result<(), String>)>;

pub struct Connection {
    admin: AdminClient<DefaultClientContext>,
    settings: Settings,
    /// The metadata `connect` fetched to prove the cluster answers, handed to the first
    /// read that needs all-topics metadata, so a plan sends that (cluster-sized) request
    /// once rather than twice.
    probe: std::sync::Mutex<Option<Metadata>>,
    /// What the broker is and can do, probed by the first read.
    profile: std::sync::OnceLock<BrokerProfile>,
    /// The ApiVersions of the first broker the client reached, from its own connection's
    /// handshake (see `connect`): no second client, no second connection.
    api_versions: probe::ApiVersions,
}

/// Bounds librdkafka's socket waits by the user's timeout so nothing hangs, within the
/// ranges librdkafka accepts (`socket.timeout.ms` 10 ms to 300 s, the connection setup at
/// least 1 s): `--timeout` is topo's overall deadline, which topo's own waits enforce,
/// so any positive duration works instead of being a librdkafka configuration error.
pub(crate) fn socket_timeouts(config: &mut ClientConfig, timeout: Duration) {
    let ms = timeout.as_millis();
    config.set("socket.timeout.ms", ms.clamp(10, 300_000).to_string());
    config.set(
        "socket.connection.setup.timeout.ms",
        ms.clamp(1_000, i32::MAX as u128).to_string(),
    );
}

/// librdkafka connects to a broker only when a request needs one ("sparse connections"),
/// and spaces those on-demand connections by half of `reconnect.backoff.ms` (100 ms by
/// default). The first metadata answer replaces the bootstrap connection by one to the
/// broker it names, so the first request after it waited out the rest of those 50 ms in
/// about two runs of three: the whole difference between a 20 ms and a 70 ms plan. Without
/// sparse connections each broker the metadata names is connected to as soon as it is
/// known, in its own librdkafka thread: topo needs them anyway (configs are read from
/// every broker in turn, groups are listed on each). The property is hidden in
/// librdkafka's documentation but part of its configuration table; the bundled version is
/// pinned, and every test connects through it. A smaller `reconnect.backoff.ms` keeps
/// reconnects after a failure quick too, still backing off exponentially up to
/// `reconnect.backoff.max.ms`. Both are set before the user's properties, which take
/// precedence where they may be set.
fn quick_first_connection(config: &mut ClientConfig) {
    config.set("enable.sparse.connections", "false");
    config.set("reconnect.backoff.ms", "20");
}

/// Topics up to which a first read asks every config entry of each, so one DescribeConfigs
/// serves the profile and the read; beyond it, the entries a read drops would cost memory
/// (about thirty per topic), and the profile's own one-topic request is the smaller cost.
const MERGED_DESCRIBE_LIMIT: usize = 64;

/// How a read's DescribeConfigs requests are split and routed.
fn describe_plan(brokers: &[i32]) -> ffi::DescribePlan<'_> {
    ffi::DescribePlan {
        chunk: DESCRIBE_CHUNK,
        in_flight: describe_in_flight(brokers.len()),
        // One broker answers everything anyway; naming it would only add a retry path.
        brokers: if brokers.len() > 1 { brokers } else { &[] },
    }
}

/// Whether a read keeps a config entry: every override, the keys it asks for (all when
/// `keep` is `None`), and everything a broker lists only when set.
fn keeps(
    listed_are_set: bool,
    keep: Option<&BTreeSet<String>>,
    name: &str,
    source: ConfigSource,
) -> bool {
    listed_are_set
        || matches!(source, ConfigSource::DynamicTopic | ConfigSource::Unknown)
        || keep.is_none_or(|k| k.contains(name))
}

/// Stores one topic's DescribeConfigs answer; the first failure is kept for the caller.
fn store_configs(
    topics: &mut BTreeMap<String, LiveTopic>,
    topic: String,
    answer: Result<Vec<ffi::DescribedEntry>, ffi::BrokerError>,
    listed_are_set: bool,
    failed: &mut Option<(String, ffi::BrokerError)>,
) {
    match answer {
        Ok(entries) => {
            let entries = entries
                .into_iter()
                .map(|e| {
                    let entry = LiveConfigEntry {
                        value: e.value,
                        source: if listed_are_set {
                            ConfigSource::DynamicTopic
                        } else {
                            e.source
                        },
                        read_only: e.read_only,
                    };
                    (e.name, entry)
                })
                .collect();
            if let Some(t) = topics.get_mut(&topic) {
                t.config = Some(entries);
            }
        }
        // Listed by the metadata a moment ago, unknown to DescribeConfigs now: deleted in
        // between (metadata trails deletes), so it is gone.
        Err(e) if e.code == "UnknownTopicOrPartition" => {
            topics.remove(&topic);
        }
        Err(e) => {
            failed.get_or_insert((topic, e));
        }
    }
}

fn config_failure(failed: Option<(String, ffi::BrokerError)>) -> Result<(), ClusterError> {
    match failed {
        Some((topic, e)) => Err(ClusterError::Request {
            op: "DescribeConfigs",
            reason: format!("{topic}: {e}"),
        }),
        None => Ok(()),
    }
}

fn kerr(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Connection {
    /// Builds clients and proves the cluster answers within the timeout.
    pub fn connect(settings: Settings) -> Result<Connection, ClusterError> {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &settings.bootstrap);
        socket_timeouts(&mut config, settings.timeout);
        config.set("log_level", "3");
        quick_first_connection(&mut config);
        for (k, v) in &settings.client {
            config.set(k, v);
        }
        // librdkafka tells a broker's ApiVersions only in debug lines (context `feature`),
        // which the crate queues on the client's main queue; `first_metadata` collects
        // them there and the level drops back once they are in. Added to any contexts the
        // user asked for, whose lines nobody reads either way.
        let debug = match settings.client.get("debug") {
            Some(theirs) if !theirs.trim().is_empty() => format!("{theirs},feature"),
            _ => "feature".to_string(),
        };
        config.set("debug", debug);
        config.set_log_level(rdkafka::config::RDKafkaLogLevel::Debug);
        // Metadata reads must never create topics, whatever the broker's auto-create says
        // or the user's properties ask; hence set after them. One client serves both the
        // admin calls and the metadata reads: a second one would hold a second copy of the
        // cluster's metadata and its own connections.
        config.set("allow.auto.create.topics", "false");
        let admin: AdminClient<DefaultClientContext> = config.create().map_err(|e| {
            // librdkafka's text quotes the offending value, which may be a credential:
            // name the property, keep its reason, and blank every configured value.
            let text = match e {
                rdkafka::error::KafkaError::ClientConfig(_, description, key, _) => {
                    format!("client property `{key}`: {description}")
                }
                other => kerr(other),
            };
            ClusterError::Config(settings.redact(&text))
        })?;
        let mut conn = Connection {
            admin,
            settings,
            probe: std::sync::Mutex::new(None),
            profile: std::sync::OnceLock::new(),
            api_versions: probe::ApiVersions::new(),
        };
        let mut lines = Vec::new();
        let probe = conn.first_metadata(&mut lines)?;
        ffi::quiet_logs(&conn.admin);
        conn.api_versions = probe::parse_api_versions(lines.iter().map(String::as_str));
        if let Ok(mut slot) = conn.probe.lock() {
            *slot = Some(probe);
        }
        Ok(conn)
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// Ends a command's use of the cluster without librdkafka's orderly shutdown, which
    /// takes tens of milliseconds (its threads wind down and the connections close one by
    /// one) and would be the largest cost of a small plan. For this client that shutdown
    /// has nothing to do: it is admin-only, so it has no produce queue to flush, no group
    /// membership to leave and no offsets to commit, and every answer it was asked for has
    /// arrived by the time a command ends. The process exits right after; the kernel closes
    /// its sockets, which a broker sees as any client going away. Only for a process about
    /// to exit: a long-running one would keep the client's threads and sockets.
    pub(crate) fn leave(self) {
        std::mem::forget(self);
    }

    pub(crate) fn bootstrap(&self) -> &str {
        &self.settings.bootstrap
    }

    /// The first metadata request, asked in short slices so that an authentication or TLS
    /// failure (which librdkafka reports as an error event on the side, while the request
    /// just waits) ends the wait within a slice instead of the whole timeout. The broker's
    /// ApiVersions lines, logged during the handshake before the answer, go to `lines`.
    fn first_metadata(&self, lines: &mut Vec<String>) -> Result<Metadata, ClusterError> {
        const SLICE: Duration = Duration::from_millis(250);
        let deadline = Instant::now() + self.settings.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let answer = self.admin.inner().fetch_metadata(None, left.min(SLICE));
            let failure = ffi::connection_failure(&self.admin, lines);
            match (answer, failure) {
                (Ok(md), _) => return Ok(md),
                (Err(_), Some((code, mut reason))) => {
                    // PLAIN's text ("Invalid username or password") does not say which
                    // mechanism was tried; the configuration does.
                    let client = &self.settings.client;
                    let mechanism = client
                        .get("sasl.mechanism")
                        .or_else(|| client.get("sasl.mechanisms"));
                    if let Some(m) = mechanism {
                        if !reason.contains(m.as_str()) {
                            reason.push_str(&format!(" (SASL mechanism {m})"));
                        }
                    }
                    return Err(ClusterError::Auth {
                        bootstrap: self.settings.bootstrap.clone(),
                        what: if code == "SSL" {
                            "the TLS handshake"
                        } else {
                            "authentication"
                        },
                        reason,
                    });
                }
                (Err(e), None) if Instant::now() >= deadline => {
                    return Err(ClusterError::Unreachable {
                        bootstrap: self.settings.bootstrap.clone(),
                        timeout: self.settings.timeout,
                        reason: kerr(e),
                    })
                }
                (Err(_), None) => {}
            }
        }
    }

    /// The cluster's id from the metadata librdkafka already holds (it waits up to the
    /// timeout only when none has arrived yet); `None` for brokers that report none.
    pub fn cluster_id(&self) -> Option<String> {
        self.admin
            .inner()
            .fetch_cluster_id(self.settings.timeout)
            .filter(|id| !id.is_empty())
    }

    fn metadata(&self) -> Result<Metadata, ClusterError> {
        self.admin
            .inner()
            .fetch_metadata(None, self.settings.timeout)
            .map_err(|e| ClusterError::Unreachable {
                bootstrap: self.settings.bootstrap.clone(),
                timeout: self.settings.timeout,
                reason: self.settings.redact(&kerr(e)),
            })
    }

    fn opts(&self, validate_only: bool) -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(self.settings.timeout))
            .operation_timeout(Some(self.settings.timeout))
            .validate_only(validate_only)
    }

    /// The metadata `connect` fetched, if no read has used it yet, else a fresh request.
    /// Only for the first read after connecting; waits after writes always ask again.
    fn probed_metadata(&self) -> Result<Metadata, ClusterError> {
        match self.probe.lock().ok().and_then(|mut slot| slot.take()) {
            Some(md) => Ok(md),
            None => self.metadata(),
        }
    }

    /// The broker's profile, probed once per connection: its ApiVersions (from the
    /// handshake) and one topic's full DescribeConfigs answer.
    fn profile(&self, md: &Metadata) -> BrokerProfile {
        self.profile
            .get_or_init(|| {
                let brokers = md.brokers().len() as u32;
                // Any topic shows how DescribeConfigs answers; a user's topic is likelier
                // to carry overrides than an internal one.
                let sample = md
                    .topics()
                    .iter()
                    .filter(|t| t.error().is_none())
                    .map(|t| t.name())
                    .min_by_key(|n| (is_internal_topic(n), *n))
                    .map(str::to_string);
                let described = sample.as_deref().and_then(|t| self.describe_one(t));
                probe::classify(&self.api_versions, described.as_ref(), brokers)
            })
            .clone()
    }

    /// Every entry of one topic's DescribeConfigs answer, with its source.
    fn describe_one(&self, topic: &str) -> Option<probe::DescribedKeys> {
        let mut out = None;
        let plan = ffi::DescribePlan {
            chunk: 1,
            in_flight: 1,
            brokers: &[],
        };
        let names = [topic.to_string()];
        ffi::describe_topic_configs(
            &self.admin,
            &names,
            plan,
            self.settings.timeout,
            |_, _| true,
            |_, answer| {
                if let Ok(entries) = answer {
                    out = Some(entries.into_iter().map(|e| (e.name, e.source)).collect());
                }
            },
        )
        .ok()?;
        out
    }

    /// Topic names and partition counts from one all-topics metadata request.
    pub(crate) fn topic_partitions(&self) -> Result<BTreeMap<String, i32>, ClusterError> {
        let md = self.probed_metadata()?;
        Ok(md
            .topics()
            .iter()
            .filter(|t| t.error().is_none())
            .map(|t| (t.name().to_string(), t.partitions().len() as i32))
            .collect())
    }

    /// Reads the cluster: all-topics metadata, then, all at once, the configs of the
    /// requested topics and whatever the requested groups need (listing, descriptions,
    /// commits, log positions). Nothing after the metadata depends on anything but the
    /// metadata, so a small plan costs about the slowest of those round trips, not their sum.
    pub async fn read(&self, req: &ReadRequest) -> Result<LiveState, ClusterError> {
        let md = self.probed_metadata()?;
        let mut topics = BTreeMap::new();
        for t in md.topics() {
            if t.error().is_some() {
                continue;
            }
            let rf = t
                .partitions()
                .iter()
                .map(|p| p.replicas().len())
                .min()
                .unwrap_or(0);
            topics.insert(
                t.name().to_string(),
                LiveTopic {
                    name: t.name().to_string(),
                    partitions: t.partitions().len() as i32,
                    replication_factor: i16::try_from(rf).unwrap_or(i16::MAX),
                    config: None,
                },
            );
        }
        let brokers: Vec<i32> = md.brokers().iter().map(|b| b.id()).collect();
        let wanted: Vec<String> = topics.keys().filter(|n| req.manages(n)).cloned().collect();
        // A small read on a connection not profiled yet asks one DescribeConfigs, with every
        // entry, for both the profile (which needs one topic's full answer) and the read:
        // a broker answers one connection's requests one after another, so two requests
        // would cost two round trips on the pull-request check's path.
        let merged = self.profile.get().is_none()
            && !wanted.is_empty()
            && wanted.len() <= MERGED_DESCRIBE_LIMIT;
        let profile = (!merged).then(|| tokio::task::block_in_place(|| self.profile(&md)));
        // The all-topics answer grows with the cluster's partitions; nothing more is
        // needed from it, so it goes before the configs arrive.
        drop(md);
        // Log positions of every partition of every topic a declared group consumes.
        let parts: Vec<(String, i32)> = req
            .groups
            .values()
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|t| topics.get(t).map(|lt| (t, lt.partitions)))
            .flat_map(|(t, n)| (0..n).map(move |p| (t.clone(), p)))
            .collect();
        let wants_groups = !req.groups.is_empty() || req.find_unmanaged_groups;
        // The group reads wait on the network, as the config read does: the calls are
        // blocking, so each runs on a thread of its own, sharing the one client and its
        // connections.
        let answers = tokio::task::block_in_place(|| {
            std::thread::scope(|s| {
                let groups = wants_groups.then(|| s.spawn(|| self.fetch_groups(req, &parts)));
                let keep = req.config_keys.as_ref();
                let configs = match &profile {
                    Some(p) => self.describe_configs(
                        &wanted,
                        keep,
                        p.config_sources == ConfigSources::ListedKeysAreSet,
                        &brokers,
                        &mut topics,
                    ),
                    None => self.profile_and_describe(&wanted, keep, &brokers, &mut topics),
                };
                let groups = match groups {
                    Some(handle) => Some(joined(handle.join())??),
                    None => None,
                };
                configs.map(|()| groups)
            })
        })?;
        let mut live = LiveState {
            bootstrap: self.settings.bootstrap.clone(),
            cluster_id: self.cluster_id(),
            brokers: brokers.len() as u32,
            topics,
            groups: BTreeMap::new(),
            unmanaged_groups: BTreeMap::new(),
            profile: profile.or_else(|| self.profile.get().cloned()),
            ..LiveState::default()
        };
        if let Some(answers) = answers {
            answers.fill(req, &mut live);
        }
        if req.count_undeclared {
            live.messages = tokio::task::block_in_place(|| self.undeclared_messages(req, &live));
        }
        // ACLs and users only when the file declares some: one or two more round trips.
        self.read_security(req, brokers.first().copied(), &mut live)
            .await?;
        Ok(live)
    }

    /// Messages held by each managed, undeclared topic: one ListOffsets round per end, sent
    /// only when the policy may delete such topics. A topic with a partition the broker
    /// gave no positions for is left out: its delete then shows no count rather than a
    /// wrong one.
    fn undeclared_messages(&self, req: &ReadRequest, live: &LiveState) -> BTreeMap<String, i64> {
        let candidates: Vec<&crate::model::LiveTopic> = live
            .topics
            .values()
            .filter(|t| !req.topics.contains(&t.name) && req.manages(&t.name))
            .collect();
        let parts: Vec<(String, i32)> = candidates
            .iter()
            .flat_map(|t| (0..t.partitions).map(move |p| (t.name.clone(), p)))
            .collect();
        if parts.is_empty() {
            return BTreeMap::new();
        }
        let Ok(positions) = self.log_positions(&parts) else {
            return BTreeMap::new();
        };
        candidates
            .iter()
            .filter_map(|t| {
                (0..t.partitions)
                    .map(|p| {
                        positions
                            .get(&(t.name.clone(), p))
                            .map(|(start, end)| (end - start).max(0))
                    })
                    .sum::<Option<i64>>()
                    .map(|n| (t.name.clone(), n))
            })
            .collect()
    }

    /// Fills in the configs of `names` in `topics`, keeping every override plus the
    /// effective values of `keep` (all entries when `None`). With `listed_are_set` (a
    /// broker that lists only a topic's own keys, each labelled a default) every listed
    /// entry is kept as an override. Requests go out in chunks spread over `brokers`.
    fn describe_configs(
        &self,
        names: &[String],
        keep: Option<&BTreeSet<String>>,
        listed_are_set: bool,
        brokers: &[i32],
        topics: &mut BTreeMap<String, LiveTopic>,
    ) -> Result<(), ClusterError> {
        let plan = describe_plan(brokers);
        let mut failed: Option<(String, ffi::BrokerError)> = None;
        tokio::task::block_in_place(|| {
            ffi::describe_topic_configs(
                &self.admin,
                names,
                plan,
                self.settings.timeout,
                |name, source| keeps(listed_are_set, keep, name, source),
                |topic, answer| store_configs(topics, topic, answer, listed_are_set, &mut failed),
            )
        })
        .map_err(|e| request("DescribeConfigs", e))?;
        config_failure(failed)
    }

    /// [`Self::describe_configs`] for a small read on a connection not profiled yet: every
    /// entry of every topic is asked for once, the profile is classified from the first
    /// answer and the handshake's ApiVersions, and then the entries the read keeps
    /// are stored as `describe_configs` would.
    fn profile_and_describe(
        &self,
        names: &[String],
        keep: Option<&BTreeSet<String>>,
        brokers: &[i32],
        topics: &mut BTreeMap<String, LiveTopic>,
    ) -> Result<(), ClusterError> {
        let plan = describe_plan(brokers);
        let mut answers = Vec::new();
        ffi::describe_topic_configs(
            &self.admin,
            names,
            plan,
            self.settings.timeout,
            |_, _| true,
            |topic, answer| answers.push((topic, answer)),
        )
        .map_err(|e| request("DescribeConfigs", e))?;
        let sample: Option<probe::DescribedKeys> = answers.iter().find_map(|(_, a)| {
            a.as_ref()
                .ok()
                .map(|entries| entries.iter().map(|e| (e.name.clone(), e.source)).collect())
        });
        let profile = self.profile.get_or_init(|| {
            probe::classify(&self.api_versions, sample.as_ref(), brokers.len() as u32)
        });
        let listed_are_set = profile.config_sources == ConfigSources::ListedKeysAreSet;
        let mut failed = None;
        for (topic, answer) in answers {
            let answer = answer.map(|entries| {
                entries
                    .into_iter()
                    .filter(|e| keeps(listed_are_set, keep, &e.name, e.source))
                    .collect()
            });
            store_configs(topics, topic, answer, listed_are_set, &mut failed);
        }
        config_failure(failed)
    }

    /// The group half of a read: the listing first (what exists decides what else is
    /// asked), then descriptions and every group's commits at once, with the log
    /// positions of `parts` read meanwhile, since they need no listing.
    fn fetch_groups(
        &self,
        req: &ReadRequest,
        parts: &[(String, i32)],
    ) -> Result<GroupAnswers, ClusterError> {
        let timeout = self.settings.timeout;
        std::thread::scope(|s| {
            let starts = s.spawn(|| self.offsets(parts, ffi::OffsetSpec::Earliest));
            let ends = s.spawn(|| self.offsets(parts, ffi::OffsetSpec::Latest));
            let listing = self
                .settled(|| ffi::list_consumer_groups(&self.admin, timeout))
                .map_err(|e| request("ListConsumerGroups", e));
            let details = listing.and_then(|listing| self.group_details(req, listing));
            let starts = joined(starts.join())?;
            let ends = joined(ends.join())?;
            let (listing, descriptions, committed) = details?;
            Ok(GroupAnswers {
                listing,
                descriptions,
                committed,
                starts: starts?,
                ends: ends?,
            })
        })
    }

    /// Descriptions of the declared groups in `listing`, and the commits of each group
    /// the request needs (the declared ones, and every other one when undeclared
    /// consumers of managed topics are looked for), all at once: one request per group's
    /// commits (the broker's API takes one group at a time), a few in flight.
    fn group_details(
        &self,
        req: &ReadRequest,
        listing: Vec<ffi::GroupListing>,
    ) -> Result<GroupDetails, ClusterError> {
        let timeout = self.settings.timeout;
        let declared: Vec<String> = listing
            .iter()
            .map(|g| &g.group_id)
            .filter(|g| req.groups.contains_key(*g))
            .cloned()
            .collect();
        let readers: Vec<&String> = listing
            .iter()
            .map(|g| &g.group_id)
            .filter(|g| req.find_unmanaged_groups || req.groups.contains_key(*g))
            .collect();
        let per_thread = readers.len().div_ceil(GROUP_READS_IN_FLIGHT).max(1);
        let (descriptions, committed) = std::thread::scope(|s| {
            let descriptions = s.spawn(|| {
                if declared.is_empty() {
                    return Ok(Vec::new());
                }
                self.settled(|| ffi::describe_consumer_groups(&self.admin, &declared, timeout))
                    .map_err(|e| request("DescribeConsumerGroups", e))
            });
            let commit_threads: Vec<_> = readers
                .chunks(per_thread)
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|g| {
                                self.settled(|| {
                                    ffi::list_consumer_group_offsets(&self.admin, g, timeout)
                                })
                                .map(|c| ((*g).clone(), c))
                                .map_err(|e| request("ListConsumerGroupOffsets", e))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut committed = BTreeMap::new();
            for t in commit_threads {
                committed.extend(joined(t.join())??);
            }
            Ok::<_, ClusterError>((joined(descriptions.join())??, committed))
        })?;
        Ok((listing, descriptions, committed))
    }

    fn offsets(
        &self,
        parts: &[(String, i32)],
        spec: ffi::OffsetSpec,
    ) -> Result<BTreeMap<(String, i32), i64>, ClusterError> {
        Ok(self
            .list_offsets_settled(parts, spec)
            .map_err(|e| request("ListOffsets", e))?
            .into_iter()
            .filter_map(|(k, r)| r.ok().map(|o| (k, o)))
            .collect())
    }

    /// Runs a group-coordinator call, retrying while the coordinator is still loading or
    /// moving: on a freshly started broker `__consumer_offsets` takes a moment to load,
    /// and every group call answers CoordinatorLoadInProgress meanwhile.
    fn settled<T>(
        &self,
        mut call: impl FnMut() -> Result<T, ffi::FfiError>,
    ) -> Result<T, ffi::FfiError> {
        let deadline = Instant::now() + self.settings.timeout;
        loop {
            match tokio::task::block_in_place(&mut call) {
                Err(ffi::FfiError::Request { code, .. })
                    if coordinator_settling(&code) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    /// ListOffsets for many partitions at once, retrying those whose leader is not settled
    /// yet: right after a create or partition change, the broker and librdkafka's metadata
    /// cache take a moment to agree on leadership.
    pub(crate) fn list_offsets_settled(
        &self,
        parts: &[(String, i32)],
        spec: ffi::OffsetSpec,
    ) -> Result<PartitionOffsets, ffi::FfiError> {
        // librdkafka rejects a request naming a partition twice; the set also sorts.
        let mut pending: Vec<(String, i32)> = parts
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let timeout = self.settings.timeout;
        let deadline = Instant::now() + timeout;
        let mut done = BTreeMap::new();
        while !pending.is_empty() {
            let results = tokio::task::block_in_place(|| {
                ffi::list_offsets(&self.admin, &pending, spec, timeout)
            })?;
            let settling = Instant::now() < deadline;
            pending = Vec::new();
            for (k, r) in results {
                match &r {
                    Err(e) if settling && leadership_settling(&e.code) => pending.push(k),
                    _ => {
                        done.insert(k, r);
                    }
                }
            }
            if !pending.is_empty() {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        Ok(done)
    }

    /// CreateTopics for all topics. With `validate_only`, in as few requests as the
    /// controller accepts. Otherwise paced by what the broker shows, one request at a time,
    /// the next sent as soon as the broker shows the topics of the one before.
    ///
    /// Why: a broker shows the topics of a metadata update only after it has created the
    /// logs of the update before (measured here: 30-50 ms a log on a loaded 2-core
    /// machine). An unpaced create of thousands of topics therefore shows nothing for as
    /// long as the broker needs for thousands of logs, which no wait can tell from a stuck
    /// cluster. Paced, each request's topics show once the previous request's logs exist,
    /// so each request is sized (from the rate the broker has shown so far) to show within
    /// an eighth of the timeout; the broker never idles, since the next request is already
    /// committed while it creates the current logs. The wait after each request follows
    /// progress (see `wait_for_topics`); if the broker stops showing topics for the
    /// timeout, the rest is not sent. `progress` hears `(shown, topics)`.
    pub(crate) async fn create_topics(
        &self,
        topics: &[(String, i32, i16, ConfigMap)],
        validate_only: bool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ItemResults, ClusterError> {
        // The controller writes a topic record, a record per partition and one per
        // config override; the brokers create a log per partition and replica.
        let records = |(_, partitions, _, config): &(String, i32, i16, ConfigMap)| {
            1 + usize::try_from(*partitions).unwrap_or(0) + config.len()
        };
        let logs = |(_, partitions, rf, _): &(String, i32, i16, ConfigMap)| {
            usize::try_from(*partitions).unwrap_or(0) * usize::try_from(*rf).unwrap_or(1).max(1)
        };
        if validate_only {
            let batches = record_batches(topics, records);
            // The wrapper blocks until its answer: requests go out from `WRITES_IN_FLIGHT`
            // threads, as the async writes keep that many in flight.
            let answers = tokio::task::block_in_place(|| {
                in_parallel(&batches, |b| self.ffi_create_topics(b, true))
            })?;
            return merge_batches(&batches, |t| &t.0, answers);
        }
        let mut batches: Vec<&[(String, i32, i16, ConfigMap)]> = Vec::new();
        let mut answers = Vec::new();
        let (mut start, mut shown, mut budget) = (0, 0, PACED_LOGS_FIRST);
        // When the previous request's topics showed, and how many logs they brought.
        let mut previous: Option<(Instant, usize)> = None;
        while start < topics.len() {
            let rest = &topics[start..];
            let len = batches_within(rest, &[(&records, RECORDS_PER_REQUEST), (&logs, budget)])
                .first()
                .map_or(rest.len(), |b| b.len());
            let batch = &rest[..len];
            start += len;
            batches.push(batch);
            let answer = tokio::task::block_in_place(|| self.ffi_create_topics(batch, false));
            let created: BTreeMap<String, i32> = match &answer {
                Ok(results) => results
                    .iter()
                    .filter(|(_, r)| r.is_ok())
                    .filter_map(|(name, _)| {
                        batch
                            .iter()
                            .find(|t| &t.0 == name)
                            .map(|t| (name.clone(), t.1))
                    })
                    .collect(),
                Err(_) => BTreeMap::new(),
            };
            answers.push(answer);
            let before = shown;
            let missing = self
                .wait_for_topics(&created, &mut |ready, _| {
                    progress(before + ready, topics.len())
                })
                .await?;
            shown += created.len() - missing.len();
            if !missing.is_empty() {
                break;
            }
            let now = Instant::now();
            if let Some((at, logs_before)) = previous {
                // These topics showed once the broker had created the previous logs.
                let per_sec = logs_before as f64 / now.duration_since(at).as_secs_f64().max(0.001);
                // An eighth of the timeout, and at most twice the last size: the rate of
                // a busy broker swings (measured: 45-125 logs a second within a minute,
                // with pauses of seconds), and a request that shows late is a failure.
                let fits = per_sec * self.settings.timeout.as_secs_f64() / 8.0;
                budget = (fits as usize)
                    .min(budget * 2)
                    .clamp(PACED_LOGS_MIN, PACED_LOGS_MAX);
            }
            previous = Some((now, batch.iter().map(logs).sum()));
        }
        // What was not sent because the broker stopped showing the topics before it.
        if start < topics.len() {
            batches.push(&topics[start..]);
            answers.push(Err(ClusterError::Request {
                op: "CreateTopics",
                reason: "not sent: the cluster showed no progress on the topics created \
                         before these for the timeout"
                    .to_string(),
            }));
        }
        merge_batches(&batches, |t| &t.0, answers)
    }

    /// CreatePartitions for all topics, in as few requests as the controller accepts.
    pub(crate) async fn create_partitions(
        &self,
        topics: &[(String, i32)],
        validate_only: bool,
    ) -> Result<ItemResults, ClusterError> {
        // A record per new partition; the new total bounds the new ones.
        let batches = record_batches(topics, |(_, to)| usize::try_from(*to).unwrap_or(0));
        let timeout = self.settings.timeout;
        let send = |batch: &[(String, i32)]| {
            ffi::create_partitions(&self.admin, batch, validate_only, timeout)
                .map(broker_results)
                .map_err(|e| request("CreatePartitions", e))
        };
        // The wrapper blocks until its answer: requests go out from `WRITES_IN_FLIGHT`
        // threads, as the async writes keep that many in flight.
        let answers = tokio::task::block_in_place(|| in_parallel(&batches, |b| send(b)))?;
        merge_batches(&batches, |t| &t.0, answers)
    }

    /// One CreateTopics request through the wrapper, which keeps the broker's message
    /// (the safe call keeps only the code).
    fn ffi_create_topics(
        &self,
        batch: &[(String, i32, i16, ConfigMap)],
        validate_only: bool,
    ) -> Result<ItemResults, ClusterError> {
        ffi::create_topics(&self.admin, batch, validate_only, self.settings.timeout)
            .map(broker_results)
            .map_err(|e| request("CreateTopics", e))
    }

    /// IncrementalAlterConfigs (SET and DELETE per key), in as few requests as the
    /// controller accepts. Public so the scale benchmark can time apply's config write on
    /// its own; `topo apply` reaches it only through the apply executor.
    pub fn alter_configs(
        &self,
        changes: &[(String, ConfigMap, BTreeSet<String>)],
        validate_only: bool,
    ) -> Result<ItemResults, ClusterError> {
        // A record per key set or deleted.
        let batches = record_batches(changes, |(_, set, delete)| set.len() + delete.len());
        let timeout = self.settings.timeout;
        let send = |batch: &[(String, ConfigMap, BTreeSet<String>)]| {
            let ops: Vec<(String, Vec<(String, ffi::AlterOp)>)> = batch
                .iter()
                .map(|(topic, set, delete)| {
                    let mut v: Vec<(String, ffi::AlterOp)> = set
                        .iter()
                        .map(|(k, val)| (k.clone(), ffi::AlterOp::Set(val.clone())))
                        .collect();
                    v.extend(delete.iter().map(|k| (k.clone(), ffi::AlterOp::Delete)));
                    (topic.clone(), v)
                })
                .collect();
            ffi::incremental_alter_topic_configs(&self.admin, &ops, validate_only, timeout)
                .map(broker_results)
                .map_err(|e| request("IncrementalAlterConfigs", e))
        };
        // The wrapper blocks until its answer: requests go out from `WRITES_IN_FLIGHT`
        // threads, as the async writes keep that many in flight.
        let answers = tokio::task::block_in_place(|| in_parallel(&batches, |b| send(b)))?;
        merge_batches(&batches, |c| &c.0, answers)
    }

    /// DeleteTopics, in as few requests as the controller accepts.
    pub(crate) async fn delete_topics(
        &self,
        names: &[String],
    ) -> Result<ItemResults, ClusterError> {
        // A record per topic.
        let batches = record_batches(names, |_| 1);
        let requests: Vec<Vec<&str>> = batches
            .iter()
            .map(|batch| batch.iter().map(String::as_str).collect())
            .collect();
        let opts = self.opts(false);
        windowed(
            "DeleteTopics",
            &batches,
            |n| n,
            |i| self.admin.delete_topics(&requests[i], &opts),
        )
        .await
    }

    /// Waits until metadata shows every topic with the expected partition count and a
    /// leader on each partition: creation is asynchronous on the broker. The wait follows
    /// progress: it goes on while each look shows more of `want` (topics, then leaders) than
    /// any look before, and ends once nothing has moved for the timeout. A large create
    /// (thousands of topics, which a broker on a small machine takes minutes to show) thus
    /// needs no guessed timeout, while a stuck one still ends. Returns the topics still not
    /// shown (empty when all are there); `progress` hears `(ready, wanted)` after each look.
    pub(crate) async fn wait_for_topics(
        &self,
        want: &BTreeMap<String, i32>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<BTreeSet<String>, ClusterError> {
        let mut missing: BTreeSet<String> = want.keys().cloned().collect();
        let mut stall = Stall::new(self.settings.timeout);
        // Looks soon after a write, when the answer is often already there, then less
        // often: each look is an all-topics metadata request the broker has to answer.
        let mut pause = Duration::from_millis(25);
        while !missing.is_empty() {
            let md = self.metadata()?;
            // Partitions with a leader among the missing topics: moves before a topic
            // counts as ready, so a slow election still reads as progress.
            let mut led = 0usize;
            for t in md.topics() {
                let Some(n) = want.get(t.name()) else {
                    continue;
                };
                if t.error().is_some() || !missing.contains(t.name()) {
                    continue;
                }
                let leaders = t.partitions().iter().filter(|p| p.leader() >= 0).count();
                if t.partitions().len() as i32 >= *n && leaders == t.partitions().len() {
                    missing.remove(t.name());
                } else {
                    led += leaders;
                }
            }
            drop(md);
            progress(want.len() - missing.len(), want.len());
            if missing.is_empty() || stall.stalled(want.len() - missing.len(), led) {
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(400));
        }
        Ok(missing)
    }

    /// Commits starting offsets for a group that has no members and no commits.
    pub(crate) fn commit_start_offsets(
        &self,
        group: &str,
        policy: OffsetPolicy,
        topics: &BTreeMap<String, i32>,
    ) -> Result<(), String> {
        let timeout = self.settings.timeout;
        // Re-check right before writing: the plan may be minutes old.
        let listing = self
            .settled(|| ffi::list_consumer_groups(&self.admin, timeout))
            .map_err(|e| e.to_string())?;
        if listing.iter().any(|g| g.group_id == group) {
            let d = self
                .settled(|| {
                    ffi::describe_consumer_groups(&self.admin, &[group.to_string()], timeout)
                })
                .map_err(|e| e.to_string())?;
            let members = d.first().map_or(0, |d| d.members.len());
            if members > 0 {
                return Err(format!(
                    "group has {members} active member(s); topo never moves offsets of a group with members"
                ));
            }
            let committed = self
                .settled(|| ffi::list_consumer_group_offsets(&self.admin, group, timeout))
                .map_err(|e| e.to_string())?;
            if committed.iter().any(|(_, _, o)| *o >= 0) {
                return Err("group already has committed offsets; topo never moves them".into());
            }
        }
        let parts: Vec<(String, i32)> = topics
            .iter()
            .flat_map(|(t, n)| (0..*n).map(move |p| (t.clone(), p)))
            .collect();
        let spec = match policy {
            OffsetPolicy::Earliest => ffi::OffsetSpec::Earliest,
            OffsetPolicy::Latest => ffi::OffsetSpec::Latest,
        };
        let positions = self
            .list_offsets_settled(&parts, spec)
            .map_err(|e| e.to_string())?;
        let mut offsets = Vec::with_capacity(positions.len());
        for ((t, p), r) in positions {
            let o = r.map_err(|e| format!("{t}[{p}]: {e}"))?;
            offsets.push((t, p, o));
        }
        let deadline = Instant::now() + timeout;
        let results = loop {
            let results = self
                .settled(|| {
                    ffi::alter_consumer_group_offsets(&self.admin, group, &offsets, timeout)
                })
                .map_err(|e| e.to_string())?;
            let settling = results
                .iter()
                .any(|(_, r)| r.as_ref().is_err_and(|e| coordinator_settling(&e.code)));
            if !settling || Instant::now() >= deadline {
                break results;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let failures: Vec<String> = results
            .into_iter()
            .filter_map(|((t, p), r)| r.err().map(|e| format!("{t}[{p}]: {e}")))
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }
}

/// The deadline of a wait that follows progress: it moves out by the timeout whenever a
/// look finds the cluster further along than ever before.
#[derive(Debug)]
pub(crate) struct Stall {
    timeout: Duration,
    deadline: Instant,
    best: (usize, usize),
}

impl Stall {
    pub(crate) fn new(timeout: Duration) -> Stall {
        Stall {
            timeout,
            deadline: Instant::now() + timeout,
            best: (0, 0),
        }
    }

    /// Records a look: `done` items finished and `partial` steps towards the rest.
    /// Progress is a look further along than any before (more done, or as many done and
    /// more steps); true once nothing has moved for the timeout.
    pub(crate) fn stalled(&mut self, done: usize, partial: usize) -> bool {
        let now = Instant::now();
        if (done, partial) > self.best {
            self.best = (done, partial);
            self.deadline = now + self.timeout;
        }
        now >= self.deadline
    }
}

/// The listing, the declared groups' descriptions and every read group's commits.
type GroupDetails = (
    Vec<ffi::GroupListing>,
    Vec<ffi::GroupDescription>,
    BTreeMap<String, Vec<(String, i32, i64)>>,
);

/// What a read fetched about groups, before it is joined with the topics it read.
struct GroupAnswers {
    listing: Vec<ffi::GroupListing>,
    descriptions: Vec<ffi::GroupDescription>,
    /// Group → its commits as `(topic, partition, offset)`.
    committed: BTreeMap<String, Vec<(String, i32, i64)>>,
    starts: BTreeMap<(String, i32), i64>,
    ends: BTreeMap<(String, i32), i64>,
}

impl GroupAnswers {
    /// Declared groups with their lag per consumed topic, and undeclared groups with
    /// commits on managed topics, for the topics `live` holds.
    fn fill(mut self, req: &ReadRequest, live: &mut LiveState) {
        for d in &self.descriptions {
            let committed: BTreeMap<(String, i32), i64> = self
                .committed
                .remove(&d.group_id)
                .unwrap_or_default()
                .into_iter()
                .map(|(t, p, o)| ((t, p), o))
                .collect();
            let consumed: BTreeSet<&String> = req
                .groups
                .get(&d.group_id)
                .into_iter()
                .flatten()
                .chain(committed.keys().map(|(t, _)| t))
                .collect();
            let mut offsets = BTreeMap::new();
            for topic in consumed {
                let Some(lt) = live.topics.get(topic) else {
                    continue;
                };
                let lags = (0..lt.partitions)
                    .map(|p| {
                        let k = (topic.clone(), p);
                        PartitionLag {
                            partition: p,
                            committed: committed.get(&k).copied().filter(|o| *o >= 0),
                            log_start: self.starts.get(&k).copied().unwrap_or(0),
                            log_end: self.ends.get(&k).copied().unwrap_or(0),
                        }
                    })
                    .collect();
                offsets.insert(topic.clone(), lags);
            }
            live.groups.insert(
                d.group_id.clone(),
                LiveGroup {
                    name: d.group_id.clone(),
                    state: state_of(&d.state),
                    members: d.members.len() as u32,
                    offsets,
                },
            );
        }
        if req.find_unmanaged_groups {
            for g in self
                .listing
                .iter()
                .filter(|g| !req.groups.contains_key(&g.group_id))
            {
                let managed: BTreeSet<String> = self
                    .committed
                    .remove(&g.group_id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(t, _, _)| t)
                    .filter(|t| req.manages(t))
                    .collect();
                if !managed.is_empty() {
                    live.unmanaged_groups.insert(g.group_id.clone(), managed);
                }
            }
        }
    }
}

/// A read thread's answer; a thread that panicked fails the read rather than the process.
fn joined<T>(answer: std::thread::Result<T>) -> Result<T, ClusterError> {
    answer.map_err(|_| ClusterError::Request {
        op: "read",
        reason: "a read thread stopped unexpectedly".to_string(),
    })
}

/// Group-coordinator errors that mean "ask again shortly".
fn coordinator_settling(code: &str) -> bool {
    matches!(
        code,
        "CoordinatorLoadInProgress" | "CoordinatorNotAvailable" | "NotCoordinator"
    )
}

/// Per-partition errors that mean "ask again shortly" rather than "this is wrong".
fn leadership_settling(code: &str) -> bool {
    matches!(
        code,
        "NotLeaderForPartition"
            | "LeaderNotAvailable"
            | "UnknownTopicOrPartition"
            | "UnknownPartition"
            | "NoEnt"
            | "FencedLeaderEpoch"
            | "UnknownLeaderEpoch"
            | "OffsetNotAvailable"
    )
}

/// Per-topic outcomes of a wrapper call, each failure with the broker's message and code.
fn broker_results(results: Vec<ffi::TopicOutcome>) -> ItemResults {
    results
        .into_iter()
        .map(|(t, r)| (t, r.map_err(|e| e.to_string())))
        .collect()
}

fn request(op: &'static str, e: ffi::FfiError) -> ClusterError {
    let reason = match e {
        // The wrapper's message already names the operation; keep only the broker's words.
        ffi::FfiError::Request { code, message, .. } => format!("{message} ({code})"),
        other => other.to_string(),
    };
    ClusterError::Request { op, reason }
}

fn item_results(
    results: Vec<Result<String, (String, rdkafka::types::RDKafkaErrorCode)>>,
) -> ItemResults {
    results
        .into_iter()
        .map(|r| match r {
            Ok(name) => (name, Ok(())),
            Err((name, code)) => (name, Err(format!("{code} ({code:?})"))),
        })
        .collect()
}

/// Splits `items` into consecutive runs whose `records` add up to at most
/// `RECORDS_PER_REQUEST`. An item over the limit on its own gets a run of its own, for the
/// broker to judge.
fn record_batches<T>(items: &[T], records: impl Fn(&T) -> usize) -> Vec<&[T]> {
    batches_within(items, &[(&records, RECORDS_PER_REQUEST)])
}

/// Splits `items` into consecutive runs within every `(cost, limit)`: the run's costs add up
/// to at most the limit. An item over a limit on its own gets a run of its own.
#[allow(clippy::type_complexity)]
fn batches_within<'a, T>(items: &'a [T], limits: &[(&dyn Fn(&T) -> usize, usize)]) -> Vec<&'a [T]> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut sums = vec![0usize; limits.len()];
    for (i, item) in items.iter().enumerate() {
        let costs: Vec<usize> = limits.iter().map(|(cost, _)| cost(item).max(1)).collect();
        let over = sums
            .iter()
            .zip(&costs)
            .zip(limits)
            .any(|((sum, cost), (_, limit))| sum + cost > *limit);
        if i > start && over {
            batches.push(&items[start..i]);
            start = i;
            sums.iter_mut().for_each(|s| *s = 0);
        }
        sums.iter_mut().zip(&costs).for_each(|(s, c)| *s += c);
    }
    if start < items.len() {
        batches.push(&items[start..]);
    }
    batches
}

/// Sends a write's requests, `WRITES_IN_FLIGHT` at a time, and merges their answers in
/// order. `send(i)` sends the request of `batches[i]`. Each request's timeout runs from
/// when it is sent, so a write of many requests never fails for having queued behind its
/// siblings, while the next request is already waiting when the controller finishes one.
async fn windowed<T, F>(
    op: &'static str,
    batches: &[&[T]],
    name: impl Fn(&T) -> &str,
    send: impl Fn(usize) -> F,
) -> Result<ItemResults, ClusterError>
where
    F: std::future::Future<Output = rdkafka::error::KafkaResult<Vec<rdkafka::admin::TopicResult>>>,
{
    let answer = |r: rdkafka::error::KafkaResult<Vec<rdkafka::admin::TopicResult>>| {
        r.map(item_results).map_err(|e| ClusterError::Request {
            op,
            reason: kerr(e),
        })
    };
    let mut answers = Vec::with_capacity(batches.len());
    let mut pending = std::collections::VecDeque::new();
    for i in 0..batches.len() {
        if pending.len() >= WRITES_IN_FLIGHT {
            if let Some(oldest) = pending.pop_front() {
                answers.push(answer(oldest.await));
            }
        }
        pending.push_back(send(i));
    }
    for rest in pending {
        answers.push(answer(rest.await));
    }
    merge_batches(batches, name, answers)
}

/// `work` on every item, from up to `WRITES_IN_FLIGHT` threads; answers in item order.
fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, ClusterError> {
    if items.len() <= 1 {
        return Ok(items.iter().map(&work).collect());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = WRITES_IN_FLIGHT.min(items.len());
    let mut answers: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return mine;
                        };
                        mine.push((i, work(item)));
                    }
                })
            })
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for h in handles {
            all.extend(joined(h.join())?);
        }
        Ok::<_, ClusterError>(all)
    })?;
    answers.sort_by_key(|(i, _)| *i);
    Ok(answers.into_iter().map(|(_, r)| r).collect())
}

/// One write's outcome from its requests' answers. A request that failed as a whole
/// fails each of its items with its reason, so the report still says what the other
/// requests did; only when no request was answered does the write fail as a whole, as a
/// single request would.
fn merge_batches<T>(
    batches: &[&[T]],
    name: impl Fn(&T) -> &str,
    answers: Vec<Result<ItemResults, ClusterError>>,
) -> Result<ItemResults, ClusterError> {
    if answers.iter().all(Result::is_err) {
        if let Some(Err(e)) = answers.into_iter().next() {
            return Err(e);
        }
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (batch, answer) in batches.iter().zip(answers) {
        match answer {
            Ok(results) => out.extend(results),
            Err(e) => {
                let reason = e.to_string();
                out.extend(
                    batch
                        .iter()
                        .map(|t| (name(t).to_string(), Err(reason.clone()))),
                );
            }
        }
    }
    Ok(out)
}

/// DescribeConfigs requests in flight for a cluster of `brokers`. Every answer is
/// converted as it arrives, so what is held at once is about this many answers: two per
/// broker keep each broker busy while the client converts the previous answer, and the cap
/// bounds the topics in flight to 1,200 (each answer carries every config entry of its
/// topics, with synonyms: several KB a topic).
fn describe_in_flight(brokers: usize) -> usize {
    (2 * brokers).clamp(2, 6)
}

fn state_of(s: &str) -> GroupState {
    match s {
        "Empty" => GroupState::Empty,
        "Stable" => GroupState::Stable,
        "PreparingRebalance" | "CompletingRebalance" | "Assigning" | "Reconciling" => {
            GroupState::Rebalancing
        }
        "Dead" => GroupState::Dead,
        _ => GroupState::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stall_is_a_look_no_further_along_than_the_best_so_far() {
        let mut wait = Stall::new(Duration::from_secs(3600));
        assert!(!wait.stalled(0, 0));
        assert!(!wait.stalled(2, 0));
        // Fewer done, however many partial steps, is not progress; more steps at the same
        // count done is.
        assert!(!wait.stalled(1, 9));
        assert_eq!(wait.best, (2, 0));
        assert!(!wait.stalled(2, 3));
        assert_eq!(wait.best, (2, 3));
        let before = wait.deadline;
        assert!(!wait.stalled(2, 3));
        assert_eq!(wait.deadline, before, "no progress, no extension");
        // With nothing moving for the timeout, the wait gives up.
        let mut wait = Stall::new(Duration::ZERO);
        assert!(wait.stalled(0, 0));
    }

    #[test]
    fn socket_timeouts_stay_in_librdkafkas_ranges() {
        for ms in [1, 250, 10_000, 600_000, 86_400_000] {
            let mut config = ClientConfig::new();
            socket_timeouts(&mut config, Duration::from_millis(ms));
            // librdkafka validates these when the client is created.
            let created: Result<AdminClient<DefaultClientContext>, _> = config.create();
            assert!(created.is_ok(), "{ms} ms");
        }
    }

    fn sizes(batches: &[&[usize]]) -> Vec<usize> {
        batches.iter().map(|b| b.iter().sum()).collect()
    }

    #[test]
    fn record_batches_stay_under_the_limit_and_keep_order() {
        // 1,000 topics of 11 records (10 partitions + the topic): 454 per request.
        let items = vec![11usize; 1000];
        let batches = record_batches(&items, |n| *n);
        assert_eq!(
            batches.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [454, 454, 92]
        );
        assert!(sizes(&batches).iter().all(|&s| s <= RECORDS_PER_REQUEST));
        let flat: Vec<usize> = batches.concat();
        assert_eq!(flat, items);

        // Exactly at the limit fits; one more record starts a new request.
        let items = [RECORDS_PER_REQUEST - 1, 1, 1];
        assert_eq!(
            sizes(&record_batches(&items, |n| *n)),
            [RECORDS_PER_REQUEST, 1]
        );

        // An item over the limit is sent alone, for the broker to judge.
        let items = [10, RECORDS_PER_REQUEST * 3, 10];
        assert_eq!(
            sizes(&record_batches(&items, |n| *n)),
            [10, RECORDS_PER_REQUEST * 3, 10]
        );

        // Items that cost nothing still count one, so a request is never unbounded.
        let items = vec![0usize; RECORDS_PER_REQUEST + 1];
        assert_eq!(record_batches(&items, |n| *n).len(), 2);
        assert!(record_batches::<usize>(&[], |n| *n).is_empty());
    }

    #[test]
    fn paced_batches_stay_within_every_limit() {
        // (records, logs) per topic: 1,000 topics of 1 partition and 2 configs.
        let items = vec![(4usize, 1usize); 1000];
        let records = |t: &(usize, usize)| t.0;
        let logs = |t: &(usize, usize)| t.1;
        let batches = batches_within(&items, &[(&records, 5_000), (&logs, 250)]);
        assert_eq!(batches.len(), 4, "the log limit binds");
        assert!(batches.iter().all(|b| b.len() == 250));
        // Many configs per topic: the record limit binds first.
        let items = vec![(30usize, 1usize); 400];
        let batches = batches_within(&items, &[(&records, 5_000), (&logs, 250)]);
        assert_eq!(
            batches.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [166, 166, 68]
        );
        assert_eq!(batches.concat(), items);
    }

    #[test]
    fn merged_batches_report_a_failed_request_on_its_items() {
        let names = ["a", "b", "c"];
        let batches: Vec<&[&str]> = vec![&names[..2], &names[2..]];
        let failed = || ClusterError::Request {
            op: "CreateTopics",
            reason: "timed out".to_string(),
        };
        let merged = merge_batches(
            &batches,
            |n| n,
            vec![
                Ok(vec![
                    ("a".into(), Ok(())),
                    ("b".into(), Err("exists".into())),
                ]),
                Err(failed()),
            ],
        )
        .expect("one request answered");
        assert_eq!(
            merged,
            vec![
                ("a".to_string(), Ok(())),
                ("b".to_string(), Err("exists".to_string())),
                (
                    "c".to_string(),
                    Err("CreateTopics failed: timed out".to_string())
                ),
            ]
        );

        // No request answered: the write fails as a whole, as one request would.
        let err = merge_batches(&batches, |n| n, vec![Err(failed()), Err(failed())])
            .expect_err("nothing answered");
        assert_eq!(err.to_string(), "CreateTopics failed: timed out");
        assert_eq!(
            merge_batches::<&str>(&[], |n| n, Vec::new()).ok(),
            Some(Vec::new())
        );
    }
}
