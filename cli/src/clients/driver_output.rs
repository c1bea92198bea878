//! What a driver prints: a line per job with the client's own view and the calls that failed
//! (curl's, one line per transfer, summed per job here).

use super::catalog::{Client, Job};

/// A driver's line split into the client's view and the calls that failed: `connections=2
/// errors=2 error=EOF` is the view `connections=2` and 2 errors (the first error is kept with the
/// view, after `; first error: `, for the reader).
pub fn split_errors(line: &str) -> (String, usize) {
    let Some((view, rest)) = line.split_once(" errors=") else {
        return (line.to_owned(), 0);
    };
    let (count, first) = rest.split_once(" error=").unwrap_or((rest, ""));
    let errors = count.parse().unwrap_or(usize::MAX);
    (format!("{view}; first error: {first}"), errors)
}

/// Each job's line of the driver's own view, in job order: the driver's line per job, or for
/// curl, which prints `num_connects` and `http_version` per transfer, their sum per job and the
/// transfers that took HTTP/2 (` streams=S`).
pub fn client_views(client: Client, jobs: &[Job], stdout: &str) -> Vec<Option<String>> {
    let mut lines = stdout.lines();
    jobs.iter()
        .map(|job| {
            if client == Client::Curl {
                let transfers: Option<Vec<(usize, bool)>> = (&mut lines)
                    .take(job.count)
                    .map(|line| {
                        let (connects, version) = line.trim().split_once(' ')?;
                        Some((connects.parse::<usize>().ok()?, version == "2"))
                    })
                    .collect();
                // A job whose transfers did not all print has no view.
                transfers
                    .filter(|transfers| transfers.len() == job.count)
                    .map(|transfers| {
                        let connects: usize = transfers.iter().map(|(n, _)| n).sum();
                        let streams = transfers.iter().filter(|(_, http2)| *http2).count();
                        let view = format!("connections={connects}");
                        match streams {
                            0 => view,
                            n => format!("{view} streams={n}"),
                        }
                    })
            } else {
                lines.next().map(str::to_owned)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::client_views;
    use crate::clients::catalog::{Client, Job, Mode};

    fn jobs(counts: &[usize]) -> Vec<Job> {
        counts
            .iter()
            .map(|&count| Job {
                url: "http://127.0.0.1:1/".to_owned(),
                count,
                mode: Mode::Read,
                session_cache: false,
                ask_h2: false,
            })
            .collect()
    }

    #[test]
    fn a_driver_line_per_job_is_each_jobs_view() {
        assert_eq!(
            client_views(
                Client::Go119,
                &jobs(&[5, 5]),
                "connections=1\nconnections=5\n"
            ),
            [
                Some("connections=1".to_owned()),
                Some("connections=5".to_owned())
            ]
        );
    }

    #[test]
    fn curls_transfers_are_summed_per_job_with_its_http2_ones() {
        assert_eq!(
            client_views(
                Client::Curl,
                &jobs(&[2, 3]),
                "1 1.1\n0 1.1\n1 2\n1 2\n0 2\n"
            ),
            [
                Some("connections=1".to_owned()),
                Some("connections=2 streams=3".to_owned())
            ]
        );
    }

    #[test]
    fn a_driver_that_stopped_early_leaves_the_later_jobs_without_a_view() {
        assert_eq!(
            client_views(Client::Curl, &jobs(&[2, 2]), "1 1.1\n0 1.1\n1 1.1\n"),
            [Some("connections=1".to_owned()), None]
        );
        assert_eq!(
            client_views(Client::Go119, &jobs(&[5, 5]), "connections=1\n"),
            [Some("connections=1".to_owned()), None]
        );
    }
}
