//! Tally's engine: sources → analyze → aggregate → store, and the reports over it.
//! See ARCHITECTURE.md for the map and its invariants.

pub mod aggregate;
pub mod analyze;
pub mod app;
pub mod collect;
pub mod config;
pub mod dashboard;
pub mod event;
pub mod files;
pub mod filters;
pub mod hardening;
pub mod import;
pub mod insights;
pub mod outbound;
pub mod pipeline;
pub mod pulse;
pub mod report;
pub mod rollup;
pub mod secrets;
pub mod serve;
pub mod source;
pub mod store;
pub mod synth;
pub mod zone;
