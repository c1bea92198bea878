//! The HTTPS server's certificate authority, written where a client can read it: curl's
//! `--cacert {ca}`, Go's `SSL_CERT_FILE`, Node's `NODE_EXTRA_CA_CERTS`, requests' `verify=`. The
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
        let Some(ca) = server.ca_certificate() else {
            return Ok(None);
        };
        let (path, made_dir) = match path {
            Some(path) => (path.to_owned(), None),
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "keepalive-probe-{}-{}",
                    std::process::id(),
                    server.addr().port()
                ));
                std::fs::create_dir(&dir)?;
                (dir.join("ca.pem"), Some(dir))
            }
        };
        std::fs::write(&path, ca.pem())?;
        Ok(Some(CaFile { path, made_dir }))
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
