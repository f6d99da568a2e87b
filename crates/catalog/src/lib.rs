//! `dongle-catalog`: what the project knows about modems, kept as data — known devices with
//! their model names, personalities and port layouts, and the rules that turn USB interface
//! descriptors into port roles (modem / PCUI / diag / GPS). No I/O: it reads [`dongle_usb`]
//! values and answers questions about them.
//!
//! Switching knowledge is data too: [`SwitchMethod`] / [`SwitchRecipe`] describe every
//! usb_modeswitch method byte for byte, [`builtin_recipes`] / [`recipe_for`] hold the Huawei,
//! ZTE, Alcatel and Sierra recipes, and [`ModeswitchData`] reads Debian's usb-modeswitch-data
//! (the only part of the crate that touches files, and only when asked).
//!
//! ```
//! use dongle_catalog::{lookup, Personality};
//! let e3372 = lookup(0x12d1, 0x14dc).expect("known");
//! assert_eq!(e3372.personality, Personality::Hilink);
//! ```

mod apn;
mod apn_memory;
mod apn_scan;
mod devices;
mod modeswitch_data;
mod recipes;
mod rules;
mod switch;
mod types;

pub use apn::{
    imsi_splits, plmn_from_imsi, uses_three_digit_mnc, validate_apn, ApnCandidate, ApnDatabase,
    ApnDbError, ApnEntry, ApnSource, Country, InvalidApn, Plmn, Provider, APN_DB_ENV,
    APN_DB_INSTALL, MAX_APN_LEN, SYSTEM_APN_DB,
};
pub use apn_memory::{
    assemble, candidates_for, sim_key, ApnMemory, MemoryError, RememberedApn, APN_MEMORY_ENV,
    DEFAULT_APN_MEMORY, FALLBACK_APNS,
};
pub use devices::{known_devices, lookup, KnownDevice, KNOWN_DEVICES};
pub use modeswitch_data::{
    c_strtol, config_to_recipe, parse_config, parse_config_name, ConfigName, DataEntry, DataError,
    DataOrigin, DataWarning, LineIssue, ModeswitchConfig, ModeswitchData, SYSTEM_DATA_DIR,
    SYSTEM_OVERRIDE_DIR, SYSTEM_TARBALL,
};
pub use recipes::{
    all_recipes, builtin_recipes, choose, huawei_generic_recipe, recipe_for, recipe_for_device,
    recipe_for_with, system_data, ALCATEL_MSG, HUAWEI, HUAWEI_LEGACY_IDS, HUAWEI_NEW_MODE_IDS,
    ZTE_2000_MSG,
};
pub use rules::{
    descriptor_rule, port_role, role_from_descriptor, role_from_name, DescriptorHint,
    DescriptorRule, DESCRIPTOR_RULES, NAME_RULES,
};
pub use switch::{
    decode_hex, expects_csw, qualifier_match, ControlRequest, DeviceStrings, QualifierField,
    RecipeQualifier, RecipeSource, SwitchMethod, SwitchRecipe, CBW_SIGNATURE, CISCO_MSGS,
    HUAWEI_ALT01_MSG, HUAWEI_ALT_MSG, HUAWEI_CLASSIC_MSG, HUAWEI_E173S_MSG, HUAWEI_HILINK_MSG,
    HUAWEI_NEW_MSG, HUAWEI_TAG0_MSG, MOBILE_ACTION_REPORT, OPTION_MSG, QISDA_DATA,
    STANDARD_EJECT_MSGS,
};
pub use types::{personality, Personality, PortRole, RoleSource};
