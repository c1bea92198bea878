//! A scenario's counting forward proxies: started beside its server, named to its clients as its
//! [`ProxySetup`] says, and settled with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::ProxySetup;
use super::observed::{ScenarioError, settle};

use crate::report::Report;
use crate::server::{Server, StartError};

/// The proxies of one run (none without a [`ProxySetup`]).
pub(super) struct Proxies {
    setup: Option<ProxySetup>,
    servers: Vec<Server>,
}

impl Proxies {
    /// Starts the proxies `setup` asks for.
    pub(super) async fn start(setup: Option<ProxySetup>) -> Result<Proxies, StartError> {
        let mut servers = Vec::new();
        for _ in 0..setup.map_or(0, ProxySetup::proxies) {
            servers.push(Server::builder().forward_proxy().start().await?);
        }
        Ok(Proxies { setup, servers })
    }

    /// The proxy a new client is given: the one proxy, or a `Proxy::custom` that names the
    /// proxies, or the users, in turn, call by call.
    pub(super) fn for_client(&self) -> Option<reqwest::Proxy> {
        let urls = match self.setup? {
            ProxySetup::One => return reqwest::Proxy::all(self.servers[0].url()).ok(),
            ProxySetup::TwoInTurn => [self.servers[0].url(), self.servers[1].url()],
            ProxySetup::TwoUsersInTurn => {
                let addr = self.servers[0].addr();
                [
                    format!("http://alice:s3cret@{addr}"),
                    format!("http://bob:s3cret@{addr}"),
                ]
            }
        };
        let calls = Arc::new(AtomicUsize::new(0));
        Some(reqwest::Proxy::custom(move |_| {
            let call = calls.fetch_add(1, Ordering::Relaxed);
            Some(urls[call % urls.len()].clone())
        }))
    }

    /// `server`'s report once every connection to it, and to every proxy, has closed.
    pub(super) async fn settle_with(&self, server: &Server) -> Result<Report, ScenarioError> {
        let report = settle(server).await?;
        for proxy in &self.servers {
            settle(proxy).await?;
        }
        Ok(report)
    }

    /// The proxies, in the order the client names them.
    pub(super) fn servers(&self) -> &[Server] {
        &self.servers
    }
}
