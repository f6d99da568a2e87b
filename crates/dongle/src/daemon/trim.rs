//! Give memory the daemon freed back to the kernel.
//!
//! glibc's allocator keeps one arena per thread and rarely returns what is
//! freed in them. The daemon runs a thread per modem; when 32 of them start
//! together the provider database is parsed (a few MB of XML tree, freed a
//! moment later) and those pages would stay resident for the daemon's whole
//! life. `malloc_trim(0)` walks every arena and releases free pages. musl
//! (the static router build) has no such arenas: nothing to do there.
//!
//! With `sigpipe.rs`, one of the binary's two small `unsafe` modules.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    // SAFETY: malloc_trim only inspects and shrinks the allocator's own free
    // lists under its internal locks; it takes no pointers from us.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}
