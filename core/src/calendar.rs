//! The working-day calendar (being written).
