//! Plan tests live in tests/ below; this keeps `mod tests` for private helpers.
use super::*;

#[test]
fn effective_class_rules() {
    assert_eq!(effective_class(Some(0), 8), 8);
    assert_eq!(effective_class(None, 2), 2);
    assert_eq!(effective_class(Some(0xef), 0xff), 0xff);
    // "Bogus Class/InterfaceClass": interface 8 wins over a device class of 2.
    assert_eq!(effective_class(Some(2), 8), 8);
    // ... but not over 0xff.
    assert_eq!(effective_class(Some(0xff), 8), 0xff);
}
