//! Renderers: one module per output format, all reading the same findings.

pub mod human;
pub mod json;
pub mod policy;
pub mod rules;

use std::collections::HashMap;

use iacgate_core::finding::Finding;

/// What every renderer needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub files_checked: usize,
    /// File contents by path, for the source lines of human output.
    pub texts: &'a HashMap<&'a str, &'a [u8]>,
}
