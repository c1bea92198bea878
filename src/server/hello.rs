//! TLS handshakes told from the cleartext hellos that pass through the relay, which never holds a
//! key: the ClientHello's ALPN protocols, and the ServerHello's version and whether it resumed a
//! session. TLS 1.3 resumes when the ServerHello accepts a pre-shared key (its `pre_shared_key`
//! extension); TLS 1.2 when the server's ChangeCipherSpec follows its ServerHello with no
//! Certificate between (the abbreviated handshake, by session id or ticket alike). A
//! HelloRetryRequest is passed over: the ServerHello that follows it decides.
//!
//! The handshake is decided at the ServerHello (TLS 1.3) or what follows it (TLS 1.2): a client
//! that refuses the certificate after that aborts inside encrypted records, which a relay cannot
//! read, so it counts a handshake the server counts as failed. Up to [`MOST`] bytes of each
//! direction are read.

use crate::handshake::{Handshake, TlsSeen};

/// The most bytes kept from each direction before giving up on its hello.
const MOST: usize = 64 * 1024;

/// TLS's record type for handshake messages, and for an alert.
const HANDSHAKE: u8 = 22;
const ALERT: u8 = 21;
/// TLS 1.3's compatibility record, between a HelloRetryRequest and the next ServerHello.
const CHANGE_CIPHER_SPEC: u8 = 20;

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446, 4.1.3).
const HELLO_RETRY_REQUEST: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Whether the first bytes a client sent are a TLS handshake record.
pub(super) fn is_tls(first_bytes: &[u8]) -> bool {
    first_bytes.first() == Some(&HANDSHAKE)
}

/// One connection's hellos as they pass.
#[derive(Debug, Default)]
pub(super) struct Hellos {
    client: Vec<u8>,
    server: Vec<u8>,
    /// The ClientHello's ALPN protocols, once read.
    client_hello: Option<Vec<String>>,
    /// Told to the record already.
    decided: bool,
}

impl Hellos {
    /// The client sent `bytes`.
    pub(super) fn client_sent(&mut self, bytes: &[u8]) {
        if self.client_hello.is_some() || self.client.len() > MOST {
            return;
        }
        self.client.extend_from_slice(bytes);
        if let Some(Ok((messages, _))) = handshake_messages(&self.client) {
            if let Some(hello) = messages.first().and_then(|m| client_hello(m)) {
                self.client_hello = Some(hello);
            }
        }
    }

    /// The server sent `bytes`: the handshake, once its ServerHello has passed (or an alert
    /// instead), the first time only.
    pub(super) fn server_sent(&mut self, bytes: &[u8]) -> Option<TlsSeen> {
        if self.decided || self.server.len() > MOST {
            return None;
        }
        self.server.extend_from_slice(bytes);
        let (messages, change_cipher_spec) = match handshake_messages(&self.server)? {
            Ok(read) => read,
            Err(()) => return self.decide(failed("the server answered with an alert")),
        };
        let offered_alpn = self.client_hello.clone().unwrap_or_default();
        let mut after_hello = messages.iter().skip_while(|message| {
            server_hello(message).is_none_or(|hello| hello.random == HELLO_RETRY_REQUEST)
        });
        let hello = server_hello(after_hello.next()?)?;
        let resumed = if hello.version == TLS_1_3 {
            hello.pre_shared_key
        } else if after_hello.any(|message| message.first() == Some(&CERTIFICATE)) {
            false
        } else if change_cipher_spec {
            true
        } else {
            // Neither yet: the next bytes tell.
            return None;
        };
        self.decide(TlsSeen {
            handshake: if resumed {
                Handshake::Resumed
            } else {
                Handshake::Full
            },
            version: Some(version_name(hello.version).to_owned()),
            alpn: hello.alpn,
            alpn_offered: offered_alpn,
            failure: None,
        })
    }

    /// The connection ended: a hello the client sent that no ServerHello answered failed.
    pub(super) fn at_end(&mut self) -> Option<TlsSeen> {
        if self.decided || self.client.is_empty() {
            return None;
        }
        self.decide(failed("the connection ended before a ServerHello"))
    }

    fn decide(&mut self, seen: TlsSeen) -> Option<TlsSeen> {
        self.decided = true;
        Some(seen)
    }
}

fn failed(why: &str) -> TlsSeen {
    TlsSeen {
        handshake: Handshake::Failed,
        version: None,
        alpn: None,
        alpn_offered: Vec::new(),
        failure: Some(why.to_owned()),
    }
}

/// The complete handshake messages in the records of `stream` so far (each its type byte, then
/// its body), and whether a ChangeCipherSpec record came after a handshake record; `None` until
/// the first message is complete, `Some(Err)` if an alert comes first.
type Messages = (Vec<Vec<u8>>, bool);

