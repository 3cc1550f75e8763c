//! `iacgate verify`: do the tags in commit pins' version comments still
//! name the pinned commits? (`tag-moved`, `comment-mismatch`)

use std::collections::BTreeSet;
use std::io::Write;
use std::time::Duration;

use iacgate_core::extract::{extract, FileKind};
use iacgate_core::finding::Finding;
use iacgate_core::model::line_col;
use iacgate_core::pin::{ref_sites, verify, RefSite, Verdict};
use iacgate_core::rules::{comment_mismatch, tag_moved, Level};
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
    let mut uncommented = 0usize;
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
                uncommented += 1;
            }
        }
    }
    let urls: BTreeSet<&str> = pins.iter().map(|p| p.site.remote.as_str()).collect();
    let asked = urls.len();
    let answers = if args.offline {
        Default::default()
    } else {
        remotes::list(urls, Duration::from_secs(args.timeout))
    };
    let mut findings = Vec::new();
    let mut checked = 0usize;
    for pin in &pins {
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
        let mut finding: Finding = finding;
        let Some(level) = policy.level(finding.rule) else {
            continue;
        };
        // A stale floating tag only warns, unless the policy turned the
        // rule down further.
        finding.level = match (finding.level, level) {
            (Level::Warn, Level::Block | Level::SignOff) => Level::Warn,
            (_, level) => level,
        };
        suppress::apply(&mut finding, pin.text);
        findings.push(finding);
    }
    let mut sources = Sources::default();
    for pin in &pins {
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
        let mut line = match args.offline {
            true => format!(
                "iacgate verify: offline: {} commit pin(s) with a version comment, none checked",
                pins.len()
            ),
            false => format!(
                "iacgate verify: {checked} of {} commit pin(s) with a version comment checked against {asked} remote(s)",
                pins.len()
            ),
        };
        if uncommented > 0 {
            line.push_str(&format!(
                "; {uncommented} commit pin(s) without a version comment have nothing to verify"
            ));
        }
        writeln!(err, "{line}")?;
    }
    let blocked = findings.iter().any(Finding::is_blocking);
    Ok(if blocked { EXIT_BLOCKED } else { EXIT_OK })
}
