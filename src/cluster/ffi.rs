//! Blocking wrappers over the librdkafka admin calls that rdkafka's safe
//! `AdminClient` does not expose: IncrementalAlterConfigs on topics,
//! ListOffsets, ListConsumerGroups, DescribeConsumerGroups,
//! ListConsumerGroupOffsets and AlterConsumerGroupOffsets, plus a
//! DescribeConfigs of many topics that spreads its requests over the brokers
//! and copies only the entries the caller keeps.
//!
//! This module owns the crate's unsafe boundary towards the librdkafka C API
//! and exposes only safe, crate-private functions that take a timeout and
//! return plain Rust values. Every call goes through one helper,
//! [`AdminCall`], which owns the submit → wait → result-extraction sequence;
//! a call supplies only its request objects (and the [`Submit`] shape of its
//! enqueue function) and the conversion of each result item. It upholds these
//! invariants:
//!
//! - Ownership: every librdkafka object created here (admin options, the
//!   private result queue, the result event, config resources, partition
//!   lists, group-offset request objects, error objects) is wrapped in an
//!   RAII guard as soon as it is returned, so it is destroyed exactly once on
//!   every path, including errors and timeouts. librdkafka copies request
//!   objects when an operation is enqueued, so request guards may drop as
//!   soon as the call returns.
//! - Borrowing: pointers obtained from a result event (names, arrays,
//!   partition lists, error objects) are dereferenced only while the event
//!   guard is alive, and are copied into owned Rust values before it drops.
//! - Handle lifetime: the native `rd_kafka_t` comes from a borrowed
//!   `AdminClient`, which therefore outlives the call. When a call times out
//!   its queue is destroyed; librdkafka then discards the late result itself.
//! - Inputs: strings handed to C are NUL-terminated `CString`s; interior NUL
//!   bytes and arguments librdkafka would reject for the whole request are
//!   reported as [`FfiError::Invalid`] before anything is sent.
//! - Error codes: codes that librdkafka passes through from the broker are
//!   read as plain integers, never as rdkafka-sys's Rust enum, so a code newer
//!   than the bindings cannot produce an invalid enum value.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

use rdkafka::admin::AdminClient;
use rdkafka::bindings as rd;
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::model::{ConfigMap, ConfigSource};

/// Failure of a whole admin call (as opposed to a per-resource error).
#[derive(Debug, thiserror::Error)]
pub(crate) enum FfiError {
    /// No result arrived within the caller's timeout.
    #[error("timed out after {0:?} waiting for the broker")]
    Timeout(Duration),
    /// librdkafka or the broker rejected the request as a whole.
    #[error("{op} failed: {message} ({code})")]
    Request {
        op: &'static str,
        code: String,
        message: String,
    },
    /// The arguments cannot be expressed as a valid request.
    #[error("invalid argument for {op}: {message}")]
    Invalid { op: &'static str, message: String },
}

/// Error reported for a single resource (topic, partition or group).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code})")]
pub(crate) struct BrokerError {
    /// Error name as rdkafka spells it (e.g. `InvalidConfig`), or
    /// librdkafka's `rd_kafka_err2name` for codes rdkafka does not know.
    pub(crate) code: String,
    /// Human-readable message from the broker or librdkafka.
    pub(crate) message: String,
}

/// One incremental change to a config key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlterOp {
    /// Set the key to this value.
    Set(String),
    /// Remove the override so the key reverts to its default.
    Delete,
}

/// Which offset `list_offsets` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The log end offset (offset of the next message to be written).
    Latest,
}

/// Outcome for one topic of `incremental_alter_topic_configs`.
pub(crate) type TopicOutcome = (String, Result<(), BrokerError>);

/// Offset (or error) for one `(topic, partition)` of `list_offsets`.
pub(crate) type OffsetOutcome = ((String, i32), Result<i64, BrokerError>);

/// Outcome for one `(topic, partition)` of `alter_consumer_group_offsets`.
pub(crate) type CommitOutcome = ((String, i32), Result<(), BrokerError>);

/// One entry of `list_consumer_groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupListing {
    pub(crate) group_id: String,
    /// As named by `rd_kafka_consumer_group_state_name`: `Stable`, `Empty`,
    /// `PreparingRebalance`, `CompletingRebalance`, `Dead` or `Unknown`.
    /// Groups using the KIP-848 consumer protocol report `Stable`, `Empty`
    /// and `Dead` as such, but their `Assigning` and `Reconciling` states
    /// have no librdkafka equivalent and show as `Unknown`.
    pub(crate) state: String,
    pub(crate) is_simple: bool,
}

/// One member of a described group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupMember {
    pub(crate) client_id: String,
    pub(crate) consumer_id: String,
    pub(crate) host: String,
    /// Assigned partitions, sorted by topic then partition.
    pub(crate) assignment: Vec<(String, i32)>,
}

/// Result of `describe_consumer_groups` for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupDescription {
    pub(crate) group_id: String,
    /// Same vocabulary as [`GroupListing::state`].
    pub(crate) state: String,
    /// Members, sorted by consumer id.
    pub(crate) members: Vec<GroupMember>,
    /// Set when this group could not be described.
    pub(crate) error: Option<BrokerError>,
}

/// Applies incremental config changes to topics with IncrementalAlterConfigs
/// (never the legacy AlterConfigs, which would reset unspecified keys).
///
/// Returns one result per topic, sorted by topic name. With `validate_only`
/// the broker checks the changes without applying them.
pub(crate) fn incremental_alter_topic_configs(
    admin: &AdminClient<DefaultClientContext>,
    changes: &[(String, Vec<(String, AlterOp)>)],
    validate_only: bool,
    timeout: Duration,
) -> Result<Vec<TopicOutcome>, FfiError> {
    const OP: &str = "IncrementalAlterConfigs";
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let mut topics = HashSet::new();
    let mut resources = Vec::with_capacity(changes.len());
    for (topic, entries) in changes {
        if !topics.insert(topic.as_str()) {
            return Err(invalid(
                OP,
                format!("topic {topic:?} appears more than once"),
            ));
        }
        let name = c_string(OP, "topic", topic)?;
        // SAFETY: `name` is a valid NUL-terminated string for the duration of
        // the call; librdkafka copies it into the new resource.
        let raw = unsafe {
            rd::rd_kafka_ConfigResource_new(
                rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC,
                name.as_ptr(),
            )
        };
        let resource =
            ConfigResource::from_raw(raw).ok_or_else(|| no_object(OP, "config resource"))?;
        let mut keys = HashSet::new();
        for (key, alter) in entries {
            if !keys.insert(key.as_str()) {
                return Err(invalid(
                    OP,
                    format!("key {key:?} appears more than once for topic {topic:?}"),
                ));
            }
            let key_c = c_string(OP, "config key", key)?;
            let (op_type, value) = match alter {
                AlterOp::Set(value) => (
                    rd::rd_kafka_AlterConfigOpType_t::RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET,
                    Some(c_string(OP, "config value", value)?),
                ),
                AlterOp::Delete => (
                    rd::rd_kafka_AlterConfigOpType_t::RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE,
                    None,
                ),
            };
            let value_ptr = value.as_ref().map_or(ptr::null(), |v| v.as_ptr());
            // SAFETY: `resource` is live and exclusively ours; `key_c` and
            // `value_ptr` (NULL only for DELETE, as the API requires) are
            // valid NUL-terminated strings that librdkafka copies.
            let raw_err = unsafe {
                rd::rd_kafka_ConfigResource_add_incremental_config(
                    resource.as_ptr(),
                    key_c.as_ptr(),
                    op_type,
                    value_ptr,
                )
            };
            if let Some(err) = OwnedError::from_raw(raw_err) {
                return Err(invalid(OP, format!("{topic}: {key}: {}", err.message())));
            }
        }
        resources.push(resource);
    }

    // SAFETY: the API, the event type and both accessors all belong to IncrementalAlterConfigs.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS,
            rd::RD_KAFKA_EVENT_INCREMENTALALTERCONFIGS_RESULT,
            rd::rd_kafka_event_IncrementalAlterConfigs_result,
            rd::rd_kafka_IncrementalAlterConfigs_result_resources,
        )
    };
    let request = Array::objects(rd::rd_kafka_IncrementalAlterConfigs, &resources);
    let mut out = call.call(admin, timeout, validate_only, request, |resource| {
        // SAFETY: `resource` is a live element of the result array; the strings it
        // returns are owned by it and copied immediately.
        let (name, code, message) = unsafe {
            (
                owned_string(rd::rd_kafka_ConfigResource_name(resource)),
                raw::rd_kafka_ConfigResource_error(resource),
                rd::rd_kafka_ConfigResource_error_string(resource),
            )
        };
        // SAFETY: `message` is NULL or a string owned by the live resource.
        (name, unsafe { item_outcome(code, message) })
    })?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// CreateTopics with the broker's own message in every failed item (rdkafka's safe call
