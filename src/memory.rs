//! Allocator housekeeping for glibc: the one place outside `cluster` that calls into C.
//!
//! topo's largest transient structure is the parsed topology (the TOML parser holds every
//! token of the file at once: about 50 MB for a 10,000-topic file). glibc keeps freed heap
//! memory resident, so without a trim that parse peak stays in the process for the whole
//! run and adds to the broker read's own peak. Elsewhere this is a no-op.

/// Returns freed heap memory to the system, e.g. after the topology has been parsed.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free; no live
    // allocation moves or changes.
    unsafe {
        libc::malloc_trim(0);
    }
}
