//! Live-broker tests for `cluster::ffi`, the librdkafka admin wrappers. The module is
//! crate-private, so `main.rs` compiles its source into this test binary; that keeps
//! these tests in the per-flavour integration runs.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::ffi_impl::{
    self as ffi, AlterOp, BrokerError, DescribePlan, DescribedEntry, FfiError, OffsetSpec,
};
use rdkafka::admin::{
    AdminClient, AdminOptions, ConfigSource, NewTopic, ResourceSpecifier, TopicReplication,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use topo::model::ConfigSource as TopoSource;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A name no other test run uses: `ffi-test-<what>-<time>-<counter>`.
fn unique(what: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock before 1970")
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("ffi-test-{what}-{nanos}-{n}")
}

fn admin() -> AdminClient<DefaultClientContext> {
    admin_for(&crate::broker::bootstrap())
}

fn admin_for(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client")
}

async fn create_topic(admin: &AdminClient<DefaultClientContext>, name: &str, partitions: i32) {
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    let results = admin
        .create_topics([&topic], &AdminOptions::new())
        .await
        .expect("create_topics");
    for result in results {
        result.expect("topic created");
    }
    // The controller has the topic; the broker answering DescribeConfigs may list its
    // entries only a moment later.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let described = admin
            .describe_configs([&ResourceSpecifier::Topic(name)], &AdminOptions::new())
            .await;
        let listed = described
            .ok()
            .and_then(|r| r.into_iter().next())
            .and_then(Result::ok);
        if listed.is_some_and(|r| !r.entries.is_empty()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn delete_topics(admin: &AdminClient<DefaultClientContext>, names: &[&str]) {
    // Best effort: leftovers only cost disk on the dev broker.
    let _ = admin.delete_topics(names, &AdminOptions::new()).await;
}

/// `retention.ms` of `topic` as `(value, source)`, via the safe API.
async fn retention(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
) -> (Option<String>, ConfigSource) {
    let results = admin
        .describe_configs([&ResourceSpecifier::Topic(topic)], &AdminOptions::new())
        .await
        .expect("describe_configs");
    let resource = results
        .into_iter()
        .next()
        .expect("one resource")
        .expect("resource described");
    let entry = resource
        .entries
        .into_iter()
        .find(|e| e.name == "retention.ms")
        .expect("retention.ms entry");
    (entry.value, entry.source)
}

/// Polls `retention.ms` until `check` accepts it: config changes reach the
/// describe path through the metadata log, a moment after the alter returns.
async fn await_retention(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
    check: impl Fn(&(Option<String>, ConfigSource)) -> bool,
) -> (Option<String>, ConfigSource) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let current = retention(admin, topic).await;
        if check(&current) || Instant::now() >= deadline {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn set(key: &str, value: &str) -> (String, AlterOp) {
    (key.to_owned(), AlterOp::Set(value.to_owned()))
}

#[tokio::test]
async fn incremental_alter_sets_validates_and_deletes_topic_configs() {
    if !crate::support::has(crate::support::Need::TrustworthyConfigSources) {
        return;
    }
    let admin = admin();
    let topic = unique("alter");
    let other = unique("alter-other");
    create_topic(&admin, &topic, 1).await;
    create_topic(&admin, &other, 1).await;
    let (default_value, default_source) = retention(&admin, &topic).await;
    assert_eq!(default_source, ConfigSource::Default);

    // validate_only: accepted, but nothing changes.
    let change = vec![(topic.clone(), vec![set("retention.ms", "123456789")])];
    let results = ffi::incremental_alter_topic_configs(&admin, &change, true, TIMEOUT)
        .expect("validate-only alter");
    assert_eq!(results, vec![(topic.clone(), Ok(()))]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        retention(&admin, &topic).await,
        (default_value.clone(), ConfigSource::Default)
    );

    // SET.
    let results =
        ffi::incremental_alter_topic_configs(&admin, &change, false, TIMEOUT).expect("alter set");
    assert_eq!(results, vec![(topic.clone(), Ok(()))]);
    let after_set = await_retention(&admin, &topic, |(_, source)| {
        *source == ConfigSource::DynamicTopic
    })
    .await;
    assert_eq!(
        after_set,
        (Some("123456789".to_owned()), ConfigSource::DynamicTopic)
    );

    // DELETE reverts to the default.
    let delete = vec![(
        topic.clone(),
        vec![("retention.ms".to_owned(), AlterOp::Delete)],
    )];
    let results = ffi::incremental_alter_topic_configs(&admin, &delete, false, TIMEOUT)
        .expect("alter delete");
    assert_eq!(results, vec![(topic.clone(), Ok(()))]);
    let after_delete = await_retention(&admin, &topic, |(_, source)| {
        *source == ConfigSource::Default
    })
    .await;
    assert_eq!(after_delete, (default_value, ConfigSource::Default));

    // Errors are per resource: the bad topic fails, the good one applies.
    // Results come back sorted by topic name whatever the request order.
    let mixed = vec![
        (other.clone(), vec![set("retention.ms", "7200000")]),
        (topic.clone(), vec![set("cleanup.policy", "bogus")]),
    ];
    let results =
        ffi::incremental_alter_topic_configs(&admin, &mixed, false, TIMEOUT).expect("mixed alter");
    let mut expected_order = [topic.clone(), other.clone()];
    expected_order.sort();
    let names: Vec<&String> = results.iter().map(|(name, _)| name).collect();
    assert_eq!(names, expected_order.iter().collect::<Vec<_>>());
    for (name, outcome) in &results {
        if *name == topic {
            let err: &BrokerError = outcome.as_ref().expect_err("bogus cleanup.policy rejected");
            assert_eq!(err.code, "InvalidConfig", "{err:?}");
            assert!(!err.message.is_empty());
        } else {
            assert_eq!(outcome, &Ok(()));
        }
    }
    let other_retention = await_retention(&admin, &other, |(value, _)| {
        value.as_deref() == Some("7200000")
    })
    .await;
    assert_eq!(
        other_retention,
        (Some("7200000".to_owned()), ConfigSource::DynamicTopic)
    );

    // A topic that does not exist is also reported for that resource only.
    let missing = unique("missing");
    let results = ffi::incremental_alter_topic_configs(
        &admin,
        &[(missing.clone(), vec![set("retention.ms", "1000")])],
        true,
        TIMEOUT,
    )
    .expect("alter on missing topic");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].0, missing);
    assert_eq!(
        results[0].1.as_ref().map_err(|e| e.code.as_str()),
        Err("UnknownTopicOrPartition")
    );

    delete_topics(&admin, &[&topic, &other]).await;
}

/// One topic's answer: its kept entries, or the broker's error for it.
type Described = (String, Result<Vec<DescribedEntry>, BrokerError>);

/// Runs `describe_topic_configs` keeping overrides and `retention.ms`, collecting the answers.
fn describe_kept(
    admin: &AdminClient<DefaultClientContext>,
    names: &[String],
    plan: DescribePlan<'_>,
    timeout: Duration,
) -> Result<Vec<Described>, FfiError> {
    let mut answers = Vec::new();
    ffi::describe_topic_configs(
        admin,
        names,
        plan,
        timeout,
        |name, source| source == TopoSource::DynamicTopic || name == "retention.ms",
        |topic, answer| answers.push((topic, answer)),
    )?;
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(answers)
}

#[tokio::test]
async fn describe_topic_configs_chunks_filters_and_reports_per_topic() {
    if !crate::support::has(crate::support::Need::TrustworthyConfigSources) {
        return;
    }
    let admin = admin();
    let names: Vec<String> = (0..5).map(|i| unique(&format!("describe-{i}"))).collect();
    for name in &names {
        create_topic(&admin, name, 1).await;
    }
    let change = vec![(names[1].clone(), vec![set("cleanup.policy", "compact")])];
    let results =
        ffi::incremental_alter_topic_configs(&admin, &change, false, TIMEOUT).expect("alter");
    assert_eq!(results, vec![(names[1].clone(), Ok(()))]);
    let missing = unique("describe-missing");
    let mut asked = names.clone();
    asked.push(missing.clone());

    // Chunks of two with one request in flight: six topics take three rounds, and the
    // override shows up once the metadata log has carried it to the describe path.
    let plan = DescribePlan {
        chunk: 2,
        in_flight: 1,
        brokers: &[],
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let answers = loop {
        let answers = describe_kept(&admin, &asked, plan, TIMEOUT).expect("describe");
        let compacted = answers.iter().any(|(topic, answer)| {
            *topic == names[1]
                && answer
                    .as_ref()
                    .is_ok_and(|e| e.iter().any(|e| e.name == "cleanup.policy"))
        });
        if compacted || Instant::now() >= deadline {
            break answers;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut expected: Vec<&String> = asked.iter().collect();
    expected.sort();
    assert_eq!(
        answers.iter().map(|(t, _)| t).collect::<Vec<_>>(),
        expected,
        "every topic answered exactly once"
    );
    for (topic, answer) in &answers {
        if *topic == missing {
            let err = answer
                .as_ref()
                .expect_err("unknown topic reported per topic");
            assert_eq!(err.code, "UnknownTopicOrPartition", "{err:?}");
            continue;
        }
        let entries = answer.as_ref().expect("described");
        let mut kept: Vec<(&str, Option<&str>, TopoSource)> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref(), e.source))
            .collect();
        kept.sort_by(|a, b| a.0.cmp(b.0));
        let mut want = vec![("retention.ms", Some("604800000"), TopoSource::Default)];
        if *topic == names[1] {
            want.insert(
                0,
                ("cleanup.policy", Some("compact"), TopoSource::DynamicTopic),
            );
        }
        assert_eq!(kept, want, "{topic}");
    }

    // A request aimed at a broker that does not exist is sent again without an aim once
    // its half of the time is up, so the read still succeeds.
    let short = Duration::from_secs(4);
    let answers = describe_kept(
        &admin,
        &names,
        DescribePlan {
            chunk: 10,
            in_flight: 2,
            brokers: &[4242],
        },
        short,
    )
    .expect("retried without a chosen broker");
    assert_eq!(answers.len(), names.len());
    assert!(answers.iter().all(|(_, a)| a.is_ok()), "{answers:?}");

    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    delete_topics(&admin, &refs).await;
}

/// A `list_offsets` outcome with the error reduced to its code.
type OffsetOrCode<'a> = (&'a (String, i32), Result<i64, &'a str>);

#[tokio::test]
async fn list_offsets_reports_earliest_and_latest() {
    if !crate::support::has(crate::support::Need::ExactOffsets) {
        return;
    }
    let admin = admin();
    let topic = unique("offsets");
    create_topic(&admin, &topic, 2).await;
    crate::support::produce(&topic, Some(0), 5);

    // Request order is deliberately reversed; results are sorted.
    let partitions = vec![(topic.clone(), 1), (topic.clone(), 0)];
    let earliest =
        ffi::list_offsets(&admin, &partitions, OffsetSpec::Earliest, TIMEOUT).expect("earliest");
    assert_eq!(
        earliest,
        vec![((topic.clone(), 0), Ok(0)), ((topic.clone(), 1), Ok(0))]
    );
    let latest =
        ffi::list_offsets(&admin, &partitions, OffsetSpec::Latest, TIMEOUT).expect("latest");
    assert_eq!(
        latest,
        vec![((topic.clone(), 0), Ok(5)), ((topic.clone(), 1), Ok(0))]
    );

    // Missing partitions are reported per partition, whether or not the
    // batch also holds partitions that exist.
    let missing = unique("offsets-missing");
    let mixed = vec![(topic.clone(), 9), (missing.clone(), 0), (topic.clone(), 0)];
    let results =
        ffi::list_offsets(&admin, &mixed, OffsetSpec::Latest, TIMEOUT).expect("mixed batch");
    let codes: Vec<OffsetOrCode> = results
        .iter()
        .map(|(tp, r)| (tp, r.as_ref().map(|o| *o).map_err(|e| e.code.as_str())))
        .collect();
    let mut expected = vec![
        (&mixed[0], Err("UnknownPartition")),
        (&mixed[1], Err("UnknownTopicOrPartition")),
        (&mixed[2], Ok(5)),
    ];
    expected.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(codes, expected);
    let only_missing = vec![(missing.clone(), 1), (missing.clone(), 0)];
    let results = ffi::list_offsets(&admin, &only_missing, OffsetSpec::Latest, TIMEOUT)
        .expect("all-missing batch");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].0, (missing.clone(), 0));
    assert_eq!(results[1].0, (missing.clone(), 1));
    assert!(results.iter().all(|(_, r)| r.is_err()), "{results:?}");

    assert!(ffi::list_offsets(&admin, &[], OffsetSpec::Latest, TIMEOUT)
        .expect("empty request")
        .is_empty());

    delete_topics(&admin, &[&topic]).await;
}

#[tokio::test]
async fn group_offsets_listing_and_description_of_an_inactive_group() {
    if !crate::support::has(crate::support::Need::GroupAdmin) {
        return;
    }
    let admin = admin();
    let topic = unique("group-topic");
    let group = unique("group");
    create_topic(&admin, &topic, 2).await;
    crate::support::produce(&topic, Some(0), 4);
    crate::support::produce(&topic, Some(1), 3);

    let offsets = vec![(topic.clone(), 1, 2), (topic.clone(), 0, 3)];
    let altered = ffi::alter_consumer_group_offsets(&admin, &group, &offsets, TIMEOUT)
        .expect("alter offsets");
    assert_eq!(
        altered,
        vec![((topic.clone(), 0), Ok(())), ((topic.clone(), 1), Ok(()))]
    );

    let committed =
        ffi::list_consumer_group_offsets(&admin, &group, TIMEOUT).expect("list offsets");
    assert_eq!(
        committed,
        vec![(topic.clone(), 0, 3), (topic.clone(), 1, 2)]
    );

    let groups = ffi::list_consumer_groups(&admin, TIMEOUT).expect("list groups");
    let listing = groups
        .iter()
        .find(|g| g.group_id == group)
        .unwrap_or_else(|| panic!("{group} missing from {groups:?}"));
    assert_eq!(listing.state, "Empty");
    let mut sorted = groups.clone();
    sorted.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    assert_eq!(groups, sorted);

    let described = ffi::describe_consumer_groups(&admin, std::slice::from_ref(&group), TIMEOUT)
        .expect("describe");
    assert_eq!(described.len(), 1);
    assert_eq!(described[0].group_id, group);
    assert_eq!(described[0].state, "Empty");
    assert!(described[0].members.is_empty());
    assert_eq!(described[0].error, None);

    // A group with no commits lists no offsets.
    let fresh = unique("group-none");
    assert!(ffi::list_consumer_group_offsets(&admin, &fresh, TIMEOUT)
        .expect("list offsets of unknown group")
        .is_empty());

    delete_topics(&admin, &[&topic]).await;
    let _ = admin
        .delete_groups(&[group.as_str()], &AdminOptions::new())
        .await;
}

#[tokio::test]
async fn active_classic_group_is_described_and_refuses_offset_changes() {
    if !crate::support::has(crate::support::Need::GroupAdmin) {
        return;
    }
    active_group_case("classic").await;
}

/// Kafka 4.x also runs KIP-848 ("consumer" protocol) groups; librdkafka
/// describes those with ConsumerGroupDescribe instead of DescribeGroups.
#[tokio::test]
async fn active_consumer_protocol_group_is_described_and_refuses_offset_changes() {
    if !crate::support::has(crate::support::Need::ConsumerProtocolGroups) {
        return;
    }
    active_group_case("consumer").await;
}

async fn active_group_case(protocol: &str) {
    let admin = admin();
    let topic = unique("active-topic");
    let group = unique(&format!("active-{protocol}"));
    create_topic(&admin, &topic, 2).await;

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .set("group.id", &group)
        .set("group.protocol", protocol)
        .set("client.id", "ffi-test-client")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[&topic]).expect("subscribe");

    // Keep the consumer polling until the broker reports the group settled
    // with both partitions assigned.
    let deadline = Instant::now() + TIMEOUT;
    let description = loop {
        let _ = consumer.poll(Duration::from_millis(100));
        let described =
            ffi::describe_consumer_groups(&admin, std::slice::from_ref(&group), TIMEOUT)
                .expect("describe");
        assert_eq!(described.len(), 1);
        let description = described.into_iter().next().expect("one description");
        let assigned: usize = description.members.iter().map(|m| m.assignment.len()).sum();
        if description.state == "Stable" && assigned == 2 {
            break description;
        }
        assert!(
            Instant::now() < deadline,
            "group never settled: {description:?}"
        );
    };
    assert_eq!(description.group_id, group);
    assert_eq!(description.error, None);
    assert_eq!(description.members.len(), 1);
    let member = &description.members[0];
    assert_eq!(member.client_id, "ffi-test-client");
    assert!(!member.consumer_id.is_empty());
    assert!(!member.host.is_empty());
    assert_eq!(
        member.assignment,
        vec![(topic.clone(), 0), (topic.clone(), 1)]
    );

    let groups = ffi::list_consumer_groups(&admin, TIMEOUT).expect("list groups");
    let listing = groups
        .iter()
        .find(|g| g.group_id == group)
        .unwrap_or_else(|| panic!("{group} missing from {groups:?}"));
    assert_eq!(listing.state, "Stable");
    assert!(!listing.is_simple);

    // The broker refuses offset changes while the group has members; the
    // refusal is reported per partition.
    let altered =
        ffi::alter_consumer_group_offsets(&admin, &group, &[(topic.clone(), 0, 0)], TIMEOUT)
            .expect("alter offsets call");
    assert_eq!(altered.len(), 1);
    assert_eq!(altered[0].0, (topic.clone(), 0));
    assert_eq!(
        altered[0].1.as_ref().map_err(|e| e.code.as_str()),
        Err("UnknownMemberId")
    );

    consumer.unsubscribe();
    drop(consumer);
    delete_topics(&admin, &[&topic]).await;
    let _ = admin
        .delete_groups(&[group.as_str()], &AdminOptions::new())
        .await;
}

