//! GitHub Actions workflows and action metadata (being written).

use crate::model::{Dependency, ExtractError};

pub(super) fn extract_workflow(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}

pub(super) fn extract_action(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
