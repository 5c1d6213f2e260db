//! The PostgreSQL sink (being built).