/// keeps only the code, and the message is what names the offending key or value).
///
/// `topics` holds `(name, partitions, replication factor, config overrides)`; returns one
/// result per topic, sorted by name.
pub(crate) fn create_topics(
    admin: &AdminClient<DefaultClientContext>,
    topics: &[(String, i32, i16, ConfigMap)],
    validate_only: bool,
    timeout: Duration,
) -> Result<Vec<TopicOutcome>, FfiError> {
    const OP: &str = "CreateTopics";
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let mut requests = Vec::with_capacity(topics.len());
    for (name, partitions, rf, config) in topics {
        let name_c = c_string(OP, "topic", name)?;
        let mut errbuf = ErrBuf::new();
        // SAFETY: `name_c` is a valid NUL-terminated string and `errbuf` a writable buffer
        // of the given length, both alive for the call; librdkafka copies the name.
        let raw_topic = unsafe {
            rd::rd_kafka_NewTopic_new(
                name_c.as_ptr(),
                *partitions,
                c_int::from(*rf),
                errbuf.as_mut_ptr(),
                errbuf.len(),
            )
        };
        let topic = NewTopic::from_raw(raw_topic)
            .ok_or_else(|| invalid(OP, format!("{name}: {}", errbuf.message())))?;
        for (key, value) in config {
            let key_c = c_string(OP, "config key", key)?;
            let value_c = c_string(OP, "config value", value)?;
            // SAFETY: `topic` is live and exclusively ours; key and value are valid
            // NUL-terminated strings that librdkafka copies.
            let err = unsafe {
                rd::rd_kafka_NewTopic_set_config(topic.as_ptr(), key_c.as_ptr(), value_c.as_ptr())
            };
            if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                return Err(invalid(OP, format!("{name}: cannot set {key}")));
            }
        }
        requests.push(topic);
    }
    // SAFETY: the API, the event type and both accessors all belong to CreateTopics.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATETOPICS,
            rd::RD_KAFKA_EVENT_CREATETOPICS_RESULT,
            rd::rd_kafka_event_CreateTopics_result,
            rd::rd_kafka_CreateTopics_result_topics,
        )
    };
    let request = Array::objects(rd::rd_kafka_CreateTopics, &requests);
    let mut out = call.call(admin, timeout, validate_only, request, topic_result)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// CreatePartitions with the broker's own message in every failed item. `topics` holds
/// `(name, new total partition count)`; returns one result per topic, sorted by name.
pub(crate) fn create_partitions(
    admin: &AdminClient<DefaultClientContext>,
    topics: &[(String, i32)],
    validate_only: bool,
    timeout: Duration,
) -> Result<Vec<TopicOutcome>, FfiError> {
    const OP: &str = "CreatePartitions";
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let mut requests = Vec::with_capacity(topics.len());
    for (name, total) in topics {
        let total = usize::try_from(*total)
            .map_err(|_| invalid(OP, format!("{name}: negative partition count {total}")))?;
        let name_c = c_string(OP, "topic", name)?;
        let mut errbuf = ErrBuf::new();
        // SAFETY: `name_c` is a valid NUL-terminated string and `errbuf` a writable buffer
        // of the given length, both alive for the call; librdkafka copies the name.
        let raw_parts = unsafe {
            rd::rd_kafka_NewPartitions_new(
                name_c.as_ptr(),
                total,
                errbuf.as_mut_ptr(),
                errbuf.len(),
            )
        };
        let parts = NewPartitions::from_raw(raw_parts)
            .ok_or_else(|| invalid(OP, format!("{name}: {}", errbuf.message())))?;
        requests.push(parts);
    }
    // SAFETY: the API, the event type and both accessors all belong to CreatePartitions.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
            rd::RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT,
            rd::rd_kafka_event_CreatePartitions_result,
            rd::rd_kafka_CreatePartitions_result_topics,
        )
    };
    let request = Array::objects(rd::rd_kafka_CreatePartitions, &requests);
    let mut out = call.call(admin, timeout, validate_only, request, topic_result)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// One item of a CreateTopics or CreatePartitions answer: the topic and its outcome, with
/// the broker's message.
fn topic_result(item: *const rd::rd_kafka_topic_result_t) -> TopicOutcome {
    // SAFETY: `item` is a live element of the result array; the strings it returns are
    // owned by it and copied immediately.
    let (name, code, message) = unsafe {
        (
            owned_string(rd::rd_kafka_topic_result_name(item)),
            raw::rd_kafka_topic_result_error(item),
            rd::rd_kafka_topic_result_error_string(item),
        )
    };
    // SAFETY: `message` is NULL or a string owned by the live item.
    (name, unsafe { item_outcome(code, message) })
}

/// The outcome of one item of an admin answer from its error code and message; the
/// message is read only when the item failed.
///
/// # Safety
/// `message` must be NULL or a NUL-terminated string that outlives the call.
unsafe fn item_outcome(code: c_int, message: *const c_char) -> Result<(), BrokerError> {
    if code == NO_ERROR {
        Ok(())
    } else {
        // SAFETY: the caller vouches for `message`.
        Err(broker_error(code, unsafe { owned_string(message) }))
    }
}

/// One entry of a topic's DescribeConfigs answer. Sensitive values are never copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DescribedEntry {
    pub(crate) name: String,
    pub(crate) value: Option<String>,
    pub(crate) source: ConfigSource,
    pub(crate) read_only: bool,
}

/// How `describe_topic_configs` splits and routes its requests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DescribePlan<'a> {
    /// Topics per DescribeConfigs request.
    pub(crate) chunk: usize,
    /// Requests in flight at once.
    pub(crate) in_flight: usize,
    /// Brokers to spread the requests over, round robin. Any broker can answer for
    /// any topic; empty leaves the choice to librdkafka (one broker for all).
    pub(crate) brokers: &'a [i32],
}

