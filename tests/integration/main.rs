//! Integration tests against a real Kafka broker (KRaft), started by `scripts/kafka-dev`.
//! Each test works on its own uniquely named topics and groups so tests run in parallel.

mod apply;
mod broker;
mod ffi;
mod plan;
mod seed;
mod support;
