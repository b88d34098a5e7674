//! Tests of the pure core (file model, validation, diff, plan, renderers) without a broker:
//! each scenario's output is an insta snapshot under `snapshots/core/`, reviewed like code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The one way this suite snapshots text: stored under the top-level `snapshots/core/`
/// directory, named after the scenario, without module prefixes.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!(
            { snapshot_path => "../../snapshots/core", prepend_module_to_snapshot => false, omit_expression => true },
            { insta::assert_snapshot!($name, $value) }
        )
    };
}

mod architecture;
mod client_properties;
mod docs;
mod environments;
mod help;
mod hostile;
mod output;
mod plan;
mod prometheus;
mod spec;