/// Describes the configs of many topics with DescribeConfigs, `plan.chunk` topics per
/// request and up to `plan.in_flight` requests outstanding, spread over `plan.brokers`.
///
/// Answers are handed to `each` as they arrive (so not in `names` order), one call per
/// topic with the entries `keep(name, source)` accepts, or the broker's error for that
/// topic. Converting each answer on arrival, and bounding the requests outstanding,
/// bounds the memory held to a few answers however many topics are described.
///
/// A request sent to a chosen broker that fails as a whole is sent once more without
/// a chosen broker, so one unreachable broker costs time, not the read; that is why a
/// request aimed at a chosen broker gets only half of the time left.
pub(crate) fn describe_topic_configs(
    admin: &AdminClient<DefaultClientContext>,
    names: &[String],
    plan: DescribePlan<'_>,
    timeout: Duration,
    keep: impl Fn(&str, ConfigSource) -> bool,
    mut each: impl FnMut(String, Result<Vec<DescribedEntry>, BrokerError>),
) -> Result<(), FfiError> {
    const OP: &str = "DescribeConfigs";
    let chunks: Vec<&[String]> = names.chunks(plan.chunk.max(1)).collect();
    if chunks.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now().checked_add(timeout);
    let remaining = || deadline.map_or(timeout, |d| d.saturating_duration_since(Instant::now()));
    let rk = admin.inner().native_ptr();
    // SAFETY: `rk` is a live client handle, kept alive by the borrow of `admin`.
    let queue = Queue::from_raw(unsafe { rd::rd_kafka_queue_new(rk) })
        .ok_or_else(|| no_object(OP, "result queue"))?;
    let send = |index: usize, broker: Option<i32>, budget: Duration| -> Result<(), FfiError> {
        let options = admin_options(
            rk,
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
            budget,
        )?;
        if let Some(id) = broker {
            let mut errstr = ErrBuf::new();
            // SAFETY: the options are live and `errstr` is a writable buffer of its size.
            let err = unsafe {
                rd::rd_kafka_AdminOptions_set_broker(
                    options.as_ptr(),
                    id,
                    errstr.as_mut_ptr(),
                    errstr.len(),
                )
            };
            check_option(OP, err, &errstr)?;
        }
        // The opaque carries the chunk's index back on the result; it is never
        // dereferenced, by librdkafka or here.
        // SAFETY: the options are live.
        unsafe { rd::rd_kafka_AdminOptions_set_opaque(options.as_ptr(), index as *mut c_void) };
        let mut resources = Vec::with_capacity(chunks[index].len());
        for topic in chunks[index] {
            let name = c_string(OP, "topic", topic)?;
            // SAFETY: `name` is a valid NUL-terminated string that librdkafka copies.
            let raw = unsafe {
                rd::rd_kafka_ConfigResource_new(
                    rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC,
                    name.as_ptr(),
                )
            };
            resources.push(
                ConfigResource::from_raw(raw).ok_or_else(|| no_object(OP, "config resource"))?,
            );
        }
        let request = Array::objects(rd::rd_kafka_DescribeConfigs, &resources);
        // SAFETY: the handle is kept alive by the borrow of `admin`, the options were made
        // for DescribeConfigs, and the queue lives until every answer has arrived.
        // librdkafka copies the resources and the options before returning.
        unsafe { request.submit(rk, options.as_ptr(), queue.as_ptr()) };
        Ok(())
    };
    let target = |index: usize| match plan.brokers {
        [] => None,
        brokers => Some(brokers[index % brokers.len()]),
    };
    let first_budget = |index: usize| match target(index) {
        Some(_) => remaining() / 2,
        None => remaining(),
    };

    let window = plan.in_flight.max(1);
    let mut next = 0;
    let mut outstanding = 0;
    let mut retried = vec![false; chunks.len()];
    while next < chunks.len() && outstanding < window {
        send(next, target(next), first_budget(next))?;
        next += 1;
        outstanding += 1;
    }
    while outstanding > 0 {
        let wait_ms = ceil_ms(remaining());
        // SAFETY: the queue is live; the event, if any, is ours and guarded at once.
        let Some(event) =
            Event::from_raw(unsafe { rd::rd_kafka_queue_poll(queue.as_ptr(), wait_ms) })
        else {
            if remaining().is_zero() {
                return Err(FfiError::Timeout(timeout));
            }
            continue;
        };
        // SAFETY: the event is live.
        if unsafe { rd::rd_kafka_event_type(event.as_ptr()) }
            != rd::RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT
        {
            continue;
        }
        // SAFETY: the event is live; its opaque is the index set when sending.
        let index = unsafe { rd::rd_kafka_event_opaque(event.as_ptr()) } as usize;
        if index >= chunks.len() {
            continue;
        }
        if let Some((code, message)) = event_error(&event) {
            if target(index).is_some() && !retried[index] {
                retried[index] = true;
                send(index, None, remaining())?;
                continue;
            }
            return Err(request_error(OP, timeout, code, message));
        }
        outstanding -= 1;
        // SAFETY: `event` is a live event of the matching result type.
        let result = unsafe { rd::rd_kafka_event_DescribeConfigs_result(event.as_ptr()) };
        if result.is_null() {
            return Err(unexpected_event(OP));
        }
        let mut cnt = 0usize;
        // SAFETY: `result` belongs to the live `event`; `cnt` is a valid out pointer.
        let array = unsafe { rd::rd_kafka_DescribeConfigs_result_resources(result, &mut cnt) };
        // SAFETY: librdkafka returns NULL or an array of `cnt` resources owned by `event`.
        for &resource in unsafe { event_array(&event, array, cnt) } {
            // SAFETY: `resource` is a live element of the event's result array, and the
            // event outlives the call.
            unsafe { each_topic(resource, &keep, &mut each) };
        }
        drop(event);
        if next < chunks.len() {
            send(next, target(next), first_budget(next))?;
            next += 1;
            outstanding += 1;
        }
    }
    Ok(())
}

/// Copies one described topic out of a result event and hands it to `each`.
///
/// # Safety
/// `resource` must be a live resource of a live DescribeConfigs result event.
unsafe fn each_topic(
    resource: *const rd::rd_kafka_ConfigResource_t,
    keep: &impl Fn(&str, ConfigSource) -> bool,
    each: &mut impl FnMut(String, Result<Vec<DescribedEntry>, BrokerError>),
) {
    // SAFETY: the resource is live (caller contract); its strings are copied at once.
    let (name, code) = unsafe {
        (
            owned_string(rd::rd_kafka_ConfigResource_name(resource)),
            raw::rd_kafka_ConfigResource_error(resource),
        )
    };
    if code != NO_ERROR {
        // SAFETY: as above; the message is owned by the resource.
        let message = unsafe { owned_string(rd::rd_kafka_ConfigResource_error_string(resource)) };
        each(name, Err(broker_error(code, message)));
        return;
    }
    let mut cnt = 0usize;
    // SAFETY: the resource is live; `cnt` is a valid out pointer. The array and its
    // entries are owned by the resource, so by the event.
    let array = unsafe { rd::rd_kafka_ConfigResource_configs(resource, &mut cnt) };
    let entries: &[*const rd::rd_kafka_ConfigEntry_t] = if array.is_null() || cnt == 0 {
        &[]
    } else {
        // SAFETY: librdkafka returns an array of `cnt` live entries.
        unsafe { std::slice::from_raw_parts(array.cast_const(), cnt) }
    };
    let mut kept = Vec::new();
    for &entry in entries {
        // SAFETY: `entry` is live; the name is borrowed only until it is copied or
        // compared, within this iteration.
        let name_ptr = unsafe { rd::rd_kafka_ConfigEntry_name(entry) };
        if name_ptr.is_null() {
            continue;
        }
        // SAFETY: a non-NULL entry name is a NUL-terminated string owned by the entry.
        let key = unsafe { CStr::from_ptr(name_ptr) }.to_string_lossy();
        // SAFETY: `entry` is live.
        let source = source_from(unsafe { raw::rd_kafka_ConfigEntry_source(entry) });
        if !keep(&key, source) {
            continue;
        }
        // SAFETY: `entry` is live; the value is NULL or a string owned by it.
        let (sensitive, read_only, value) = unsafe {
            (
                rd::rd_kafka_ConfigEntry_is_sensitive(entry) != 0,
                rd::rd_kafka_ConfigEntry_is_read_only(entry) != 0,
                rd::rd_kafka_ConfigEntry_value(entry),
            )
        };
        let value = if sensitive || value.is_null() {
            None
        } else {
            // SAFETY: non-NULL, owned by the live entry, copied at once.
            Some(unsafe { owned_string(value) })
        };
        kept.push(DescribedEntry {
            name: key.into_owned(),
            value,
            source,
            read_only,
        });
    }
    each(name, Ok(kept));
}

/// librdkafka's `rd_kafka_ConfigSource_t`, read as an integer so a source newer than
/// the bindings is `Unknown` rather than an invalid enum value.
fn source_from(code: c_int) -> ConfigSource {
    use rd::rd_kafka_ConfigSource_t as S;
    match code {
        c if c == S::RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG as c_int => {
            ConfigSource::DynamicTopic
        }
        c if c == S::RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG as c_int => {
            ConfigSource::DynamicBroker
        }
        c if c == S::RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG as c_int => {
            ConfigSource::DynamicDefaultBroker
        }
        c if c == S::RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG as c_int => {
            ConfigSource::StaticBroker
        }
        c if c == S::RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG as c_int => ConfigSource::Default,
        _ => ConfigSource::Unknown,
    }
}

