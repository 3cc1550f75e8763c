//! Container images: Dockerfiles, compose files, Kubernetes manifests (being written).

use crate::model::{Dependency, ExtractError};

pub(super) fn extract_dockerfile(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}

pub(super) fn extract_compose(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}

pub(super) fn extract_manifests(_text: &str) -> Result<Vec<Dependency>, ExtractError> {
    Ok(Vec::new())
}
