//! Integration tests against a real broker started by `scripts/kafka-dev`: Apache Kafka
//! (KRaft) or a Kafka-compatible flavour, named by `TOPO_TEST_FLAVOUR`. A test that needs
//! something the flavour lacks returns early through `support::has`, which records it.
//! Each test works on its own uniquely named topics and groups so tests run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Helpers shared between these test modules are `pub`; the visibility lint guards the
// library, where a `pub` item means public API.
#![allow(unreachable_pub)]

mod apply;
mod broker;
mod concurrent;
mod drift;
mod environments;
mod faults;
mod ffi;
mod flavours;
mod groups;
mod import;
mod partition;
mod plan;
mod sealed;
mod secrets;
mod secure;
mod seed;
mod support;

/// `topo::cluster::ffi` is crate-private (its functions take rdkafka types, which stay out
/// of topo's public API), so its live-broker tests (`ffi.rs` here) compile its source
/// into this binary. It needs a few items from topo's model, provided under the same path.
#[path = "../../src/cluster/ffi.rs"]
#[allow(dead_code)]
mod ffi_impl;

mod model {
    pub(crate) use topo::model::{
        AclBinding, AclOperation, AclPattern, AclPermission, AclResourceType, ScramMechanism,
    };
    pub(crate) use topo::model::{ConfigMap, ConfigSource};
}