/// Looks up the earliest or latest offset of many partitions in one
/// ListOffsets call. Results are sorted by topic, then partition.
///
/// Partitions that do not exist are reported per partition
/// (`UnknownTopicOrPartition` for an unknown topic, `UnknownPartition` for a
/// partition beyond the topic's count, or `NoEnt` when none of the requested
/// partitions exists, since librdkafka then drops the detail).
pub(crate) fn list_offsets(
    admin: &AdminClient<DefaultClientContext>,
    partitions: &[(String, i32)],
    spec: OffsetSpec,
    timeout: Duration,
) -> Result<Vec<OffsetOutcome>, FfiError> {
    const OP: &str = "ListOffsets";
    if partitions.is_empty() {
        return Ok(Vec::new());
    }
    let spec_value = match spec {
        OffsetSpec::Earliest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_EARLIEST as i64,
        OffsetSpec::Latest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_LATEST as i64,
    };
    let list = partition_list(
        OP,
        partitions.iter().map(|(t, p)| (t.as_str(), *p, spec_value)),
    )?;

    // SAFETY: the API, the event type and both accessors all belong to ListOffsets.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTOFFSETS,
            rd::RD_KAFKA_EVENT_LISTOFFSETS_RESULT,
            rd::rd_kafka_event_ListOffsets_result,
            rd::rd_kafka_ListOffsets_result_infos,
        )
    };
    let answer = call.send_unchecked(
        admin,
        timeout,
        false,
        One::new(rd::rd_kafka_ListOffsets, &list),
    )?;
    if let Some((code, message)) = answer.error() {
        if code != LOCAL_NOENT {
            return Err(request_error(OP, timeout, code, message));
        }
        // librdkafka fails the whole request with _NOENT when none of the
        // partitions has a leader (unknown topics or partitions), dropping
        // the per-partition detail it reports when only some are missing.
        // Every partition is affected, so report it on each of them.
        let err = broker_error(code, format!("no leader found for partition ({message})"));
        let mut out: Vec<OffsetOutcome> = partitions
            .iter()
            .map(|tp| (tp.clone(), Err(err.clone())))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        return Ok(out);
    }
    let mut out = Vec::with_capacity(partitions.len());
    for &info in answer.items()? {
        // SAFETY: `info` is a live element of the result array and its topic
        // partition is owned by it.
        let Some(tp) =
            (unsafe { read_partition(rd::rd_kafka_ListOffsetsResultInfo_topic_partition(info)) })
        else {
            continue;
        };
        let outcome = if tp.err == NO_ERROR {
            Ok(tp.offset)
        } else {
            Err(broker_error(tp.err, String::new()))
        };
        out.push(((tp.topic, tp.partition), outcome));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Lists every consumer group known to the cluster, sorted by group id.
///
/// Fails as a whole if any broker could not be queried, since a partial
/// listing would silently hide groups.
pub(crate) fn list_consumer_groups(
    admin: &AdminClient<DefaultClientContext>,
    timeout: Duration,
) -> Result<Vec<GroupListing>, FfiError> {
    const OP: &str = "ListConsumerGroups";
    // SAFETY: the API, the event type and both accessors all belong to ListConsumerGroups.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
            rd::RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
            rd::rd_kafka_event_ListConsumerGroups_result,
            rd::rd_kafka_ListConsumerGroups_result_valid,
        )
    };
    let answer = call.send(admin, timeout, false, Bare(rd::rd_kafka_ListConsumerGroups))?;
    let errors = answer.array(rd::rd_kafka_ListConsumerGroups_result_errors)?;
    if let Some(&first) = errors.first() {
        // SAFETY: `first` is a live error object owned by the event.
        let err = unsafe { borrowed_error(first) };
        let more = if errors.len() > 1 {
            format!(" (and {} more errors)", errors.len() - 1)
        } else {
            String::new()
        };
        // A broker that never answered shows up here as librdkafka's own timeout:
        // report it like ours, so callers see one kind of timeout.
        if err.code == "OperationTimedOut" {
            return Err(FfiError::Timeout(timeout));
        }
        return Err(FfiError::Request {
            op: OP,
            code: err.code,
            message: format!("{}{more}", err.message),
        });
    }
    let mut out: Vec<GroupListing> = answer
        .items()?
        .iter()
        .map(|&listing| {
            // SAFETY: `listing` is a live element of the result array; the group id
            // it returns is owned by it and copied immediately.
            let (group_id, state, simple) = unsafe {
                (
                    owned_string(rd::rd_kafka_ConsumerGroupListing_group_id(listing)),
                    rd::rd_kafka_ConsumerGroupListing_state(listing),
                    rd::rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listing),
                )
            };
            GroupListing {
                group_id,
                state: state_name(state),
                is_simple: simple != 0,
            }
        })
        .collect();
    out.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    Ok(out)
}

/// Describes the given consumer groups, sorted by group id. A group that
/// could not be described carries its error in [`GroupDescription::error`].
pub(crate) fn describe_consumer_groups(
    admin: &AdminClient<DefaultClientContext>,
    groups: &[String],
    timeout: Duration,
) -> Result<Vec<GroupDescription>, FfiError> {
    const OP: &str = "DescribeConsumerGroups";
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(groups.len());
    for group in groups {
        if !seen.insert(group.as_str()) {
            return Err(invalid(
                OP,
                format!("group {group:?} appears more than once"),
            ));
        }
        names.push(c_string(OP, "group id", group)?);
    }
    // SAFETY: the API, the event type and both accessors all belong to DescribeConsumerGroups.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
            rd::RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
            rd::rd_kafka_event_DescribeConsumerGroups_result,
            rd::rd_kafka_DescribeConsumerGroups_result_groups,
        )
    };
    let request = Array::names(rd::rd_kafka_DescribeConsumerGroups, &names);
    let mut out = call.call(admin, timeout, false, request, |desc| {
        // SAFETY: `desc` is a live element of the result array.
        unsafe { read_group_description(desc) }
    })?;
    out.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    Ok(out)
}

/// Committed offsets of `group` for every partition it has a commit on, as
/// `(topic, partition, offset)` sorted by topic then partition.
///
/// A group without commits (or unknown to the cluster) yields an empty list.
/// The result has no per-partition error slot, so an error reported for any
/// partition fails the whole call.
pub(crate) fn list_consumer_group_offsets(
    admin: &AdminClient<DefaultClientContext>,
    group: &str,
    timeout: Duration,
) -> Result<Vec<(String, i32, i64)>, FfiError> {
    const OP: &str = "ListConsumerGroupOffsets";
    let group_c = c_string(OP, "group id", group)?;
    // SAFETY: `group_c` is a valid NUL-terminated string; a NULL partition
    // list asks for all committed partitions. librdkafka copies the group id.
    let raw = unsafe { rd::rd_kafka_ListConsumerGroupOffsets_new(group_c.as_ptr(), ptr::null()) };
    let request = ListGroupOffsets::from_raw(raw).ok_or_else(|| no_object(OP, "request object"))?;

    // SAFETY: the API, the event type and both accessors all belong to ListConsumerGroupOffsets.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
            rd::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
            rd::rd_kafka_event_ListConsumerGroupOffsets_result,
            rd::rd_kafka_ListConsumerGroupOffsets_result_groups,
        )
    };
    let partitions = group_offsets(
        &call,
        admin,
        timeout,
        rd::rd_kafka_ListConsumerGroupOffsets,
        request,
    )?;
    let mut out = Vec::new();
    for tp in partitions {
        if tp.err != NO_ERROR {
            let err = broker_error(tp.err, String::new());
            return Err(FfiError::Request {
                op: OP,
                code: err.code,
                message: format!("{}[{}]: {}", tp.topic, tp.partition, err.message),
            });
        }
        // A negative offset means "no committed offset"; only real commits are reported.
        if tp.offset >= 0 {
            out.push((tp.topic, tp.partition, tp.offset));
        }
    }
    out.sort();
    Ok(out)
}

