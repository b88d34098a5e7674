//! Integration tests against a real Kafka broker (KRaft), started by `scripts/kafka-dev`.
//! Each test works on its own uniquely named topics and groups so tests run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod apply;
mod broker;
mod drift;
mod ffi;
mod groups;
mod import;
mod partition;
mod plan;
mod seed;
mod support;
