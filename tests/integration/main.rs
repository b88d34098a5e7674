//! Integration tests against a real broker started by `scripts/kafka-dev`: Apache Kafka
//! (KRaft) or a Kafka-compatible flavour, named by `TOPO_TEST_FLAVOUR`. A test that needs
//! something the flavour lacks returns early through `support::has`, which records it.
//! Each test works on its own uniquely named topics and groups so tests run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod apply;
mod broker;
mod drift;
mod environments;
mod ffi;
mod groups;
mod import;
mod partition;
mod plan;
mod seed;
mod support;
