//! Counting: theme × transcript tables with roll-up, and agreement between coders. Pure functions over loaded rows, plus the
//! queries that load them.

pub mod agree;
pub mod cooccur;
pub mod filter;
pub mod freq;
