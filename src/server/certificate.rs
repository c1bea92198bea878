//! (feature `tls`) The certificates an HTTPS server presents, made at its start: a certificate
//! authority of its own, and a certificate for `localhost` and `127.0.0.1` signed by it.
//!
//! Both are X.509 (RFC 5280) written out here in DER, with ring, rustls's crypto already, making
//! the P-256 keys and the ECDSA signatures. Two certificates of one fixed shape take a few dozen
//! lines of encoding; rcgen, which made them before, brought eight crates (its ASN.1 writer, a
//! date library and its helpers, PEM and base64) into every build with `tls`. The shape is
//! rcgen's (the same fields and extensions, plus the leaf's authority key identifier), which
//! every client the suite drives accepts: Go's `crypto/x509`, OpenSSL (Python, Node, curl) and
//! rustls's webpki (reqwest and the other Rust clients).

use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

/// What [`issue`] made.
pub(super) struct Issued {
    /// The certificate authority's certificate: what clients trust.
    pub ca_der: Vec<u8>,
    /// The same as PEM text.
    pub ca_pem: String,
    /// The server's certificate, for `localhost` and `127.0.0.1`, signed by the authority.
    pub leaf_der: Vec<u8>,
    /// The server certificate's private key (PKCS #8): it stays in the server. The authority's
    /// key is dropped once it has signed.
    pub leaf_key: Vec<u8>,
}

/// A new certificate authority and a server certificate signed by it, each with a new key.
pub(super) fn issue() -> Result<Issued, String> {
    let rng = SystemRandom::new();
    let (_, ca_key) = key_pair(&rng)?;
    let ca_public = ca_key.public_key().as_ref();
    // A name of its own: OpenSSL picks an issuer by its name, so two CAs of one name in a
    // client's trust file (one per server) would fail each other's certificates.
    // (An uncompressed P-256 point starts with 0x04 whatever the key: skip that byte.)
    let ca_name = name(&format!(
        "keepalive-probe test CA {}",
        hex(&ca_public[1..9])
    ));
    let ca_der = certificate(
        &ca_name,
        &ca_name,
        ca_public,
        &[
            // digitalSignature (bit 0) and keyCertSign (bit 5): 0b1000_0100, the last 2 bits
            // unused.
            extension(KEY_USAGE, true, &[BIT_STRING, 2, 2, 0x84]),
            extension(
                SUBJECT_KEY_IDENTIFIER,
                false,
                &tlv(OCTET_STRING, &key_identifier(ca_public)),
            ),
            // cA: TRUE, no path length constraint.
            extension(BASIC_CONSTRAINTS, true, &tlv(SEQUENCE, &[BOOLEAN, 1, 0xFF])),
        ],
        &ca_key,
        &rng,
    )?;
    let (leaf_key, leaf_pair) = key_pair(&rng)?;
    let alternative_names = [
        tlv(DNS_NAME, b"localhost"),
        tlv(IP_ADDRESS, &[127, 0, 0, 1]),
    ]
    .concat();
    let leaf_der = certificate(
        &ca_name,
        &name("keepalive-probe test server"),
        leaf_pair.public_key().as_ref(),
        &[
            extension(SUBJECT_ALT_NAME, false, &tlv(SEQUENCE, &alternative_names)),
            // The authority's key identifier, `[0] keyIdentifier`: rcgen left it out, and
            // OpenSSL's strict verification (`VERIFY_X509_STRICT`, in the default context of
            // Python 3.13's `ssl`, which httpx uses) refuses a certificate without it.
            extension(
                AUTHORITY_KEY_IDENTIFIER,
                false,
                &tlv(SEQUENCE, &tlv(KEY_IDENTIFIER, &key_identifier(ca_public))),
            ),
        ],
        &ca_key,
        &rng,
    )?;
    Ok(Issued {
        ca_pem: pem(&ca_der),
        ca_der,
        leaf_der,
        leaf_key,
    })
}

