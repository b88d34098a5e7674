//! Differential fuzz target for the topology file's TOML parser: on every input it must
//! accept and refuse what the `toml` crate does and read the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        if let Some(difference) = topo::spec::toml_disagreement(src) {
            panic!("{difference}");
        }
    }
});
