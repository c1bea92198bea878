//! `run --proxy`: a counting forward proxy beside the counting server, for the command to reach
//! the server through. `{proxy}` and the variables clients read their proxy from point at it;
//! `{url}` stays the server's.

use std::fmt;

use keepalive_probe::{Server, StartError};
use tokio::process::Command;

use crate::event_log::EventLog;

/// What the command sees in place of this text: the proxy's URL, with `--proxy-auth`'s
/// credentials in it.
pub const PROXY_PLACEHOLDER: &str = "{proxy}";

/// The variable that carries the same URL.
const PROXY_VARIABLE: &str = "KEEPALIVE_PROBE_PROXY";

/// The variables clients read their proxy from, each set to the proxy's URL (curl, Go, requests,
/// httpx, reqwest and ureq read some of them; Node's `http` and `fetch` read none).
const PROXY_VARIABLES: [&str; 4] = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"];

/// Removed, so that the environment `keepalive-probe` was started in neither lets a host past the
/// proxy nor names another proxy (ureq reads `ALL_PROXY` before the others).
const OTHER_PROXY_VARIABLES: [&str; 4] = ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];

/// Points `command`'s proxy variables at the proxy at `url`; with `None` removes them all, so
/// that a client goes straight to the server whatever the environment held.
pub fn point_at(command: &mut std::process::Command, url: Option<&str>) {
    for variable in PROXY_VARIABLES {
        match url {
            Some(url) => command.env(variable, url),
            None => command.env_remove(variable),
        };
    }
    for variable in OTHER_PROXY_VARIABLES {
        command.env_remove(variable);
    }
}

/// The forward proxy's options.
#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Also start a counting forward proxy (CONNECT tunnels, absolute-form requests): every
    /// {proxy} in CMD becomes its URL, and so do HTTP_PROXY, HTTPS_PROXY, their lower-case forms
    /// and KEEPALIVE_PROBE_PROXY (NO_PROXY and ALL_PROXY are removed). {url} stays the server's; the report
    /// adds the proxy's ledger.
    #[arg(long, conflicts_with = "to")]
    proxy: bool,
    /// With --proxy, ask for these Basic credentials (407 without them); {proxy} carries them.
    #[arg(long, value_name = "USER:PASSWORD", requires = "proxy", value_parser = secret)]
    proxy_auth: Option<Secret>,
}

/// `--proxy-auth`'s text, as given: read once the arguments are parsed, so that a usage error
/// never quotes the password (clap's own errors quote the value).
#[derive(Clone)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

fn secret(text: &str) -> Result<Secret, String> {
    Ok(Secret(text.to_owned()))
}

/// `--proxy-auth`'s user and password, once checked (never printed: it has no `Debug`).
struct Credentials {
    user: String,
    password: String,
}

/// `USER:PASSWORD`, each of letters, digits and `-._~`, so that a URL carries them as they are.
fn parse_credentials(text: &str) -> Result<Credentials, String> {
    let (user, password) = text.split_once(':').ok_or("not USER:PASSWORD: no colon")?;
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    };
    if !plain(user) || !plain(password) {
        return Err(
            "--proxy-auth: USER and PASSWORD must each be letters, digits, '-', '.', '_' or '~' \
             (not empty)"
                .to_owned(),
        );
    }
    Ok(Credentials {
        user: user.to_owned(),
        password: password.to_owned(),
    })
}

/// The running proxy, and the URL the command is given (with the credentials in it).
pub struct Proxy {
    pub server: Server,
    url: String,
}

/// Why the proxy did not start.
pub enum ProxyError {
    /// `--proxy-auth` is not plain `USER:PASSWORD`: a usage error.
    Usage(String),
    Start(StartError),
}

impl ProxyArgs {
    /// Starts the proxy, if asked for, its event lines in `log` after `proxy: `.
    pub async fn start(&self, log: &EventLog) -> Result<Option<Proxy>, ProxyError> {
        if !self.proxy {
            return Ok(None);
        }
        let credentials = self
            .proxy_auth
            .as_ref()
            .map(|secret| parse_credentials(&secret.0))
            .transpose()
            .map_err(ProxyError::Usage)?;
        let mut builder = Server::builder().forward_proxy();
        if let Some(Credentials { user, password }) = &credentials {
            builder = builder.proxy_credentials(user, password);
        }
        if let Some(queue) = log.queue() {
            builder = builder.on_event(move |event| queue.push(format!("proxy: {event}")));
        }
        let server = builder.start().await.map_err(ProxyError::Start)?;
        let url = match &credentials {
            Some(Credentials { user, password }) => {
                format!("http://{user}:{password}@{}", server.addr())
            }
            None => format!("http://{}", server.addr()),
        };
        Ok(Some(Proxy { server, url }))
    }
}

impl Proxy {
    /// `word` with every `{proxy}` replaced by the proxy's URL.
    pub fn fill(&self, word: &str) -> String {
        word.replace(PROXY_PLACEHOLDER, &self.url)
    }

    /// Points `command`'s proxy variables at the proxy (see [`point_at`]).
    pub fn environment(&self, command: &mut Command) {
        command.env(PROXY_VARIABLE, &self.url);
        point_at(command.as_std_mut(), Some(&self.url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_plain_user_and_password() {
        let credentials = parse_credentials("alice:s3cret-1").expect("plain");
        assert_eq!(
            (credentials.user.as_str(), credentials.password.as_str()),
            ("alice", "s3cret-1")
        );
        for bad in [
            "alice",
            ":pw",
            "alice:",
            "al ice:pw",
            "alice:p@ss",
            "alice:pw:more",
        ] {
            assert!(parse_credentials(bad).is_err(), "{bad}");
        }
    }

    /// What the parsed arguments hold prints nothing of it (the checked credentials have no
    /// `Debug` at all).
    #[test]
    fn the_password_is_never_printed() {
        let printed = format!("{:?}", secret("alice:s3cret").expect("any text"));
        assert!(!printed.contains("s3cret"), "{printed}");
    }
}