// DER tags.
const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const UTF8_STRING: u8 = 0x0C;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
/// `[0] EXPLICIT`: the certificate's version.
const VERSION: u8 = 0xA0;
/// `[3] EXPLICIT`: the certificate's extensions.
const EXTENSIONS: u8 = 0xA3;
/// `GeneralName`'s `[2] dNSName` and `[7] iPAddress`, both implicitly tagged.
const DNS_NAME: u8 = 0x82;
const IP_ADDRESS: u8 = 0x87;
/// `AuthorityKeyIdentifier`'s `[0] keyIdentifier`, implicitly tagged.
const KEY_IDENTIFIER: u8 = 0x80;

// Object identifiers, each encoded whole (tag, length, value).
/// 1.2.840.10045.4.3.2, ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
/// 1.2.840.10045.2.1, id-ecPublicKey.
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// 1.2.840.10045.3.1.7, prime256v1 (P-256).
const PRIME256V1: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// 2.5.4.3, commonName.
const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
/// 2.5.29.14, 2.5.29.15, 2.5.29.17, 2.5.29.19 and 2.5.29.35: the extensions used.
const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x0E];
const KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x0F];
const SUBJECT_ALT_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x13];
const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x23];

/// A new P-256 key: its PKCS #8 document, and the key pair that signs with it.
fn key_pair(rng: &SystemRandom) -> Result<(Vec<u8>, EcdsaKeyPair), String> {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
        .map_err(|_| "cannot generate a P-256 key".to_owned())?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), rng)
        .map_err(|error| format!("cannot read back a new P-256 key: {error}"))?;
    Ok((pkcs8.as_ref().to_vec(), pair))
}

/// A certificate for `public_key`, named `subject`, signed by `signer` as `issuer`. Valid from
/// 1975 to 4096, as rcgen's were: a test's certificate has no reason to expire, and a fixed
/// window needs no clock or calendar.
fn certificate(
    issuer: &[u8],
    subject: &[u8],
    public_key: &[u8],
    extensions: &[Vec<u8>],
    signer: &EcdsaKeyPair,
    rng: &SystemRandom,
) -> Result<Vec<u8>, String> {
    let signature_algorithm = tlv(SEQUENCE, ECDSA_WITH_SHA256);
    let validity = [
        tlv(UTC_TIME, b"750101000000Z"),
        tlv(GENERALIZED_TIME, b"40960101000000Z"),
    ]
    .concat();
    let algorithm = [EC_PUBLIC_KEY, PRIME256V1].concat();
    let subject_public_key_info = [tlv(SEQUENCE, &algorithm), bit_string(public_key)].concat();
    let to_be_signed = tlv(
        SEQUENCE,
        &[
            tlv(VERSION, &tlv(INTEGER, &[2])),
            tlv(INTEGER, &serial_number(public_key)),
            signature_algorithm.clone(),
            issuer.to_vec(),
            tlv(SEQUENCE, &validity),
            subject.to_vec(),
            tlv(SEQUENCE, &subject_public_key_info),
            tlv(EXTENSIONS, &tlv(SEQUENCE, &extensions.concat())),
        ]
        .concat(),
    );
    let signature = signer
        .sign(rng, &to_be_signed)
        .map_err(|_| "cannot sign a certificate".to_owned())?;
    Ok(tlv(
        SEQUENCE,
        &[
            to_be_signed,
            signature_algorithm,
            bit_string(signature.as_ref()),
        ]
        .concat(),
    ))
}

/// A name of one common name: `SEQUENCE { SET { SEQUENCE { commonName, UTF8String } } }`.
fn name(common_name: &str) -> Vec<u8> {
    let attribute = [COMMON_NAME, &tlv(UTF8_STRING, common_name.as_bytes())].concat();
    tlv(SEQUENCE, &tlv(SET, &tlv(SEQUENCE, &attribute)))
}