/// Sets committed offsets of `group`, given as `(topic, partition, offset)`.
///
/// The broker only accepts this for groups without active members; otherwise
/// the affected partitions report an error. Results are per partition, sorted
/// by topic then partition.
pub(crate) fn alter_consumer_group_offsets(
    admin: &AdminClient<DefaultClientContext>,
    group: &str,
    offsets: &[(String, i32, i64)],
    timeout: Duration,
) -> Result<Vec<CommitOutcome>, FfiError> {
    const OP: &str = "AlterConsumerGroupOffsets";
    if offsets.is_empty() {
        return Ok(Vec::new());
    }
    if let Some((topic, partition, offset)) = offsets.iter().find(|(_, _, offset)| *offset < 0) {
        return Err(invalid(
            OP,
            format!("offset {offset} for {topic}[{partition}] is negative"),
        ));
    }
    let group_c = c_string(OP, "group id", group)?;
    let list = partition_list(OP, offsets.iter().map(|(t, p, o)| (t.as_str(), *p, *o)))?;
    // SAFETY: `group_c` is a valid NUL-terminated string and `list` a live
    // partition list; librdkafka copies both into the new request object.
    let raw =
        unsafe { rd::rd_kafka_AlterConsumerGroupOffsets_new(group_c.as_ptr(), list.as_ptr()) };
    let request =
        AlterGroupOffsets::from_raw(raw).ok_or_else(|| no_object(OP, "request object"))?;
    drop(list);

    // SAFETY: the API, the event type and both accessors all belong to AlterConsumerGroupOffsets.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
            rd::RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT,
            rd::rd_kafka_event_AlterConsumerGroupOffsets_result,
            rd::rd_kafka_AlterConsumerGroupOffsets_result_groups,
        )
    };
    let partitions = group_offsets(
        &call,
        admin,
        timeout,
        rd::rd_kafka_AlterConsumerGroupOffsets,
        request,
    )?;
    let mut out: Vec<CommitOutcome> = partitions
        .into_iter()
        .map(|tp| {
            let outcome = if tp.err == NO_ERROR {
                Ok(())
            } else {
                Err(broker_error(tp.err, String::new()))
            };
            ((tp.topic, tp.partition), outcome)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// One librdkafka admin call, apart from its request and the conversion of its items: its
/// name, its API, the event its result arrives as, and the two accessors that lead from
/// that event to the result's array of items.
///
/// The helper owns the unsafe sequence every call shares: options with the request timeout
/// (and `validate_only`), a private result queue, the submit, the wait for the result event
/// until the deadline, the event-level error, and the result array, whose elements are
/// handed out only while the event that owns them is alive. A new call fills in one of
/// these with the matching `rd_kafka_*` functions, builds its request objects in guards
/// declared with `owned_ptr!`, picks the [`Submit`] shape of its enqueue function, and
/// converts each item.
///
/// The four functions must belong to the same operation; [`AdminCall::new`] is unsafe
/// for that reason alone.
struct AdminCall<R, I> {
    op: &'static str,
    api: rd::rd_kafka_admin_op_t,
    event: rd::rd_kafka_event_type_t,
    /// `rd_kafka_event_<Op>_result`.
    result: unsafe extern "C" fn(*mut rd::rd_kafka_event_t) -> *const R,
    /// The accessor of the result's item array, e.g. `rd_kafka_<Op>_result_resources`.
    items: unsafe extern "C" fn(*const R, *mut usize) -> *mut *const I,
}

impl<R, I> AdminCall<R, I> {
    /// # Safety
    /// `api`, `event`, `result` and `items` must belong to the same librdkafka admin
    /// operation: the result accessor is applied to events of type `event`, and the items
    /// accessor to what the result accessor returns.
    const unsafe fn new(
        op: &'static str,
        api: rd::rd_kafka_admin_op_t,
        event: rd::rd_kafka_event_type_t,
        result: unsafe extern "C" fn(*mut rd::rd_kafka_event_t) -> *const R,
        items: unsafe extern "C" fn(*const R, *mut usize) -> *mut *const I,
    ) -> Self {
        AdminCall {
            op,
            api,
            event,
            result,
            items,
        }
    }

    /// Sends `request`, waits for the answer and converts each item of its result array in
    /// order. An event-level error fails the whole call.
    fn call<T>(
        &self,
        admin: &AdminClient<DefaultClientContext>,
        timeout: Duration,
        validate_only: bool,
        request: impl Submit,
        mut convert: impl FnMut(*const I) -> T,
    ) -> Result<Vec<T>, FfiError> {
        let answer = self.send(admin, timeout, validate_only, request)?;
        Ok(answer.items()?.iter().map(|&item| convert(item)).collect())
    }

    /// Sends `request` and waits for the answer; an event-level error fails the call.
    fn send(
        &self,
        admin: &AdminClient<DefaultClientContext>,
        timeout: Duration,
        validate_only: bool,
        request: impl Submit,
    ) -> Result<Answer<'_, R, I>, FfiError> {
        let answer = self.send_unchecked(admin, timeout, validate_only, request)?;
        match answer.error() {
            None => Ok(answer),
            Some((code, message)) => Err(request_error(self.op, timeout, code, message)),
        }
    }

    /// Like [`AdminCall::send`], but leaves an event-level error to the caller.
    fn send_unchecked(
        &self,
        admin: &AdminClient<DefaultClientContext>,
        timeout: Duration,
        validate_only: bool,
        request: impl Submit,
    ) -> Result<Answer<'_, R, I>, FfiError> {
        let call = Call::new(admin, self.op, self.api, timeout)?;
        if validate_only {
            call.set_validate_only()?;
        }
        // SAFETY: the handle is kept alive by the borrow of `admin`; the options and the
        // queue are owned by `call`, which lives until the wait below has returned.
        unsafe { request.submit(call.rk, call.options.as_ptr(), call.queue.as_ptr()) };
        let event = call.wait_event(self.event)?;
        Ok(Answer { call: self, event })
    }
}

/// The result event of one admin call.
struct Answer<'a, R, I> {
    call: &'a AdminCall<R, I>,
    event: Event,
}

impl<R, I> Answer<'_, R, I> {
    /// The event-level error code and message, if the event carries one.
    fn error(&self) -> Option<(c_int, String)> {
        event_error(&self.event)
    }

    /// The typed result object, owned by the event.
    fn result(&self) -> Result<*const R, FfiError> {
        // SAFETY: the event is live, and it is of the type `result` expects: `send`
        // waited for exactly that event type, which belongs to the same operation
        // (`AdminCall::new`'s contract).
        let result = unsafe { (self.call.result)(self.event.as_ptr()) };
        if result.is_null() {
            Err(unexpected_event(self.call.op))
        } else {
            Ok(result)
        }
    }

    /// The result's items, borrowed from the event.
    fn items(&self) -> Result<&[*const I], FfiError> {
        self.array(self.call.items)
    }

    /// Another array of the same result (ListConsumerGroups reports its errors in one),
    /// borrowed from the event.
    fn array<J>(
        &self,
        accessor: unsafe extern "C" fn(*const R, *mut usize) -> *mut *const J,
    ) -> Result<&[*const J], FfiError> {
        let result = self.result()?;
        let mut cnt = 0usize;
        // SAFETY: `result` belongs to the live event and is what `accessor` takes (the
        // items accessor by `AdminCall::new`'s contract, others by the caller's choice of
        // an accessor of the same result type); `cnt` is a valid out pointer.
        let array = unsafe { accessor(result, &mut cnt) };
        // SAFETY: librdkafka returns NULL or an array of `cnt` elements owned by the event.
        Ok(unsafe { event_array(&self.event, array, cnt) })
    }
}

/// How a request reaches librdkafka: one implementation per shape of enqueue function, so
/// an admin call names its function and its request and sends it without unsafe code of
/// its own. Request objects are borrowed from their owners for the lifetime of the request;
/// librdkafka copies them before the enqueue function returns.
trait Submit {
    /// Enqueues the request on `queue`.
    ///
    /// # Safety
    /// `rk`, `options` and `queue` must be live, and `options` must have been made for the
    /// API of the enqueue function.
    unsafe fn submit(
        self,
        rk: *mut rd::rd_kafka_t,
        options: *const AdminOptions,
        queue: *mut RdQueue,
    );
}

type AdminOptions = rd::rd_kafka_AdminOptions_t;
type RdQueue = rd::rd_kafka_queue_t;
/// `f(rk, elements, count, options, queue)`.
type EnqueueArray<P> =
    unsafe extern "C" fn(*mut rd::rd_kafka_t, *mut P, usize, *const AdminOptions, *mut RdQueue);
/// `f(rk, object, options, queue)`.
type EnqueueOne<Q> =
    unsafe extern "C" fn(*mut rd::rd_kafka_t, *mut Q, *const AdminOptions, *mut RdQueue);
/// `f(rk, options, queue)`.
type EnqueueBare = unsafe extern "C" fn(*mut rd::rd_kafka_t, *const AdminOptions, *mut RdQueue);

