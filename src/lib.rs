//! topo: declarative reconciler for Kafka topics, dead-letter queues and consumer groups.
//!
//! Data flows one way: `spec` parses and validates a topology into a `DesiredState`;
//! `cluster` reads a `LiveState`; `diff` turns both into a `Plan`; `render` shows it;
//! `apply` executes it. Only `cluster` talks to a broker; only `commands` does terminal IO.
//! docs/architecture.md lists every module with what it owns and must not do.

pub mod apply;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod diff;
pub mod error;
pub mod files;
pub mod model;
pub mod partition;
pub mod plan;
pub mod render;
pub mod spec;
pub(crate) mod units;

#[cfg(test)]
pub(crate) mod testing;
