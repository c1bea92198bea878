//! What the server handle, and a restart fault, ask of the accept loop.

use tokio::sync::oneshot;

use crate::fault::Fault;

/// What the server handle asks of the accept loop.
#[derive(Debug)]
pub(super) enum Command {
    /// Accept everything queued in the kernel now, then reply.
    SweepKernelQueue(oneshot::Sender<()>),
    /// Close every connection, then end.
    Stop,
    /// Close every connection and bind the listener again on its port (by a fault, if one asked),
    /// then reply.
    Restart(Option<Fault>, Option<oneshot::Sender<()>>),
}
