#![no_main]
//! Fuzz target: what remotes answer to `iacgate verify` and `iacgate pin`:
//! `git ls-remote` output (`remote::parse_ls_remote`, then
//! `pin::RemoteRefs` and the verdicts made from it) and a Terraform
//! registry's answers (service discovery, `pin::modules_endpoint`; the
//! versions list, `pin::module_versions`, then `newest_satisfying`). The
//! first byte picks the answer; the first line of the rest is a ref name,
//! tag or constraint, the others the answer.

use iacgate_core::pin::{self, RemoteRefs, Resolved};
use iacgate_core::version::{Constraints, Version};
use iacgate_git::remote::parse_ls_remote;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (name, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&rest[..at]), &rest[at + 1..]),
        None => (Default::default(), rest),
    };
    match first % 3 {
        0 => {
            let Ok(refs) = parse_ls_remote("https://example.com/x.git", body) else {
                return;
            };
            for r in &refs {
                assert!(r.name.starts_with("refs/"), "{r:?}");
                assert!(
                    matches!(r.id.len(), 40 | 64)
                        && r.id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                    "{r:?}"
                );
            }
            let remote = RemoteRefs::new(refs.iter().map(|r| (r.name.as_str(), r.id.as_str())));
            match remote.resolve(&name) {
                Resolved::Tag { commit, .. } | Resolved::Branch { commit } => {
                    assert!(
                        refs.iter().any(|r| r.id == commit),
                        "{name:?} resolved to {commit}"
                    );
                }
                Resolved::Ambiguous { .. } | Resolved::Missing => {}
            }
            for r in refs.iter().take(32) {
                let _ = pin::verify(&r.id, &name, &remote);
                let _ = pin::check_commit(&r.id, &remote);
                let _ = pin::comment_label(&name, &r.id, &remote);
            }
        }
        1 => {
            if let Ok(base) = pin::modules_endpoint("https://registry.example.com", body) {
                assert!(base.ends_with('/'), "{base:?}");
                assert!(
                    base.starts_with("https://") || base.starts_with("http://"),
                    "{base:?}"
                );
            }
        }
        _ => {
            let Ok(versions) = pin::module_versions(body) else {
                return;
            };
            if let Some(newest) = pin::newest_satisfying(&name, versions.iter().map(String::as_str))
            {
                assert!(versions.contains(&newest));
                let constraints = Constraints::parse(&name).expect("a constraint that chose");
                let version = Version::parse(&newest).expect("a version that was chosen");
                assert!(constraints.matches(&version));
            }
        }
    }
});
