//! Restore the default SIGPIPE action.
//!
//! Rust ignores SIGPIPE, so `dongle list | head -1` would make `println!`
//! panic on the closed pipe. Unix tools are expected to end quietly there;
//! the default action does exactly that. One of the binary's two small
//! `unsafe` modules (the other: `daemon/trim.rs`).

/// Call once at start, before any threads exist.
pub fn restore_default() {
    // SAFETY: signal(2) with SIG_DFL installs no Rust code as a handler; it is
    // called before other threads start, so nothing races on the disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
