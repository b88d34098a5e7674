//! The Prometheus exposition of a plan, read back by an independent parser of the text
//! format: every gauge is there, and a group name with quotes, backslashes and a line
//! break survives as a label value.

use std::collections::BTreeMap;

use topo::diff::{diff, DiffContext};
use topo::model::{DesiredState, LiveState};
use topo::plan::{GroupView, TopicLagView};

#[test]
fn exposition_parses_and_label_values_survive_escaping() {
    let desired = DesiredState::default();
    let mut plan = diff(
        &desired,
        &LiveState::default(),
        &desired.policy,
        &DiffContext::default(),
    );
    let awkward = "billing \"eu\" \\ team\nnight";
    plan.groups.push(GroupView {
        name: awkward.to_string(),
        state: None,
        members: 0,
        lag_budget: None,
        topics: BTreeMap::from([(
            "orders".to_string(),
            TopicLagView {
                partitions: 3,
                committed_partitions: 3,
                lag: 42,
                worst: None,
            },
        )]),
    });
    let text = topo::render::prometheus(&plan);
    let exposition = openmetrics_parser::prometheus::parse_prometheus(&text)
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    for gauge in ["topo_drift_create", "topo_drift_refused", "topo_group_lag"] {
        assert!(exposition.families.contains_key(gauge), "{gauge}\n{text}");
    }
    let lag = &exposition.families["topo_group_lag"];
    let sample = lag.iter_samples().next().expect("one lag sample");
    let labels = sample.get_labelset().expect("labels");
    assert_eq!(labels.get_label_value("group"), Some(awkward));
    assert_eq!(labels.get_label_value("topic"), Some("orders"));
}
