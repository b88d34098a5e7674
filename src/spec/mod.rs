//! Topology file parsing and validation (in progress).
