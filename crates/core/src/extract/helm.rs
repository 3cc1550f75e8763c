//! Helm Chart.yaml and Chart.lock (being written).

use crate::model::{Dependency, ExtractError};

pub(super) fn extract_chart(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}

pub(super) fn extract_lock(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
