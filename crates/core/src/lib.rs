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
pub mod net;
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

// The fuzz crate's checks and target bodies (fuzz/src/), which the
// regression replays include, name this crate `iacgate_core`.
#[cfg(test)]
extern crate self as iacgate_core;
#[cfg(test)]
mod fuzz_regressions;
