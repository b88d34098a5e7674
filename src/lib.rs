//! topo: declarative reconciler for Kafka topics, dead-letter queues and consumer groups.
//!
//! Data flows one way: `spec` parses and validates a topology into a `DesiredState`;
//! `cluster` reads a `LiveState`; `diff` turns both into a `Plan`; `render` shows it;
//! `apply` executes it. Only `cluster` talks to a broker; only `app` (and the command
//! modules it calls) does terminal IO.

pub mod app;
pub mod apply;
pub mod cli;
pub mod cluster;
pub mod diff;
pub mod drift;
pub mod error;
pub mod import;
pub mod memory;
pub mod model;
pub mod partition;
pub mod plan;
pub mod render;
pub mod spec;
pub mod tenancy;
pub mod units;
pub mod validate;
