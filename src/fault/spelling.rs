//! A fault's spelling, as the CLI takes it and JSON shows it: [`Fault`]'s `Display` and
//! `FromStr`, each other's inverse.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use super::{AfterTruncation, CloseBy, Fault, IdleEnd};

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Fault::CloseOnRequest { request, by } => {
                write!(f, "close-on-request={request}:{}", close_word(by))
            }
            Fault::IdleClose { after, then } => {
                let then = match then {
                    IdleEnd::Fin => "fin",
                    IdleEnd::Rst => "rst",
                    IdleEnd::Silent => "silent",
                    IdleEnd::RequestTimeout => "408",
                };
                write!(f, "idle-close={}:{then}", DurationText(after))
            }
            Fault::ConnectionClose { response } => write!(f, "connection-close={response}"),
            Fault::KeepAliveHint { timeout_secs, max } => {
                write!(f, "keep-alive-hint={timeout_secs}")?;
                match max {
                    Some(max) => write!(f, ":{max}"),
                    None => Ok(()),
                }
            }
            Fault::MaxAge(age) => write!(f, "max-age={}", DurationText(age)),
            Fault::Truncate {
                response,
                bytes,
                then,
            } => {
                let then = match then {
                    AfterTruncation::Close => "close",
                    AfterTruncation::Stall => "stall",
                };
                write!(f, "truncate={response}:{bytes}:{then}")
            }
            Fault::RestartOnRequest { request } => write!(f, "restart-on-request={request}"),
            Fault::RefuseStream { request } => write!(f, "refuse-stream={request}"),
            Fault::GoAwayAfter { requests } => write!(f, "goaway-after={requests}"),
            Fault::GoAwayInFlight { requests } => write!(f, "goaway-in-flight={requests}"),
            Fault::GoAwayAbruptlyAfter { requests } => {
                write!(f, "goaway-abrupt-after={requests}")
            }
        }
    }
}

/// In JSON a fault is its spelling: `"close-on-request=2:rst"`.
impl Serialize for Fault {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn close_word(by: CloseBy) -> &'static str {
    match by {
        CloseBy::Fin => "fin",
        CloseBy::Rst => "rst",
    }
}

/// A duration as the CLI spells it: `2s` when whole seconds, `100ms` when whole milliseconds,
/// else `250us` (what is finer than a microsecond is left out).
struct DurationText(Duration);

impl fmt::Display for DurationText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d.subsec_nanos() % 1_000_000 == 0 {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}us", d.as_micros())
        }
    }
}

/// A fault's spelling that [`Fault::from_str`] could not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultError(String);

impl fmt::Display for ParseFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseFaultError {}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |why: &str| ParseFaultError(format!("not a fault: {text:?}: {why}"));
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| fail("expected NAME=VALUE (see --help)"))?;
        let parts: Vec<&str> = value.split(':').collect();
        let count = |part: &str| -> Result<usize, ParseFaultError> {
            match part.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(fail(&format!("{part:?} is not a positive whole number"))),
            }
        };
        let duration = |part: &str| parse_duration(part).map_err(|why| fail(&why));
        let fault = match (name, parts.as_slice()) {
            ("close-on-request", [k, by]) => Fault::close_on_request(
                count(k)?,
                match *by {
                    "fin" => CloseBy::Fin,
                    "rst" => CloseBy::Rst,
                    _ => return Err(fail("close by fin or rst")),
                },
            ),
            ("idle-close", [after, then]) => Fault::idle_close(
                duration(after)?,
                match *then {
                    "fin" => IdleEnd::Fin,
                    "rst" => IdleEnd::Rst,
                    "silent" => IdleEnd::Silent,
                    "408" => IdleEnd::RequestTimeout,
                    _ => return Err(fail("end an idle connection by fin, rst, silent or 408")),
                },
            ),
            ("connection-close", [k]) => Fault::connection_close_on(count(k)?),
            ("keep-alive-hint", [timeout, rest @ ..]) if rest.len() <= 1 => {
                let timeout_secs = timeout
                    .parse()
                    .map_err(|_| fail(&format!("{timeout:?} is not whole seconds")))?;
                let max = rest.first().map(|max| count(max)).transpose()?;
                Fault::keep_alive_hint(timeout_secs, max)
            }
            ("max-age", [age]) => Fault::max_age(duration(age)?),
            ("truncate", [k, bytes, then]) => Fault::truncate(
                count(k)?,
                bytes
                    .parse()
                    .map_err(|_| fail(&format!("{bytes:?} is not a number of bytes")))?,
                match *then {
                    "close" => AfterTruncation::Close,
                    "stall" => AfterTruncation::Stall,
                    _ => return Err(fail("after a truncation: close or stall")),
                },
            ),
            ("restart-on-request", [n]) => Fault::restart_on_request(count(n)?),
            ("refuse-stream", [k]) => Fault::refuse_stream(count(k)?),
            ("goaway-after", [n]) => Fault::go_away_after(count(n)?),
            ("goaway-in-flight", [m]) => Fault::go_away_in_flight(count(m)?),
            ("goaway-abrupt-after", [n]) => Fault::go_away_abruptly_after(count(n)?),
            _ => return Err(fail("unknown, or the wrong number of parts (see --help)")),
        };
        Ok(fault)
    }
}

/// `250us`, `100ms`, `2s`, `1m`: a whole number and a unit, at most a day.
fn parse_duration(text: &str) -> Result<Duration, String> {
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 100ms or 2s"))?;
    let duration = match unit {
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("{text:?}: the unit is us, ms, s or m")),
    };
    if duration > DAY {
        return Err(format!("{text:?} is longer than a day"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_reads_back_as_it_is_written() {
        for text in [
            "close-on-request=2:fin",
            "close-on-request=1:rst",
            "idle-close=100ms:fin",
            "idle-close=2s:rst",
            "idle-close=5s:silent",
            "idle-close=1500ms:408",
            "idle-close=250us:fin",
            "connection-close=3",
            "keep-alive-hint=5",
            "keep-alive-hint=5:100",
            "max-age=1s",
            "truncate=2:1024:close",
            "truncate=1:0:stall",
            "restart-on-request=4",
            "refuse-stream=3",
            "goaway-after=2",
            "goaway-abrupt-after=3",
            "goaway-in-flight=2",
        ] {
            let fault: Fault = text.parse().expect(text);
            assert_eq!(fault.to_string(), text);
        }
    }

    #[test]
    fn a_bad_spelling_says_what_is_wrong() {
        for (text, why) in [
            ("close-on-request=2", "wrong number of parts"),
            ("close-on-request=0:fin", "positive whole number"),
            ("close-on-request=2:abort", "fin or rst"),
            ("idle-close=5:fin", "unit is us, ms, s or m"),
            ("max-age=99999999999m", "longer than a day"),
            ("idle-close=soon:fin", "not a duration"),
            ("drop-everything=1", "unknown"),
            ("close-on-request", "NAME=VALUE"),
        ] {
            let error = text.parse::<Fault>().expect_err(text).to_string();
            assert!(error.contains(why), "{text}: {error}");
        }
    }
}
