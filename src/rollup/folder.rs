//! The shared-folder sink (being built).
