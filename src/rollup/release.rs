//! k-anonymity, suppression and noise (being built).
