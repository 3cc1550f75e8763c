//! Placeholder until the cloudformation extractor lands in this change.

use crate::model::{Dependency, ExtractError};

pub(super) fn extract(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
