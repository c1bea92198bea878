//! placeholder docs
mod consume;
mod event;
mod ledger;
mod routes;
pub mod scenario;
mod server;

pub use consume::{Consume, Consumed, connection_id};
pub use event::Event;
pub use ledger::{Connection, ConnectionId, ParseConnectionIdError, Report};
pub use routes::MAX_BODY_BYTES;
pub use server::{CONNECTION_ID_HEADER, REQUEST_NUMBER_HEADER, Server, ServerBuilder, StartError};
