//! The HTTPS server's certificate authority, written where a client can read it: curl's
//! `--cacert {ca}`, Go's `SSL_CERT_FILE`, Node's `NODE_EXTRA_CA_CERTS`, requests'
//! `REQUESTS_CA_BUNDLE` or `verify=`. The
//! file holds the certificate only; the server's private keys never leave the process.

use std::io;
use std::path::{Path, PathBuf};

use keepalive_probe::Server;

/// A PEM file with the CA certificate, removed when dropped if this process made its directory.
#[derive(Debug)]
pub struct CaFile {
    path: PathBuf,
    /// The directory made for it, removed with it.
    made_dir: Option<PathBuf>,
}

impl CaFile {
    /// Writes `server`'s CA to `path`, or into a fresh directory of its own under the system's
    /// temporary directory. `None` for a plain-HTTP server.
    pub fn write(server: &Server, path: Option<&Path>) -> io::Result<Option<CaFile>> {
        if server.ca_certificate().is_none() {
            return Ok(None);
        }
        CaFile::write_bundle(&[server], path).map(Some)
    }

    /// Writes the CA certificates of every HTTPS server in `servers` into one PEM file, as
    /// [`CaFile::write`] does for one: for a client that talks to all of them.
    pub fn write_bundle(servers: &[&Server], path: Option<&Path>) -> io::Result<CaFile> {
        let pem: String = servers
            .iter()
            .filter_map(|server| server.ca_certificate())
            .map(|ca| ca.pem())
            .collect();
        let (path, made_dir) = match path {
            Some(path) => (path.to_owned(), None),
            None => {
                // The first server's port makes the name unique among this process's files.
                let port = servers.first().map_or(0, |server| server.addr().port());
                let dir = std::env::temp_dir()
                    .join(format!("keepalive-probe-{}-{port}", std::process::id(),));
                std::fs::create_dir(&dir)?;
                (dir.join("ca.pem"), Some(dir))
            }
        };
        std::fs::write(&path, pem)?;
        Ok(CaFile { path, made_dir })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        if let Some(dir) = &self.made_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
