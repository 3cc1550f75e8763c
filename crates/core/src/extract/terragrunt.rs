//! Placeholder until the terragrunt extractor lands in this change.

use crate::model::{Dependency, ExtractError};

pub(super) fn extract(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
