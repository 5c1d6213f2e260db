//! What leaves the machine, below the features that send (insights, the org rollup): the
//! outbound gate every payload passes ([`gate`]), what the ledger records of each send
//! ([`ledger`]), and the providers that frontier-model requests may go to ([`provider`]).

pub mod gate;
pub mod ledger;
pub mod provider;
