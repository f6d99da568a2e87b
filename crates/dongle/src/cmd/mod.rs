//! One module per subcommand.

pub mod apn;
pub mod at;
pub mod config;
pub mod doctor;
pub mod doctor_live;
pub mod hilink;
pub mod info;
pub mod install;
pub mod link;
pub mod list;
pub mod mode;
pub mod probe;
pub mod shell;
pub mod sim;
pub mod sms;
pub mod sms_hilink;
pub mod sms_message;
pub mod sms_store;
pub mod switch;
pub mod udev_name;
pub mod unlock;
pub mod up;
pub mod up_hilink;
pub mod up_ncm;
pub mod up_steps;
pub mod ussd;
