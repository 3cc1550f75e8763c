//! iacgate-core: everything iacgate knows about Infrastructure-as-Code
//! dependencies, as pure functions. It takes `(path, bytes)` and a policy and
//! returns data: no git, no processes, no printing.

pub mod address;
pub mod analysis;
pub mod approval;
pub mod diff;
pub mod extract;
pub mod finding;
pub mod init;
pub mod local;
pub mod model;
pub mod pin;
pub mod policy;
pub mod rules;
pub mod sbom;
pub mod signoff;
pub mod source;
pub mod submodules;
pub mod suppress;
pub mod units;
pub mod version;

#[cfg(test)]
mod fuzz_regressions;
