//! The client property table topo validates `[cluster.client]` against is librdkafka's
//! own: this test asks the bundled librdkafka for its property table and compares.

use std::collections::BTreeSet;

/// librdkafka's property table as `rd_kafka_conf_properties_show` prints it (the same
/// text as its CONFIGURATION.md), read back through a temporary file.
fn librdkafka_table() -> String {
    let mut text = Vec::new();
    // SAFETY: a FILE* from tmpfile is valid until fclose; librdkafka only writes to it,
    // and the buffer passed to fread is as large as the length given.
    unsafe {
        let fp = libc::tmpfile();
        assert!(!fp.is_null(), "tmpfile");
        rdkafka::bindings::rd_kafka_conf_properties_show(fp);
        libc::fflush(fp);
        libc::rewind(fp);
        let mut buf = [0u8; 8192];
        loop {
            let n = libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), fp);
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        libc::fclose(fp);
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[test]
fn client_property_table_matches_the_bundled_librdkafka() {
    let table = librdkafka_table();
    let theirs: BTreeSet<String> = table
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim);
            let name = cells.next()?;
            let scope = cells.next()?;
            let is_row = matches!(scope, "*" | "P" | "C")
                && name.starts_with(|c: char| c.is_ascii_lowercase());
            is_row.then(|| name.to_string())
        })
        .collect();
    assert!(
        theirs.len() > 100,
        "parsed only {} properties",
        theirs.len()
    );
    let ours: BTreeSet<String> = topo::spec::client_properties()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let listing: String = theirs.iter().map(|n| format!("    \"{n}\",\n")).collect();
    assert_eq!(
        ours, theirs,
        "src/spec/client_props.rs is out of date; replace CLIENT_PROPERTIES with:\n{listing}"
    );
}
