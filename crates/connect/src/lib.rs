//! `dongle-connect`: getting a modem online and keeping it there.
//!
//! The steps of `dongle up`, each a small module: validated user input
//! ([`input`]), the SIM ([`sim`]), the AT dialog that ends in `CONNECT`
//! ([`dial`]), the hand-off of the data phase to the system's pppd ([`ppp`]),
//! Huawei's NDIS/NCM data call ([`ndis`]) and the host side of links that
//! arrive as a network interface, NCM or HiLink ([`host`]), what is known
//! about a running link ([`state`]) and when to try again ([`backoff`]). Every failure becomes a [`Finding`]: what went wrong, why,
//! and the fix.

pub mod backoff;
pub mod dial;
pub mod finding;
pub mod host;
pub mod input;
pub mod ndis;
pub mod ppp;
pub mod sim;
pub mod state;

pub use finding::Finding;
