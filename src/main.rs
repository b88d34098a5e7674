//! Entry point (being wired).
fn main() {}
