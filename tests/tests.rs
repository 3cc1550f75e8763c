//! Integration tests: real temporary git repositories, the real binary.

mod util;

mod approvals;
mod errors;
mod evasion;
mod evasion_addresses;
mod evasion_content;
mod evasion_helm_pulumi;
mod evasion_kinds;
mod evasion_pipelines2;
mod evasion_review;
mod evasion_review_addr;
mod evasion_review_content;
mod evasion_review_suppress;
mod evasion_robust;
mod evasion_sources;
mod evasion_units;
mod explain;
mod formats;
mod frameworks;
mod hooks;
mod human;
mod install;
mod outputs;
mod pins;
mod pipelines;
mod policy;
mod push;
mod push_whole;
mod review3_more;
mod review3_sources;
mod signing;
mod staged;
mod submodules;
