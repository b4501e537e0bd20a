//! The outbox queries the worker runs (claim, renew, record, deactivate, migrate) and
//! the rows they deal in. The SQL lives in the store ([`crate::store::pg::outbox`]);
//! the relay names it here.

pub use crate::store::pg::outbox::{Claimed, Outcome};
pub(super) use crate::store::pg::outbox::{claim, deactivate, migrate, record, renew};
