//! Shared by the fuzz targets (docs/fuzzing.md).

pub mod check;
pub mod targets;