/// An extension: its identifier, `critical` when it is (DER leaves out the default, false), and
/// its value's DER in an OCTET STRING.
fn extension(identifier: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let critical: &[u8] = if critical { &[BOOLEAN, 1, 0xFF] } else { &[] };
    tlv(
        SEQUENCE,
        &[identifier, critical, &tlv(OCTET_STRING, value)].concat(),
    )
}

/// A BIT STRING of whole bytes (no unused bits).
fn bit_string(bytes: &[u8]) -> Vec<u8> {
    tlv(BIT_STRING, &[&[0][..], bytes].concat())
}

/// The key identifier of RFC 7093's first method: the leftmost 160 bits of the SHA-256 of the
/// public key (the subjectPublicKey BIT STRING's value). rcgen hashed the whole
/// SubjectPublicKeyInfo instead; either is an identifier, and clients only compare them.
fn key_identifier(public_key: &[u8]) -> Vec<u8> {
    digest(&SHA256, public_key).as_ref()[..20].to_vec()
}

/// A serial number unique to the key, 20 bytes as RFC 5280 allows at most: the key's
/// identifier with its top bit cleared (a serial number is positive) and its first byte never
/// zero (DER would drop it, making the number shorter).
fn serial_number(public_key: &[u8]) -> Vec<u8> {
    let mut serial = key_identifier(public_key);
    serial[0] = (serial[0] & 0x7F).max(1);
    serial
}

/// Tag, definite length (short form below 128 bytes, long form above), then `value`.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = value.len().to_be_bytes();
    if value.len() < 0x80 {
        out.push(length[length.len() - 1]);
    } else {
        let first = length.iter().position(|&byte| byte != 0).unwrap_or(0);
        out.push(0x80 | (length.len() - first) as u8);
        out.extend_from_slice(&length[first..]);
    }
    out.extend_from_slice(value);
    out
}

/// Lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A certificate's PEM text: its DER in base64 (RFC 4648, padded), 64 characters a line
/// (RFC 7468).
fn pem(der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut base64 = Vec::with_capacity(der.len().div_ceil(3) * 4);
    for chunk in der.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let group = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        for sextet in 0..4 {
            base64.push(if sextet <= chunk.len() {
                ALPHABET[(group >> (18 - 6 * sextet)) as usize & 63]
            } else {
                b'='
            });
        }
    }
    let mut text = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in base64.chunks(64) {
        text.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        text.push('\n');
    }
    text.push_str("-----END CERTIFICATE-----\n");
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::RootCertStore;
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    use super::*;

    /// rustls's webpki verifier, trusting only the authority, accepts the server certificate
    /// for both names it is for, and for no other.
    #[test]
    fn the_server_certificate_verifies_against_the_authority_for_its_names_only() {
        let issued = issue().expect("issued");
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(issued.ca_der.clone()))
            .expect("the authority is a valid trust anchor");
        let provider = Arc::new(crate::server::tls::ring_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("a verifier");
        let leaf = CertificateDer::from(issued.leaf_der);
        let verify = |name: &'static str| {
            let name = ServerName::try_from(name).expect("a server name");
            verifier.verify_server_cert(&leaf, &[], &name, &[], UnixTime::now())
        };
        verify("localhost").expect("valid for localhost");
        verify("127.0.0.1").expect("valid for 127.0.0.1");
        assert!(verify("example.com").is_err(), "valid only for its names");
    }

    /// The DER elements inside `constructed` (one whose value is a series of elements, such as
    /// a SEQUENCE), each whole: tag, length and value. Only what these certificates use: tags of
    /// one byte, lengths of up to three.
    fn elements(constructed: &[u8]) -> Vec<&[u8]> {
        let (_, mut rest) = header_and_value(constructed);
        let mut elements = Vec::new();
        while !rest.is_empty() {
            let (header, value) = header_and_value(rest);
            let (element, after) = rest.split_at(header + value.len());
            elements.push(element);
            rest = after;
        }
        elements
    }

    /// The length of `element`'s tag and length bytes, and its value.
    fn header_and_value(element: &[u8]) -> (usize, &[u8]) {
        let (header, length) = match element[1] {
            short @ 0..=0x7F => (2, usize::from(short)),
            0x81 => (3, usize::from(element[2])),
            0x82 => (4, usize::from(u16::from_be_bytes([element[2], element[3]]))),
            long => panic!("a length of {} bytes", long & 0x7F),
        };
        (header, &element[header..header + length])
    }

    /// The authority is one: its extensions are the ones a verifier checks in a CA certificate
    /// (written out here from what rcgen made, read with `openssl asn1parse`, so that a slip in
    /// the encoder is not repeated in the expectation), and it signed itself. webpki reads only
    /// a trust anchor's name and key, so the test above cannot see these.
    #[test]
    fn the_authority_is_a_certificate_authority_that_signed_itself() {
        let issued = issue().expect("issued");
        let [to_be_signed, _, signature] = elements(&issued.ca_der)[..] else {
            panic!("a certificate is three elements")
        };
        let fields = elements(to_be_signed);
        let extensions = elements(elements(fields[7])[0]);
        let key_usage: &[u8] = &[
            0x30, 0x0E, 0x06, 0x03, 0x55, 0x1D, 0x0F, 0x01, 0x01, 0xFF, 0x04, 0x04, 0x03, 0x02,
            0x02, 0x84,
        ];
        let basic_constraints: &[u8] = &[
            0x30, 0x0F, 0x06, 0x03, 0x55, 0x1D, 0x13, 0x01, 0x01, 0xFF, 0x04, 0x05, 0x30, 0x03,
            0x01, 0x01, 0xFF,
        ];
        assert_eq!(
            extensions[0], key_usage,
            "keyUsage: digitalSignature, keyCertSign"
        );
        assert_eq!(extensions[2], basic_constraints, "basicConstraints: cA");
        assert_eq!(fields[3], fields[5], "issuer and subject are the same name");
        let public_key = &header_and_value(elements(fields[6])[1]).1[1..];
        let signature = &header_and_value(signature).1[1..];
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            public_key,
        )
        .verify(to_be_signed, signature)
        .expect("signed with its own key");
    }

    /// The PEM text decodes to the DER bytes, and its lines are as RFC 7468 writes them.
    #[test]
    fn the_pem_text_holds_the_der_bytes() {
        let issued = issue().expect("issued");
        let decoded = CertificateDer::from_pem_slice(issued.ca_pem.as_bytes()).expect("PEM");
        assert_eq!(decoded.as_ref(), issued.ca_der.as_slice());
        let lines: Vec<&str> = issued.ca_pem.lines().collect();
        assert_eq!(lines.first(), Some(&"-----BEGIN CERTIFICATE-----"));
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        assert!(lines.iter().all(|line| line.len() <= 64), "{lines:?}");
    }

    /// Lengths: short form below 128, long form at and above, in as few bytes as the length
    /// needs; base64 pads a last group of one or two bytes.
    #[test]
    fn der_lengths_and_base64_padding_are_encoded_as_the_standards_say() {
        assert_eq!(tlv(OCTET_STRING, &[7; 127])[..2], [OCTET_STRING, 127]);
        assert_eq!(tlv(OCTET_STRING, &[7; 128])[..3], [OCTET_STRING, 0x81, 128]);
        assert_eq!(
            tlv(OCTET_STRING, &[7; 300])[..4],
            [OCTET_STRING, 0x82, 0x01, 0x2C]
        );
        let body = |der: &[u8]| pem(der).lines().nth(1).expect("a line").to_owned();
        assert_eq!(body(b"f"), "Zg==");
        assert_eq!(body(b"fo"), "Zm8=");
        assert_eq!(body(b"foo"), "Zm9v");
        assert_eq!(body(b"foob"), "Zm9vYg==");
    }
}
