//! Typed parsers for AT responses (filled in by the parsers work).
