//! The `tally` command's larger subcommands, one file per feature, and its output
//! (stdout that a closed pipe ends quietly, notes on stderr).

#[macro_use]
pub mod output;

pub mod collect;
pub mod insights;
pub mod rollup;