/// `f(rk, elements, count, options, queue)`, where the elements are request objects
/// (`rd_kafka_IncrementalAlterConfigs`, `rd_kafka_CreateAcls`, ...) or names
/// (`rd_kafka_DescribeConsumerGroups`, ...).
struct Array<'a, P> {
    enqueue: EnqueueArray<P>,
    elements: Vec<P>,
    owners: PhantomData<&'a ()>,
}

impl<'a, Q> Array<'a, *mut Q> {
    /// Request objects, borrowed from their guards.
    fn objects<G: Owned<Raw = Q>>(enqueue: EnqueueArray<*mut Q>, owners: &'a [G]) -> Self {
        let elements = owners.iter().map(Owned::as_ptr).collect();
        Array {
            enqueue,
            elements,
            owners: PhantomData,
        }
    }
}

impl<'a> Array<'a, *const c_char> {
    /// Names, borrowed from their `CString`s.
    fn names(enqueue: EnqueueArray<*const c_char>, owners: &'a [CString]) -> Self {
        let elements = owners.iter().map(|n| n.as_ptr()).collect();
        Array {
            enqueue,
            elements,
            owners: PhantomData,
        }
    }
}

impl<P> Submit for Array<'_, P> {
    unsafe fn submit(
        mut self,
        rk: *mut rd::rd_kafka_t,
        options: *const AdminOptions,
        queue: *mut RdQueue,
    ) {
        let (elements, len) = (self.elements.as_mut_ptr(), self.elements.len());
        // SAFETY: the caller vouches for `rk`, `options` and `queue`; `elements` holds
        // `len` live objects or NUL-terminated strings, borrowed from their owners for `'a`.
        unsafe { (self.enqueue)(rk, elements, len, options, queue) }
    }
}

/// `f(rk, object, options, queue)`, e.g. `rd_kafka_ListOffsets` with its partition list.
struct One<'a, Q> {
    enqueue: EnqueueOne<Q>,
    object: *mut Q,
    owner: PhantomData<&'a Q>,
}

impl<'a, Q> One<'a, Q> {
    fn new<G: Owned<Raw = Q>>(enqueue: EnqueueOne<Q>, owner: &'a G) -> Self {
        One {
            enqueue,
            object: owner.as_ptr(),
            owner: PhantomData,
        }
    }
}

impl<Q> Submit for One<'_, Q> {
    unsafe fn submit(
        self,
        rk: *mut rd::rd_kafka_t,
        options: *const AdminOptions,
        queue: *mut RdQueue,
    ) {
        // SAFETY: the caller vouches for `rk`, `options` and `queue`; the object is live,
        // borrowed from its guard for `'a`.
        unsafe { (self.enqueue)(rk, self.object, options, queue) }
    }
}

/// `f(rk, options, queue)`: a call without request objects, e.g. `rd_kafka_ListConsumerGroups`.
struct Bare(EnqueueBare);

impl Submit for Bare {
    unsafe fn submit(
        self,
        rk: *mut rd::rd_kafka_t,
        options: *const AdminOptions,
        queue: *mut RdQueue,
    ) {
        // SAFETY: the caller vouches for `rk`, `options` and `queue`.
        unsafe { (self.0)(rk, options, queue) }
    }
}

/// librdkafka functions whose result rdkafka-sys declares as the Rust enum
/// `rd_kafka_resp_err_t`. librdkafka passes broker error codes through
/// unchanged, and a code newer than the bindings would be an invalid value
/// of that enum; these declarations bind the same C symbols with the
/// ABI-identical `int` instead.
mod raw {
    use std::ffi::{c_char, c_int};

    use rdkafka::bindings::{
        rd_kafka_ConfigEntry_t, rd_kafka_ConfigResource_t, rd_kafka_error_t, rd_kafka_event_t,
        rd_kafka_topic_result_t,
    };

    extern "C" {
        pub(super) fn rd_kafka_event_error(rkev: *mut rd_kafka_event_t) -> c_int;
        pub(super) fn rd_kafka_ConfigResource_error(
            config: *const rd_kafka_ConfigResource_t,
        ) -> c_int;
        pub(super) fn rd_kafka_topic_result_error(
            topicres: *const rd_kafka_topic_result_t,
        ) -> c_int;
        pub(super) fn rd_kafka_ConfigEntry_source(entry: *const rd_kafka_ConfigEntry_t) -> c_int;
        pub(super) fn rd_kafka_error_code(error: *const rd_kafka_error_t) -> c_int;
        pub(super) fn rd_kafka_err2name(err: c_int) -> *const c_char;
        pub(super) fn rd_kafka_err2str(err: c_int) -> *const c_char;
    }
}

const NO_ERROR: c_int = rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR as c_int;
const LOCAL_TIMED_OUT: c_int = rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__TIMED_OUT as c_int;
const LOCAL_NOENT: c_int = rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__NOENT as c_int;
/// Upper bound librdkafka accepts for an admin request timeout.
const MAX_REQUEST_TIMEOUT_MS: c_int = 3_600_000;

/// A guard owning one librdkafka object; the object lives as long as the guard.
trait Owned {
    type Raw;

    /// The object, for passing to librdkafka while the guard is borrowed.
    fn as_ptr(&self) -> *mut Self::Raw;
}

/// Declares an owning guard for a librdkafka object and its destructor.
macro_rules! owned_ptr {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $destroy:path) => {
        $(#[$doc])*
        struct $name(NonNull<$ty>);

        impl $name {
            /// Takes ownership of `ptr`; `None` if librdkafka returned NULL.
            fn from_raw(ptr: *mut $ty) -> Option<Self> {
                NonNull::new(ptr).map(Self)
            }
        }

        impl Owned for $name {
            type Raw = $ty;

            fn as_ptr(&self) -> *mut $ty {
                self.0.as_ptr()
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: the pointer was returned non-NULL by the matching
                // librdkafka constructor and this guard (neither Clone nor
                // Copy) is its only owner, so it is destroyed exactly once and
                // never used afterwards.
                unsafe { $destroy(self.0.as_ptr()) }
            }
        }
    };
}

owned_ptr!(
    /// `rd_kafka_AdminOptions_t`.
    Options,
    rd::rd_kafka_AdminOptions_t,
    rd::rd_kafka_AdminOptions_destroy
);
owned_ptr!(
    /// Private result queue from `rd_kafka_queue_new`.
    Queue,
    rd::rd_kafka_queue_t,
    rd::rd_kafka_queue_destroy
);
owned_ptr!(
    /// Event returned by `rd_kafka_queue_poll`.
    Event,
    rd::rd_kafka_event_t,
    rd::rd_kafka_event_destroy
);
owned_ptr!(
    /// `rd_kafka_ConfigResource_t` built for a request.
    ConfigResource,
    rd::rd_kafka_ConfigResource_t,
    rd::rd_kafka_ConfigResource_destroy
);
owned_ptr!(
    /// `rd_kafka_NewTopic_t` request object.
    NewTopic,
    rd::rd_kafka_NewTopic_t,
    rd::rd_kafka_NewTopic_destroy
);

owned_ptr!(
    /// `rd_kafka_NewPartitions_t` request object.
    NewPartitions,
    rd::rd_kafka_NewPartitions_t,
    rd::rd_kafka_NewPartitions_destroy
);

owned_ptr!(
    /// `rd_kafka_topic_partition_list_t` built for a request.
    PartitionList,
    rd::rd_kafka_topic_partition_list_t,
    rd::rd_kafka_topic_partition_list_destroy
);
owned_ptr!(
    /// `rd_kafka_ListConsumerGroupOffsets_t` request object.
    ListGroupOffsets,
    rd::rd_kafka_ListConsumerGroupOffsets_t,
    rd::rd_kafka_ListConsumerGroupOffsets_destroy
);
owned_ptr!(
    /// `rd_kafka_AlterConsumerGroupOffsets_t` request object.
    AlterGroupOffsets,
    rd::rd_kafka_AlterConsumerGroupOffsets_t,
    rd::rd_kafka_AlterConsumerGroupOffsets_destroy
);
owned_ptr!(
    /// Caller-owned `rd_kafka_error_t`.
    OwnedError,
    rd::rd_kafka_error_t,
    rd::rd_kafka_error_destroy
);

