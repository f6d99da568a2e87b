//! The login password encodings and the cookie / token header rules (§1.2, §1.3).

use base64::Engine as _;
use sha2::{Digest, Sha256};

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The `<Password>` of `POST api/user/login` for a `password_type`.
///
/// - 0 and 3: `base64(password)`.
/// - 4 (Huawei WebUI main.js l.5964):
///   `base64(hex(sha256(username ‖ base64(hex(sha256(password))) ‖ token)))`, where `token` is
///   the CSRF token sent in the header of that same POST.
///
/// Returns `None` for a type this client does not know.
pub fn encode_password(
    password_type: u8,
    username: &str,
    password: &str,
    token: &str,
) -> Option<String> {
    match password_type {
        0 | 3 => Some(b64(password.as_bytes())),
        4 => {
            let inner = b64(sha256_hex(password.as_bytes()).as_bytes());
            let outer = sha256_hex(format!("{username}{inner}{token}").as_bytes());
            Some(b64(outer.as_bytes()))
        }
        _ => None,
    }
}

/// CSRF tokens carried by response headers, in the WebUI's order: `__RequestVerificationTokenone`
/// then `…two`; else `__RequestVerificationToken`. Names are case-insensitive (the caller's
/// lookup); a value may hold many tokens joined by `#` (after a login on sticks).
pub fn tokens_from_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Vec<String> {
    let mut out = Vec::new();
    let one = get("__RequestVerificationTokenone");
    let two = get("__RequestVerificationTokentwo");
    let values: Vec<&str> = if one.is_some() || two.is_some() {
        one.into_iter().chain(two).collect()
    } else {
        get("__RequestVerificationToken").into_iter().collect()
    };
    for v in values {
        out.extend(
            v.split('#')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from),
        );
    }
    out
}

/// `SessionID=…` from a `Set-Cookie` value (attributes dropped), if it sets that cookie.
pub fn session_cookie(set_cookie: &str) -> Option<String> {
    let first = set_cookie.split(';').next()?.trim();
    let (name, value) = first.split_once('=')?;
    (name.trim().eq_ignore_ascii_case("SessionID") && !value.trim().is_empty())
        .then(|| format!("SessionID={}", value.trim()))
}

/// The cookie from `SesTokInfo`'s `SesInfo`: `SessionID=…` verbatim, or a bare value.
pub fn cookie_from_sesinfo(ses_info: &str) -> String {
    let s = ses_info.trim();
    if s.contains('=') {
        s.to_string()
    } else {
        format!("SessionID={s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verified vector of `connect_and_hilink.md` §1.3 (Python hashlib and Huawei's own
    /// main.js functions under node agree).
    #[test]
    fn type4_reference_vector() {
        assert_eq!(
            sha256_hex(b"admin"),
            "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"
        );
        assert_eq!(
            b64(sha256_hex(b"admin").as_bytes()),
            "OGM2OTc2ZTViNTQxMDQxNWJkZTkwOGJkNGRlZTE1ZGZiMTY3YTljODczZmM0YmI4YTgxZjZmMmFiNDQ4YTkxOA=="
        );
        assert_eq!(
            encode_password(4, "admin", "admin", "5Aw0l4iTJhB6yICZ8n3K0A5i2eCWjFKr").unwrap(),
            "MWYxZmUyM2U4OGI1MWI2MDFlNGJkM2VkZWU1Mzg2YzQxNWIzZjMzZjhiYzk4ZTZmZDlhMGE0MGQ5YTgxNWQyNg=="
        );
    }

    #[test]
    fn type0_and_3() {
        assert_eq!(
            encode_password(0, "admin", "admin", "t").unwrap(),
            "YWRtaW4="
        );
        assert_eq!(
            encode_password(3, "admin", "admin", "t").unwrap(),
            "YWRtaW4="
        );
        assert_eq!(encode_password(7, "admin", "admin", "t"), None);
    }

    #[test]
    fn header_tokens() {
        let h = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| *v)
            }
        };
        assert_eq!(
            tokens_from_headers(h(&[("__RequestVerificationToken", "a#b#c#")])),
            vec!["a", "b", "c"]
        );
        assert_eq!(
            tokens_from_headers(h(&[
                ("__RequestVerificationToken", "x"),
                ("__RequestVerificationTokentwo", "2"),
                ("__RequestVerificationTokenone", "1"),
            ])),
            vec!["1", "2"]
        );
        assert!(tokens_from_headers(h(&[])).is_empty());
    }

    #[test]
    fn cookies() {
        assert_eq!(
            session_cookie("SessionID=abc123; path=/; HttpOnly").as_deref(),
            Some("SessionID=abc123")
        );
        assert_eq!(session_cookie("other=1"), None);
        assert_eq!(session_cookie("SessionID=; path=/"), None);
        assert_eq!(cookie_from_sesinfo("SessionID=x"), "SessionID=x");
        assert_eq!(cookie_from_sesinfo("x"), "SessionID=x");
    }
}