#[test]
fn describing_an_unknown_group_reports_it_per_group() {
    if !crate::support::has(crate::support::Need::GroupAdmin) {
        return;
    }
    let admin = admin();
    let group = unique("never-used");
    let described = ffi::describe_consumer_groups(&admin, std::slice::from_ref(&group), TIMEOUT)
        .expect("describe");
    assert_eq!(described.len(), 1);
    assert_eq!(described[0].group_id, group);
    assert!(described[0].members.is_empty());
    // ConsumerGroupDescribe answers GROUP_ID_NOT_FOUND, on which librdkafka
    // falls back to classic DescribeGroups, which reports "Dead" without an
    // error.
    assert_eq!(described[0].state, "Dead");
    assert_eq!(described[0].error, None);
}

#[test]
fn invalid_arguments_are_rejected_before_sending() {
    let admin = admin();
    let nul_topic = vec![("bad\0topic".to_owned(), vec![set("retention.ms", "1")])];
    assert!(matches!(
        ffi::incremental_alter_topic_configs(&admin, &nul_topic, true, TIMEOUT),
        Err(FfiError::Invalid { .. })
    ));
    let duplicate = vec![("t".to_owned(), 0), ("t".to_owned(), 0)];
    assert!(matches!(
        ffi::list_offsets(&admin, &duplicate, OffsetSpec::Latest, TIMEOUT),
        Err(FfiError::Invalid { .. })
    ));
    assert!(matches!(
        ffi::alter_consumer_group_offsets(&admin, "g", &[("t".to_owned(), 0, -1)], TIMEOUT),
        Err(FfiError::Invalid { .. })
    ));
    assert!(matches!(
        ffi::list_consumer_group_offsets(&admin, "g\0", TIMEOUT),
        Err(FfiError::Invalid { .. })
    ));
}

#[test]
fn unreachable_cluster_times_out() {
    // Nothing listens on port 1; no result can arrive before the timeout.
    let admin = admin_for("127.0.0.1:1");
    let timeout = Duration::from_millis(500);
    let result = ffi::list_consumer_groups(&admin, timeout);
    assert!(
        matches!(result, Err(FfiError::Timeout(t)) if t == timeout),
        "{result:?}"
    );
    let result = ffi::list_offsets(&admin, &[("t".to_owned(), 0)], OffsetSpec::Latest, timeout);
    assert!(matches!(result, Err(FfiError::Timeout(_))), "{result:?}");
}
