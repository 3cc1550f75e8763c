//! iacgate-core: everything iacgate knows about Infrastructure-as-Code
//! dependencies, as pure functions. It takes `(path, bytes)` and a policy and
//! returns data: no git, no processes, no printing.

pub mod extract;
pub mod model;
pub mod source;
pub mod version;
