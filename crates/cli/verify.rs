//! `iacgate verify`: does every commit pin name a commit the remote has,
//! and no branch or tag of the same name (`unpinned`)? Do the tags in
//! commit pins' version comments still name the pinned commits?
//! (`tag-moved`, `comment-mismatch`)

use std::collections::BTreeSet;
use std::io::Write;
use std::time::Duration;

use iacgate_core::extract::{extract, FileKind};
use iacgate_core::finding::Finding;
use iacgate_core::model::line_col;
use iacgate_core::pin::{check_commit, ref_sites, verify, CommitCheck, RefSite, Verdict};
use iacgate_core::rules::{comment_mismatch, tag_moved, unpinned, Level};
use iacgate_core::suppress;

use crate::args::{Format, VerifyArgs};
use crate::render::{self, Shown, Sources, Unchecked};
use crate::{remotes, scan, EXIT_BLOCKED, EXIT_ERROR, EXIT_OK};

/// A commit pin with a version comment, in its file.
struct Pin<'a> {
    file: &'a str,
    text: &'a str,
    site: RefSite,
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    if let Some(path) = args.path.as_ref().filter(|p| p.is_file()) {
        anyhow::bail!(
            "{} is a file: verify takes a directory (or --rev REV, or nothing for the index)",
            path.display()
        );
    }
    let (files, _) = scan::load(&args.scope())?;
    let Some(policy) = scan::load_policy(&files, args.config.as_deref())? else {
        return Ok(EXIT_ERROR);
    };
    let mut unchecked = Vec::new();
    let mut texts = Vec::new();
    let file_note = |path: &str, line: usize, column: usize, reason: String| Unchecked {
        file: path.to_owned(),
        line,
        column,
        name: path.to_owned(),
        remote: "-".to_owned(),
        reason,
    };
    for (path, bytes, unreadable) in &files.files {
        if !policy.paths.selects(path) {
            continue;
        }
        let Some(kind) = FileKind::classify(path) else {
            continue;
        };
        if let Some(why) = unreadable {
            unchecked.push(file_note(path, 1, 1, why.clone()));
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            unchecked.push(file_note(path, 1, 1, "not UTF-8 text".to_owned()));
            continue;
        };
        match extract(kind, bytes) {
            Ok(deps) => texts.push((path.as_str(), text, deps)),
            Err(e) => {
                let (line, column) = line_col(text, e.offset);
                unchecked.push(file_note(
                    path,
                    line,
                    column,
                    format!("the file does not parse: {e}"),
                ));
            }
        }
    }
    let mut pins = Vec::new();
    let mut commits = Vec::new();
    for (file, text, deps) in &texts {
        let (sites, unreachable) = ref_sites(text, deps);
        for skipped in unreachable.into_iter().filter(|u| u.may_be_pinned) {
            unchecked.push(Unchecked {
                file: (*file).to_owned(),
                line: skipped.line,
                column: 1,
                name: skipped.name,
                remote: "-".to_owned(),
                reason: skipped.why,
            });
        }
        for site in sites.into_iter().filter(RefSite::is_commit) {
            if site.version_comment().is_some() {
                pins.push(Pin { file, text, site });
            } else {
                commits.push(Pin { file, text, site });
            }
        }
    }
    // Every commit pin, commented or not, is checked to be a commit.
    let all: Vec<&Pin> = pins.iter().chain(&commits).collect();
    let urls: BTreeSet<&str> = all.iter().map(|p| p.site.remote.as_str()).collect();
    let asked = urls.len();
    let answers = if args.offline {
        Default::default()
    } else {
        remotes::list(urls, Duration::from_secs(args.timeout))
    };
    let mut findings = Vec::new();
    // A pin that is no one commit: branches or tags named by its hex, or
    // no such commit on the remote. Its comment is not judged further.
    let mut not_commits = BTreeSet::new();
    let mut fetch = BTreeSet::new();
    for (i, pin) in all.iter().enumerate() {
        let Some(Ok(refs)) = answers.get(&pin.site.remote) else {
            continue;
        };
        match check_commit(&pin.site.reference.value, refs) {
            CommitCheck::Exists => {}
            CommitCheck::Named(names) => {
                not_commits.insert(i);
                let finding = unpinned::commit_named_by_ref(pin.file, pin.text, &pin.site, &names);
                findings.push((finding, pin.text));
            }
            CommitCheck::Unknown => {
                fetch.insert((pin.site.remote.as_str(), pin.site.reference.value.as_str()));
            }
        }
    }
    let fetched = match fetch.is_empty() {
        true => Default::default(),
        false => remotes::commits(fetch, Duration::from_secs(args.timeout)),
    };
    let mut commits_checked = 0usize;
    for (i, pin) in all.iter().enumerate() {
        let site = &pin.site;
        let key = (site.remote.clone(), site.reference.value.clone());
        match fetched.get(&key) {
            Some(Ok(true)) => commits_checked += 1,
            Some(Ok(false)) => {
                not_commits.insert(i);
                findings.push((unpinned::commit_missing(pin.file, pin.text, site), pin.text));
            }
            Some(Err(why)) => unchecked.push(Unchecked {
                file: pin.file.to_owned(),
                line: site.line,
                column: site.column,
                name: site.name.clone(),
                remote: site.remote.clone(),
                reason: format!("whether the remote has the commit could not be told: {why}"),
            }),
            None if matches!(answers.get(&site.remote), Some(Ok(_))) => {
                commits_checked += usize::from(!not_commits.contains(&i));
            }
            // Commented pins are listed with their comment check below.
            None if i < pins.len() => {}
            None => unchecked.push(Unchecked {
                file: pin.file.to_owned(),
                line: site.line,
                column: site.column,
                name: site.name.clone(),
                remote: site.remote.clone(),
                reason: match answers.get(&site.remote) {
                    Some(Err(why)) => why.clone(),
                    _ => "offline (--offline)".to_owned(),
                },
            }),
        }
    }
    let mut checked = 0usize;
    for (i, pin) in pins.iter().enumerate() {
        if not_commits.contains(&i) {
            checked += 1;
            continue;
        }
        let site = &pin.site;
        let tag = site.version_comment().unwrap_or_default();
        let not_checked = |reason: String| Unchecked {
            file: pin.file.to_owned(),
            line: site.line,
            column: site.column,
            name: site.name.clone(),
            remote: site.remote.clone(),
            reason,
        };
        let refs = match answers.get(&site.remote) {
            Some(Ok(refs)) => refs,
            Some(Err(why)) => {
                unchecked.push(not_checked(why.clone()));
                continue;
            }
            None => {
                unchecked.push(not_checked("offline (--offline)".to_owned()));
                continue;
            }
        };
        let verdict = verify(&site.reference.value, tag, refs);
        if verdict != Verdict::Branch {
            checked += 1;
        }
        let finding = match verdict {
            Verdict::Holds => continue,
            Verdict::Branch => {
                unchecked.push(not_checked(format!(
                    "the comment names the branch {tag:?}, which moves by design"
                )));
                continue;
            }
            Verdict::TagMoved { now, others } => {
                tag_moved::check(pin.file, pin.text, site, tag, &now, &others)
            }
            Verdict::FloatingMoved { release } => {
                comment_mismatch::floating(pin.file, pin.text, site, tag, &release)
            }
            Verdict::CommentMismatch { now, others } => {
                comment_mismatch::check(pin.file, pin.text, site, tag, now.as_deref(), &others)
            }
        };
        findings.push((finding, pin.text));
    }
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter_map(|(finding, text)| leveled(&policy, finding, text))
        .collect();
    let mut sources = Sources::default();
    for pin in &all {
        sources.insert(None, pin.file, pin.text.as_bytes());
    }
    let report = render::Report {
        findings: &findings,
        files_checked: texts.len(),
        sources: &sources,
        commits: &[],
        shown: Shown::All,
        unchecked: Some(&unchecked),
    };
    render::emit(&report, args.format)?;
    if args.format == Format::Human {
        let mut err = anstream::stderr();
        let line = match args.offline {
            true => format!(
                "iacgate verify: offline: {} commit pin(s) ({} with a version comment), none checked",
                all.len(),
                pins.len()
            ),
            false => format!(
                "iacgate verify: {commits_checked} of {} commit pin(s) found to be commits of their remote; \
                 {checked} of {} with a version comment checked against {asked} remote(s)",
                all.len(),
                pins.len()
            ),
        };
        writeln!(err, "{line}")?;
    }
    let blocked = findings.iter().any(Finding::is_blocking);
    Ok(if blocked { EXIT_BLOCKED } else { EXIT_OK })
}

/// A finding at the level the policy gives its rule (`None`: turned off),
/// with the file's suppressions applied.
fn leveled(
    policy: &iacgate_core::policy::Policy,
    mut finding: Finding,
    text: &str,
) -> Option<Finding> {
    let level = policy.level(finding.rule)?;
    // A stale floating tag only warns, unless the policy turned the rule
    // down further.
    finding.level = match (finding.level, level) {
        (Level::Warn, Level::Block | Level::SignOff) => Level::Warn,
        (_, level) => level,
    };
    suppress::apply(&mut finding, text);
    Some(finding)
}
