//! topo: declarative reconciler for Kafka topics, dead-letter queues and consumer groups.
//!
//! Data flows one way: `spec` parses and validates a topology into a `DesiredState`;
//! `cluster` reads a `LiveState`; `diff` turns both into a `Plan`; `render` shows it;
//! `apply` executes it. Only `cluster` talks to a broker, only `app` does terminal IO.

pub mod model;
pub mod partition;
pub mod plan;
pub mod units;
pub mod diff;
pub mod cluster;
pub mod spec;