impl OwnedError {
    fn message(&self) -> String {
        // SAFETY: the error object is live for the duration of the borrow.
        unsafe { borrowed_error(self.as_ptr()) }.message
    }
}

/// One admin request in flight: the native handle plus the options and the
/// private queue the result is delivered to.
struct Call {
    op: &'static str,
    rk: *mut rd::rd_kafka_t,
    options: Options,
    queue: Queue,
    timeout: Duration,
    /// `None` when `timeout` is too large to represent as an instant.
    deadline: Option<Instant>,
}

impl Call {
    fn new(
        admin: &AdminClient<DefaultClientContext>,
        op: &'static str,
        api: rd::rd_kafka_admin_op_t,
        timeout: Duration,
    ) -> Result<Self, FfiError> {
        let deadline = Instant::now().checked_add(timeout);
        // The borrow of `admin` keeps the handle alive for the whole call.
        let rk = admin.inner().native_ptr();
        let options = admin_options(rk, op, api, timeout)?;
        // SAFETY: `rk` is a live client handle.
        let queue = Queue::from_raw(unsafe { rd::rd_kafka_queue_new(rk) })
            .ok_or_else(|| no_object(op, "result queue"))?;
        Ok(Call {
            op,
            rk,
            options,
            queue,
            timeout,
            deadline,
        })
    }

    /// Asks the broker to check the request without carrying it out.
    fn set_validate_only(&self) -> Result<(), FfiError> {
        let mut errstr = ErrBuf::new();
        // SAFETY: the options are live and `errstr` is a writable buffer of the given size.
        let err = unsafe {
            rd::rd_kafka_AdminOptions_set_validate_only(
                self.options.as_ptr(),
                1,
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        };
        self.check_option(err, &errstr)
    }

    fn check_option(&self, err: rd::rd_kafka_resp_err_t, errstr: &ErrBuf) -> Result<(), FfiError> {
        check_option(self.op, err, errstr)
    }

    /// Polls the private queue until an event of type `expected` arrives or the deadline
    /// passes; event-level errors are left to the caller.
    fn wait_event(&self, expected: rd::rd_kafka_event_type_t) -> Result<Event, FfiError> {
        loop {
            let wait_ms = match self.deadline {
                Some(deadline) => ceil_ms(deadline.saturating_duration_since(Instant::now())),
                None => c_int::MAX,
            };
            // SAFETY: the queue is live; the returned event, if any, is owned
            // by us and immediately wrapped in a guard.
            let event =
                Event::from_raw(unsafe { rd::rd_kafka_queue_poll(self.queue.as_ptr(), wait_ms) });
            if let Some(event) = event {
                // SAFETY: the event is live.
                if unsafe { rd::rd_kafka_event_type(event.as_ptr()) } == expected {
                    return Ok(event);
                }
                // Anything else on this private queue is not ours to handle;
                // the guard destroys it.
            }
            if self
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
            {
                return Err(FfiError::Timeout(self.timeout));
            }
        }
    }
}

/// Admin options for `api` with librdkafka's request timeout set to `timeout`.
fn admin_options(
    rk: *mut rd::rd_kafka_t,
    op: &'static str,
    api: rd::rd_kafka_admin_op_t,
    timeout: Duration,
) -> Result<Options, FfiError> {
    // SAFETY: `rk` is a live client handle (callers borrow its `AdminClient`) and
    // `api` a valid admin op.
    let options = Options::from_raw(unsafe { rd::rd_kafka_AdminOptions_new(rk, api) })
        .ok_or_else(|| no_object(op, "admin options"))?;
    let request_ms = duration_ms(timeout).clamp(1, MAX_REQUEST_TIMEOUT_MS);
    let mut errstr = ErrBuf::new();
    // SAFETY: the options are live and `errstr` is a writable buffer of the given size.
    let err = unsafe {
        rd::rd_kafka_AdminOptions_set_request_timeout(
            options.as_ptr(),
            request_ms,
            errstr.as_mut_ptr(),
            errstr.len(),
        )
    };
    check_option(op, err, &errstr)?;
    Ok(options)
}

fn check_option(
    op: &'static str,
    err: rd::rd_kafka_resp_err_t,
    errstr: &ErrBuf,
) -> Result<(), FfiError> {
    if err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        Ok(())
    } else {
        Err(invalid(op, errstr.message()))
    }
}

/// The `FfiError` for an event-level error; librdkafka's own request timeout is
/// reported like ours.
fn request_error(op: &'static str, timeout: Duration, code: c_int, message: String) -> FfiError {
    if code == LOCAL_TIMED_OUT {
        return FfiError::Timeout(timeout);
    }
    let err = broker_error(code, message);
    FfiError::Request {
        op,
        code: err.code,
        message: err.message,
    }
}

/// The event-level error code and message, if the event carries one.
fn event_error(event: &Event) -> Option<(c_int, String)> {
    // SAFETY: the event is live.
    let code = unsafe { raw::rd_kafka_event_error(event.as_ptr()) };
    if code == NO_ERROR {
        return None;
    }
    // SAFETY: the event is live; the string it returns is owned by it and
    // copied at once.
    let message = unsafe { owned_string(rd::rd_kafka_event_error_string(event.as_ptr())) };
    Some((code, message))
}

/// Zero-initialised buffer for librdkafka's `errstr` out-parameters.
struct ErrBuf([c_char; 512]);

impl ErrBuf {
    fn new() -> Self {
        ErrBuf([0; 512])
    }