fn handshake_messages(stream: &[u8]) -> Option<Result<Messages, ()>> {
    let mut payload = Vec::new();
    let mut change_cipher_spec = false;
    let mut rest = stream;
    while rest.len() >= 5 {
        let length = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let Some(fragment) = rest.get(5..5 + length) else {
            break;
        };
        match rest[0] {
            HANDSHAKE => payload.extend_from_slice(fragment),
            // TLS 1.2's records after it are encrypted: nothing more to read. (TLS 1.3 sends one
            // after a HelloRetryRequest, and its next ServerHello in the clear.)
            CHANGE_CIPHER_SPEC if !payload.is_empty() && !is_retry_request(&payload) => {
                change_cipher_spec = true;
                break;
            }
            CHANGE_CIPHER_SPEC => {}
            ALERT if payload.is_empty() => return Some(Err(())),
            _ => break,
        }
        rest = &rest[5 + length..];
    }
    let mut messages = Vec::new();
    let mut at = 0;
    while let Some(header) = payload.get(at..at + 4) {
        let length =
            usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
        let Some(body) = payload.get(at + 4..at + 4 + length) else {
            break;
        };
        messages.push([&header[..1], body].concat());
        at += 4 + length;
    }
    (!messages.is_empty()).then_some(Ok((messages, change_cipher_spec)))
}

/// Whether the handshake bytes so far begin with a HelloRetryRequest.
fn is_retry_request(payload: &[u8]) -> bool {
    let (Some(&kind), Some(body)) = (payload.first(), payload.get(4..)) else {
        return false;
    };
    server_hello(&[&[kind], body].concat()).is_some_and(|hello| hello.random == HELLO_RETRY_REQUEST)
}

/// A cursor over a hello's fields.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(taken)
    }

    fn number(&mut self, bytes: usize) -> Option<usize> {
        Some(
            self.take(bytes)?
                .iter()
                .fold(0, |n, &b| n << 8 | usize::from(b)),
        )
    }

    /// A field led by its length in `bytes` bytes.
    fn vector(&mut self, bytes: usize) -> Option<&'a [u8]> {
        let length = self.number(bytes)?;
        self.take(length)
    }

    /// Each extension: its type and its data.
    fn extensions(mut self) -> impl Iterator<Item = (usize, &'a [u8])> {
        let mut all = Fields(self.vector(2).unwrap_or_default());
        std::iter::from_fn(move || Some((all.number(2)?, all.vector(2)?)))
    }
}

/// The ALPN extension's type, and its protocols.
const ALPN: usize = 16;
const PRE_SHARED_KEY: usize = 41;
const SUPPORTED_VERSIONS: usize = 43;

fn alpn_protocols(data: &[u8]) -> Vec<String> {
    let mut list = Fields(Fields(data).vector(2).unwrap_or_default());
    std::iter::from_fn(|| list.vector(1))
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect()
}

/// A ClientHello's ALPN protocols; `message` starts with its type byte.
fn client_hello(message: &[u8]) -> Option<Vec<String>> {
    let (&kind, body) = message.split_first()?;
    if kind != 1 {
        return None;
    }
    let mut fields = Fields(body);
    fields.take(2 + 32)?;
    fields.vector(1)?;
    fields.vector(2)?;
    fields.vector(1)?;
    let alpn = fields
        .extensions()
        .find(|&(kind, _)| kind == ALPN)
        .map(|(_, data)| alpn_protocols(data))
        .unwrap_or_default();
    Some(alpn)
}

/// What a ServerHello says.
struct ServerHello {
    random: [u8; 32],
    /// The version agreed: `supported_versions` in TLS 1.3, else the legacy field.
    version: u16,
    pre_shared_key: bool,
    alpn: Option<String>,
}

const TLS_1_3: u16 = 0x0304;
/// A handshake message's type: the server's certificate.
const CERTIFICATE: u8 = 11;

/// A version as OpenSSL names it, and as the counting server's reports do.
fn version_name(version: u16) -> &'static str {
    match version {
        TLS_1_3 => "TLSv1.3",
        0x0303 => "TLSv1.2",
        0x0302 => "TLSv1.1",
        0x0301 => "TLSv1",
        _ => "unknown",
    }
}

fn server_hello(message: &[u8]) -> Option<ServerHello> {
    let (&kind, body) = message.split_first()?;
    if kind != 2 {
        return None;
    }
    let mut fields = Fields(body);
    let legacy_version = u16::try_from(fields.number(2)?).ok()?;
    let random = fields.take(32)?.try_into().ok()?;
    fields.vector(1)?;
    fields.take(3)?;
    let mut hello = ServerHello {
        random,
        version: legacy_version,
        pre_shared_key: false,
        alpn: None,
    };
    for (kind, data) in fields.extensions() {
        match kind {
            SUPPORTED_VERSIONS => {
                if let Ok(agreed) = <[u8; 2]>::try_from(data) {
                    hello.version = u16::from_be_bytes(agreed);
                }
            }
            PRE_SHARED_KEY => hello.pre_shared_key = true,
            ALPN => hello.alpn = alpn_protocols(data).into_iter().next(),
            _ => {}
        }
    }
    Some(hello)
}
