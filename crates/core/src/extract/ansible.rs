//! Ansible Galaxy requirements.yml (being written).

use crate::model::{Dependency, ExtractError};

pub(super) fn extract(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
