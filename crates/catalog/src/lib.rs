//! `dongle-catalog`: what the project knows about modems, kept as data — known devices with
//! their model names, personalities and port layouts, and the rules that turn USB interface
//! descriptors into port roles (modem / PCUI / diag / GPS). No I/O: it reads [`dongle_usb`]
//! values and answers questions about them.
//!
//! ```
//! use dongle_catalog::{lookup, Personality};
//! let e3372 = lookup(0x12d1, 0x14dc).expect("known");
//! assert_eq!(e3372.personality, Personality::Hilink);
//! ```

mod devices;
mod rules;
mod types;

pub use devices::{known_devices, lookup, KnownDevice, KNOWN_DEVICES};
pub use rules::{
    descriptor_rule, port_role, role_from_descriptor, role_from_name, DescriptorHint,
    DescriptorRule, DESCRIPTOR_RULES, NAME_RULES,
};
pub use types::{personality, Personality, PortRole, RoleSource};
