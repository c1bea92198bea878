//! A forward proxy's Basic credentials (RFC 7617): the ones it asks for, and the user a client
//! sent in `Proxy-Authorization`.

use std::fmt;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A user and password: the ones a forward proxy asks for, or the ones a client sent.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Credentials {
    pub(super) user: String,
    password: String,
}

/// The password stays out of logs and failed assertions.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    pub(super) fn new(user: &str, password: &str) -> Self {
        Credentials {
            user: user.to_owned(),
            password: password.to_owned(),
        }
    }

    /// Whether `sent` (a client's user and password) are these.
    pub(super) fn accept(&self, sent: Option<&Credentials>) -> bool {
        sent == Some(self)
    }
}

/// The Basic credentials in `Proxy-Authorization`, if the header holds any that decode.
pub(super) fn sent(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::PROXY_AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some(Credentials::new(user, password))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::PROXY_AUTHORIZATION,
            HeaderValue::from_str(authorization).expect("a header value"),
        );
        headers
    }

    #[test]
    fn basic_credentials_are_read_and_checked() {
        // "alice:s3cret:with colon" in base64: the password may hold colons, the user may not.
        let sent = sent(&headers("Basic YWxpY2U6czNjcmV0OndpdGggY29sb24=")).expect("decodes");
        assert_eq!(sent.user, "alice");
        assert!(Credentials::new("alice", "s3cret:with colon").accept(Some(&sent)));
        assert!(!Credentials::new("alice", "s3cret").accept(Some(&sent)));
        assert!(!Credentials::new("alice", "s3cret").accept(None));
    }

    #[test]
    fn other_schemes_and_broken_values_send_no_credentials() {
        for value in ["Bearer abc", "Basic !!!", "Basic YWxpY2U=", "Basic"] {
            assert!(sent(&headers(value)).is_none(), "{value}");
        }
    }

    #[test]
    fn the_password_is_never_printed() {
        let printed = format!("{:?}", Credentials::new("alice", "s3cret"));
        assert!(
            printed.contains("alice") && !printed.contains("s3cret"),
            "{printed}"
        );
    }
}
