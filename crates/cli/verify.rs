//! `iacgate verify`: do the tags in commit pins' version comments still
//! name the pinned commits? (`tag-moved`, `comment-mismatch`)

use std::collections::BTreeSet;
use std::io::Write;
use std::time::Duration;

use iacgate_core::extract::{extract, FileKind};
use iacgate_core::finding::Finding;
use iacgate_core::model::line_col;
use iacgate_core::pin::{ref_sites, verify, RefSite, Verdict};
use iacgate_core::rules::{comment_mismatch, tag_moved};
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
    let (files, _) = scan::load(&args.scope())?;
    let Some(policy) = scan::load_policy(&files, args.config.as_deref())? else {
        return Ok(EXIT_ERROR);
    };
    let mut unchecked = Vec::new();
    let mut texts = Vec::new();
    for (path, bytes, unreadable) in &files.files {
        if unreadable.is_some() || !policy.paths.selects(path) {
            continue;
        }
        let Some(kind) = FileKind::classify(path) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        match extract(kind, bytes) {
            Ok(deps) => texts.push((path.as_str(), text, deps)),
            Err(e) => {
                let (line, column) = line_col(text, e.offset);
                unchecked.push(Unchecked {
                    file: path.clone(),
                    line,
                    column,
                    name: path.clone(),
                    remote: "-".to_owned(),
                    reason: format!("the file does not parse: {e}"),
                });
            }
        }
    }
    let mut pins = Vec::new();
    let mut uncommented = 0usize;
    for (file, text, deps) in &texts {
        let (sites, _) = ref_sites(text, deps);
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
            Verdict::TagMoved { now } => tag_moved::check(pin.file, pin.text, site, tag, &now),
            Verdict::CommentMismatch { now, others } => {
                comment_mismatch::check(pin.file, pin.text, site, tag, now.as_deref(), &others)
            }
        };
        let mut finding: Finding = finding;
        let Some(level) = policy.level(finding.rule) else {
            continue;
        };
        finding.level = level;
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
        let mut line = format!(
            "iacgate verify: {checked} of {} commit pin(s) with a version comment checked against {asked} remote(s)",
            pins.len()
        );
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
