//! How long a test waits for its connections to close once its client is gone.

use std::time::Duration;

/// The limit for `report_within` and `snapshot_within`. On tokio's paused clock it passes only
/// when nothing else can happen, so a connection left open fails the test at once, naming it; on
/// a real clock (a multi-thread runtime) a regression fails after this long instead of hanging.
pub const SETTLE: Duration = Duration::from_secs(10);
