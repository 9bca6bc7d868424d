//! The ledger crate's one integration-test binary.

mod common;
mod crash;
mod log;
mod notes;
mod props;
mod tamper;
mod vectors;
mod witness;
