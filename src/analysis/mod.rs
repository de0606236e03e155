//! Counting: theme × transcript tables with roll-up. Pure functions over loaded rows, plus the
//! queries that load them.

pub mod freq;
