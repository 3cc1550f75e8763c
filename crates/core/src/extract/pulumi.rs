//! Placeholder until the Pulumi extractor lands in this change.

use super::Manifest;
use crate::model::{Dependency, ExtractError};

pub(super) fn extract_program(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}

pub(super) fn extract_packages(
    _manifest: Manifest,
    _text: &str,
) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
