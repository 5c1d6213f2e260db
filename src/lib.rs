//! Tally's engine: sources → analyze → aggregate → store, and the reports over it.
//! See ARCHITECTURE.md for the map and its invariants.

pub mod aggregate;
pub mod analyze;
pub mod app;
pub mod collect;
pub mod config;
pub mod consent;
pub mod dashboard;
pub mod event;
pub mod files;
pub mod import;
pub mod insights;
pub mod lines;
pub mod pipeline;
pub mod privacy;
pub mod pulse;
pub mod report;
pub mod rollup;
pub mod secrets;
pub mod serve;
pub mod store;
pub mod synth;