    fn as_mut_ptr(&mut self) -> *mut c_char {
        self.0.as_mut_ptr()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn message(&self) -> String {
        // librdkafka NUL-terminates within the buffer; the buffer starts
        // zeroed, so a terminator is present even if nothing was written.
        let bytes: Vec<u8> = self
            .0
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Partition element copied out of a librdkafka list.
struct PartitionInfo {
    topic: String,
    partition: i32,
    offset: i64,
    err: c_int,
}

/// Builds a partition list with the given `(topic, partition, offset)`
/// entries, rejecting negative partitions and duplicates up front.
fn partition_list<'a>(
    op: &'static str,
    entries: impl ExactSizeIterator<Item = (&'a str, i32, i64)>,
) -> Result<PartitionList, FfiError> {
    let capacity = c_int::try_from(entries.len()).unwrap_or(c_int::MAX);
    // SAFETY: any non-negative size is a valid initial capacity.
    let list = PartitionList::from_raw(unsafe { rd::rd_kafka_topic_partition_list_new(capacity) })
        .ok_or_else(|| no_object(op, "partition list"))?;
    let mut seen = HashSet::new();
    for (topic, partition, offset) in entries {
        if partition < 0 {
            return Err(invalid(
                op,
                format!("partition {partition} of topic {topic:?} is negative"),
            ));
        }
        if !seen.insert((topic, partition)) {
            return Err(invalid(
                op,
                format!("{topic}[{partition}] appears more than once"),
            ));
        }
        let topic_c = c_string(op, "topic", topic)?;
        // SAFETY: the list is live and exclusively ours; `topic_c` is a valid
        // NUL-terminated string that librdkafka copies.
        let elem = unsafe {
            rd::rd_kafka_topic_partition_list_add(list.as_ptr(), topic_c.as_ptr(), partition)
        };
        if elem.is_null() {
            return Err(no_object(op, "partition list element"));
        }
        // SAFETY: `elem` points to the element just added to our live list;
        // writing a plain integer field through the raw pointer is sound.
        unsafe { (*elem).offset = offset };
    }
    Ok(list)
}

/// Copies one partition element.
///
/// # Safety
/// `tp` must be NULL or point to a live `rd_kafka_topic_partition_t`.
unsafe fn read_partition(tp: *const rd::rd_kafka_topic_partition_t) -> Option<PartitionInfo> {
    if tp.is_null() {
        return None;
    }
    // SAFETY: `tp` is live (caller contract). Fields are read individually
    // through raw pointers, and `err` as a plain `int`, so no possibly
    // out-of-range enum value is ever materialised.
    unsafe {
        Some(PartitionInfo {
            topic: owned_string(ptr::addr_of!((*tp).topic).read()),
            partition: ptr::addr_of!((*tp).partition).read(),
            offset: ptr::addr_of!((*tp).offset).read(),
            err: ptr::addr_of!((*tp).err).cast::<c_int>().read(),
        })
    }
}

/// Copies every element of a partition list.
///
/// # Safety
/// `list` must be NULL or point to a live `rd_kafka_topic_partition_list_t`.
unsafe fn read_partition_list(
    list: *const rd::rd_kafka_topic_partition_list_t,
) -> Vec<PartitionInfo> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: `list` is live (caller contract), so `cnt` elements starting at
    // `elems` are initialised.
    unsafe {
        let cnt = usize::try_from(ptr::addr_of!((*list).cnt).read()).unwrap_or(0);
        let elems = ptr::addr_of!((*list).elems).read();
        if elems.is_null() {
            return Vec::new();
        }
        (0..cnt)
            .filter_map(|i| read_partition(elems.add(i)))
            .collect()
    }
}

/// Sends the one request object a group-offsets call (List or Alter) takes and returns the
/// partitions of every group in the answer; a group-level error fails the call.
fn group_offsets<R, G: Owned>(
    call: &AdminCall<R, rd::rd_kafka_group_result_t>,
    admin: &AdminClient<DefaultClientContext>,
    timeout: Duration,
    enqueue: EnqueueArray<*mut G::Raw>,
    request: G,
) -> Result<Vec<PartitionInfo>, FfiError> {
    // The API takes exactly one request object.
    let requests = [request];
    let answer = call.send(admin, timeout, false, Array::objects(enqueue, &requests))?;
    let mut out = Vec::new();
    for &group_result in answer.items()? {
        // SAFETY: `group_result` is a live element of the result array.
        out.extend(unsafe { group_result_partitions(call.op, group_result)? });
    }
    Ok(out)
}

/// Partitions of a group result, or the group-level error.
///
/// # Safety
/// `group_result` must point to a live `rd_kafka_group_result_t`.
unsafe fn group_result_partitions(
    op: &'static str,
    group_result: *const rd::rd_kafka_group_result_t,
) -> Result<Vec<PartitionInfo>, FfiError> {
    // SAFETY: `group_result` is live (caller contract); the error object and
    // partition list it returns are owned by it and only read here.
    unsafe {
        let error = rd::rd_kafka_group_result_error(group_result);
        if !error.is_null() {
            let err = borrowed_error(error);
            let group = owned_string(rd::rd_kafka_group_result_name(group_result));
            return Err(FfiError::Request {
                op,
                code: err.code,
                message: format!("group {group}: {}", err.message),
            });
        }
        Ok(read_partition_list(rd::rd_kafka_group_result_partitions(
            group_result,
        )))
    }
}

/// Copies one consumer group description.
///
/// # Safety
/// `desc` must point to a live `rd_kafka_ConsumerGroupDescription_t`.
unsafe fn read_group_description(
    desc: *const rd::rd_kafka_ConsumerGroupDescription_t,
) -> GroupDescription {
    // SAFETY: `desc` is live (caller contract); members, assignments, strings
    // and the error object are owned by it and copied before returning.
    unsafe {
        let error = rd::rd_kafka_ConsumerGroupDescription_error(desc);
        let mut members = Vec::new();
        for i in 0..rd::rd_kafka_ConsumerGroupDescription_member_count(desc) {
            let member = rd::rd_kafka_ConsumerGroupDescription_member(desc, i);
            if member.is_null() {
                continue;
            }
            let assignment = rd::rd_kafka_MemberDescription_assignment(member);
            let mut assigned: Vec<(String, i32)> = if assignment.is_null() {
                Vec::new()
            } else {
                read_partition_list(rd::rd_kafka_MemberAssignment_partitions(assignment))
                    .into_iter()
                    .map(|tp| (tp.topic, tp.partition))
                    .collect()
            };
            assigned.sort();
            members.push(GroupMember {
                client_id: owned_string(rd::rd_kafka_MemberDescription_client_id(member)),
                consumer_id: owned_string(rd::rd_kafka_MemberDescription_consumer_id(member)),
                host: owned_string(rd::rd_kafka_MemberDescription_host(member)),
                assignment: assigned,
            });
        }
        members.sort_by(|a, b| (&a.consumer_id, &a.client_id).cmp(&(&b.consumer_id, &b.client_id)));
        GroupDescription {
            group_id: owned_string(rd::rd_kafka_ConsumerGroupDescription_group_id(desc)),
            state: state_name(rd::rd_kafka_ConsumerGroupDescription_state(desc)),
            members,
            error: (!error.is_null()).then(|| borrowed_error(error)),
        }
    }
}

/// Copies the code and message of an error object we do not own.
///
/// # Safety
/// `error` must point to a live `rd_kafka_error_t`.
unsafe fn borrowed_error(error: *const rd::rd_kafka_error_t) -> BrokerError {
    // SAFETY: `error` is live (caller contract); its string is copied at once.
    let (code, message) = unsafe {
        (
            raw::rd_kafka_error_code(error),
            owned_string(rd::rd_kafka_error_string(error)),
        )
    };
    broker_error(code, message)
}

/// Views a result array owned by `_event` as a slice that lives as long as
/// the borrow of the event.
///
/// # Safety
/// `array` must be NULL or point to `cnt` initialised pointers owned by `_event`.
unsafe fn event_array<T>(_event: &Event, array: *mut *const T, cnt: usize) -> &[*const T] {
    if array.is_null() || cnt == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller; the returned slice borrows the event.
        unsafe { std::slice::from_raw_parts(array.cast_const(), cnt) }
    }
}

/// Copies a C string; NULL yields an empty string.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string valid for the call.
unsafe fn owned_string(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Builds a `BrokerError`, falling back to librdkafka's description when the
/// source gave no message.
fn broker_error(code: c_int, message: String) -> BrokerError {
    let message = if message.is_empty() {
        // SAFETY: `rd_kafka_err2str` accepts any code and returns a static string.
        unsafe { owned_string(raw::rd_kafka_err2str(code)) }
    } else {
        message
    };
    BrokerError {
        code: code_name(code),
        message,
    }
}

/// rdkafka's name for an error code (e.g. `InvalidConfig`), or librdkafka's
/// `rd_kafka_err2name` for codes the bindings do not know.
fn code_name(code: c_int) -> String {
    match rd::rd_kafka_resp_err_t::try_from(code) {
        Ok(err) => format!("{:?}", RDKafkaErrorCode::from(err)),
        // SAFETY: `rd_kafka_err2name` accepts any code and returns a string
        // that stays valid until the next call on this thread; it is copied at once.
        Err(_) => unsafe { owned_string(raw::rd_kafka_err2name(code)) },
    }
}

fn state_name(state: rd::rd_kafka_consumer_group_state_t) -> String {
    // SAFETY: any state value is accepted; the returned name is static.
    unsafe { owned_string(rd::rd_kafka_consumer_group_state_name(state)) }
}

fn c_string(op: &'static str, what: &str, value: &str) -> Result<CString, FfiError> {
    CString::new(value).map_err(|_| invalid(op, format!("{what} {value:?} contains a NUL byte")))
}

fn invalid(op: &'static str, message: String) -> FfiError {
    FfiError::Invalid { op, message }
}

fn no_object(op: &'static str, what: &str) -> FfiError {
    FfiError::Request {
        op,
        code: "Fail".to_owned(),
        message: format!("librdkafka did not create the {what}"),
    }
}

fn unexpected_event(op: &'static str) -> FfiError {
    FfiError::Request {
        op,
        code: "Fail".to_owned(),
        message: "result event carried no result".to_owned(),
    }
}

/// Whole milliseconds in `d`, saturating at `c_int::MAX`.
fn duration_ms(d: Duration) -> c_int {
    c_int::try_from(d.as_millis()).unwrap_or(c_int::MAX)
}

/// Milliseconds in `d` rounded up, so a sub-millisecond remainder still blocks.
fn ceil_ms(d: Duration) -> c_int {
    c_int::try_from(d.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX)
}

#[path = "ffi_security.rs"]
mod security;
#[allow(unused_imports)] // the integration tests compile this file and use only some
pub(crate) use security::{
    connection_failure, create_acls, delete_acls, describe_acls, describe_user_scram_credentials,
    quiet_logs, upsert_user_scram_credentials,
};
