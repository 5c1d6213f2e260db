//! Daily contributions from the local aggregates (being built).
