//! A chunked body's framing (RFC 9112, 7.1), read byte by byte as the body passes: where it ends.
//! A size line needs a hex digit; its extensions are skipped, and so are the trailers.

/// Where a chunked body's reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chunk {
    /// The chunk size so far, of how many hex digits, and whether an extension started.
    Size {
        size: u64,
        digits: u8,
        extension: bool,
    },
    /// After the size line's CR.
    SizeLf {
        size: u64,
    },
    Data(u64),
    DataCr,
    DataLf,
    /// In the trailers: bytes of the current line so far.
    Trailer {
        line: usize,
    },
    TrailerLf {
        line: usize,
    },
}

impl Chunk {
    /// Before a chunk's size line.
    pub(super) const FIRST: Chunk = Chunk::Size {
        size: 0,
        digits: 0,
        extension: false,
    };

    /// Reads a chunked body's bytes: how many it used, and `Some(true)` at the body's end
    /// (`Some(false)` for bytes that are not chunked framing).
    pub(super) fn read(&mut self, bytes: &[u8]) -> (usize, Option<bool>) {
        let mut used = 0;
        while used < bytes.len() {
            let byte = bytes[used];
            *self = match *self {
                Chunk::Size {
                    size,
                    digits,
                    extension,
                } => match byte {
                    b'\r' if digits > 0 => Chunk::SizeLf { size },
                    _ if extension => Chunk::Size {
                        size,
                        digits,
                        extension,
                    },
                    b';' if digits > 0 => Chunk::Size {
                        size,
                        digits,
                        extension: true,
                    },
                    _ => match (byte as char).to_digit(16) {
                        Some(digit) if digits < 16 => Chunk::Size {
                            size: size * 16 + u64::from(digit),
                            digits: digits + 1,
                            extension,
                        },
                        _ => return (used, Some(false)),
                    },
                },
                Chunk::SizeLf { size } if byte == b'\n' => {
                    if size == 0 {
                        Chunk::Trailer { line: 0 }
                    } else {
                        Chunk::Data(size)
                    }
                }
                Chunk::Data(left) => {
                    let take = left.min((bytes.len() - used) as u64);
                    used += take as usize;
                    *self = if left == take {
                        Chunk::DataCr
                    } else {
                        Chunk::Data(left - take)
                    };
                    continue;
                }
                Chunk::DataCr if byte == b'\r' => Chunk::DataLf,
                Chunk::DataLf if byte == b'\n' => Chunk::FIRST,
                Chunk::Trailer { line } if byte == b'\r' => Chunk::TrailerLf { line },
                Chunk::Trailer { line } => Chunk::Trailer {
                    line: line.saturating_add(1),
                },
                Chunk::TrailerLf { line } if byte == b'\n' => {
                    if line == 0 {
                        return (used + 1, Some(true));
                    }
                    Chunk::Trailer { line: 0 }
                }
                _ => return (used, Some(false)),
            };
            used += 1;
        }
        (used, None)
    }
}
