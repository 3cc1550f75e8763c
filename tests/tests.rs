//! Integration tests: real temporary git repositories, the real binary.

mod util;

mod explain;
mod hooks;
mod human;
mod policy;
mod staged;
