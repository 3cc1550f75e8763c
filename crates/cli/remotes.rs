//! Asking remotes for their refs, for `pin` and `verify`: each remote once,
//! a few at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use iacgate_core::pin::RemoteRefs;
use iacgate_git::remote::{has_commit, ls_remote};

/// How many remotes are asked at once.
const PARALLEL: usize = 8;

/// The refs of every remote in `urls`, or why they could not be listed.
pub fn list(
    urls: BTreeSet<&str>,
    timeout: Duration,
) -> BTreeMap<String, Result<RemoteRefs, String>> {
    let dir = std::env::current_dir().unwrap_or_else(|_| Path::new(".").to_path_buf());
    let queue = Mutex::new(urls.into_iter().collect::<Vec<_>>());
    let answers = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let Some(url) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
                    break;
                };
                let answer = ls_remote(&dir, url, timeout)
                    .map(|refs| {
                        RemoteRefs::new(refs.iter().map(|r| (r.name.as_str(), r.id.as_str())))
                    })
                    .map_err(|e| e.to_string());
                answers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(url.to_owned(), answer);
            });
        }
    });
    answers.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Whether each remote has each commit (fetched by id), or why that could
/// not be told; a few at a time.
pub fn commits(
    pairs: BTreeSet<(&str, &str)>,
    timeout: Duration,
) -> BTreeMap<(String, String), Result<bool, String>> {
    let dir = std::env::current_dir().unwrap_or_else(|_| Path::new(".").to_path_buf());
    let queue = Mutex::new(pairs.into_iter().collect::<Vec<_>>());
    let answers = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let Some((url, commit)) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop()
                else {
                    break;
                };
                let answer = has_commit(&dir, url, commit, timeout).map_err(|e| e.to_string());
                answers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((url.to_owned(), commit.to_owned()), answer);
            });
        }
    });
    answers.into_inner().unwrap_or_else(|e| e.into_inner())
}
