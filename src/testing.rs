//! Helpers shared by the library's own unit tests; compiled only for them.

/// The one way the library's unit tests snapshot text: stored under the top-level
/// `snapshots/core/` directory, beside the core suite's snapshots of the same renderings,
/// named after the case, without module prefixes. The path is absolute so the macro works
/// from any module.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!(
            {
                snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/core"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
            },
            { insta::assert_snapshot!($name, $value) }
        )
    };
}

pub(crate) use snapshot;
