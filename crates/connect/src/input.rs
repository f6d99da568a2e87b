//! What the user types, checked before any of it reaches the modem. Values
//! end up inside quoted AT parameters (`AT+CGDCONT=1,"IP","<apn>"`), so a `"`
//! or a `;` would end the string and start a command of the user's choosing.

use std::fmt;

/// An input that failed validation: names the input, what is wrong and the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{what} {shown}: {problem}")]
pub struct InputError {
    pub what: &'static str,
    /// The value as it may be shown (never a secret).
    pub shown: String,
    pub problem: String,
}

/// An access point name, 3GPP TS 23.003 §9.1: labels of letters, digits and
/// hyphens separated by dots, at most 100 characters. Empty means "the
/// network's default", which many networks accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apn(String);

impl Apn {
    pub fn parse(s: &str) -> Result<Apn, InputError> {
        let bad = |problem: &str| InputError {
            what: "APN",
            shown: format!("{s:?}"),
            problem: problem.into(),
        };
        if s.len() > 100 {
            return Err(bad("longer than 100 characters (3GPP TS 23.003 §9.1)"));
        }
        if s.is_empty() {
            return Ok(Apn(String::new()));
        }
        for label in s.split('.') {
            if label.is_empty() {
                return Err(bad("empty label (two dots, or a dot at either end)"));
            }
            if !label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(bad("only letters, digits, '-', '_' and '.' are allowed"));
            }
        }
        Ok(Apn(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The empty APN: the network picks its default (many accept it).
    pub fn network_default() -> Apn {
        Apn(String::new())
    }
}

impl fmt::Display for Apn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user name or password for PAP/CHAP: printable ASCII without `"` `;` `\`,
/// at most 64 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(String);

impl Credential {
    pub fn parse(what: &'static str, s: &str, secret: bool) -> Result<Credential, InputError> {
        let shown = if secret {
            "(hidden)".to_string()
        } else {
            format!("{s:?}")
        };
        let bad = |problem: &str| InputError {
            what,
            shown: shown.clone(),
            problem: problem.into(),
        };
        if s.len() > 64 {
            return Err(bad("longer than 64 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_graphic() || c == ' ') || s.contains(['"', ';', '\\']) {
            return Err(bad(
                "only printable ASCII without '\"', ';' and '\\' is allowed",
            ));
        }
        Ok(Credential(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credential(…)")
    }
}

/// A SIM PIN (4–8 digits) or PUK (8 digits), 3GPP TS 31.101 / 27.007 §8.3.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    pub fn pin(s: &str) -> Result<Code, InputError> {
        Code::digits("PIN", s.trim(), 4..=8)
    }

    pub fn puk(s: &str) -> Result<Code, InputError> {
        Code::digits("PUK", s.trim(), 8..=8)
    }

    fn digits(
        what: &'static str,
        s: &str,
        len: std::ops::RangeInclusive<usize>,
    ) -> Result<Code, InputError> {
        if !s.chars().all(|c| c.is_ascii_digit()) || !len.contains(&s.len()) {
            let n = if len.start() == len.end() {
                format!("{}", len.start())
            } else {
                format!("{} to {}", len.start(), len.end())
            };
            return Err(InputError {
                what,
                shown: "(hidden)".into(),
                problem: format!("must be {n} digits"),
            });
        }
        Ok(Code(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(…)")
    }
}

/// Read a secret from a file (first line) or an environment variable, so it
/// never appears on a command line (visible in `ps`) or in shell history.
pub fn read_secret(
    file: Option<&std::path::Path>,
    env: Option<&str>,
    what: &'static str,
) -> Result<Option<String>, InputError> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|e| InputError {
            what,
            shown: format!("file {}", f.display()),
            problem: format!(
                "cannot be read ({e}); put the value on the first line of a file only you can read"
            ),
        })?;
        return Ok(Some(text.lines().next().unwrap_or("").trim().to_string()));
    }
    if let Some(var) = env {
        return std::env::var(var).map(Some).map_err(|_| InputError {
            what,
            shown: format!("variable {var}"),
            problem: "is not set".into(),
        });
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apns() {
        for ok in [
            "web.pt.lu",
            "internet",
            "",
            "m2m.com.attz",
            "internet.t-mobile",
            "a_b",
        ] {
            assert!(Apn::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["web\".pt", "x\";AT+CFUN=0;\"", "a..b", ".a", "a b", "x\r"] {
            let e = Apn::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with("APN"), "{e}");
        }
        assert!(Apn::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn codes_hide_their_value() {
        assert!(Code::pin("1234").is_ok());
        assert!(Code::pin("12345678").is_ok());
        let e = Code::pin("12a4").unwrap_err().to_string();
        assert!(!e.contains("12a4") && e.contains("4 to 8 digits"), "{e}");
        assert!(Code::puk("1234567").is_err());
        assert_eq!(format!("{:?}", Code::pin("4711").unwrap()), "Code(…)");
    }

    #[test]
    fn credentials_refuse_quotes() {
        assert!(Credential::parse("user", "guest", false).is_ok());
        let e = Credential::parse("password", "a\"b", true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(hidden)") && !e.contains("a\"b"), "{e}");
    }
}
