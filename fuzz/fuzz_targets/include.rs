#![no_main]
//! Fuzz target: include resolution with a tree. The input is a small
//! repository: files separated by NUL bytes, each `PATH\nCONTENTS`. The
//! GitLab pipeline is walked from `.gitlab-ci.yml` through its local
//! includes (`extract::gitlab_pipeline`), and every Terragrunt file is
//! read with the tree (`include`, `read_terragrunt_config`,
//! `find_in_parent_folders`). Every problem, span and error offset must
//! lie in the file it is about, on a character boundary.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iacgate_fuzz::targets::include::run(data));
