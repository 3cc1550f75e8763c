//! `iacgate pin`: git refs (tags, branches) in IaC files become the commits
//! they name now, with the ref kept as a version comment.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use iacgate_core::extract::{extract, FileKind};
use iacgate_core::model::Dependency;
use iacgate_core::pin::{
    comment_label, newest_satisfying, printable, range_sites, ref_sites, rewrite, PinEdit,
    RangeSite, RefSite, Resolved, Tail,
};

use crate::args::PinArgs;
use crate::registry::Registry;
use crate::{remotes, scan, EXIT_BLOCKED, EXIT_OK};

/// One IaC file to pin: where it is on disk and how it is shown.
struct Target {
    full: PathBuf,
    shown: String,
    kind: FileKind,
}

pub fn run(args: &PinArgs) -> anyhow::Result<u8> {
    let targets = targets(&args.paths)?;
    let mut err = anstream::stderr();
    let mut failed = 0usize;
    // Every file's refs first, so that each remote is asked once.
    let mut files = Vec::new();
    let mut ranges = Vec::new();
    for target in targets {
        match read(&target) {
            Ok(file) => {
                failed += file.skipped;
                ranges.extend(
                    file.ranges
                        .iter()
                        .map(|r| (target.shown.clone(), r.clone())),
                );
                files.push((target, file));
            }
            Err(why) => {
                writeln!(err, "{}: not pinned: {}", target.shown, printable(&why))?;
                failed += 1;
            }
        }
    }
    let urls: BTreeSet<&str> = files
        .iter()
        .flat_map(|(_, file)| file.sites.iter())
        .filter(|site| !site.is_commit())
        .map(|site| site.remote.as_str())
        .collect();
    let answers = remotes::list(urls, Duration::from_secs(args.timeout));
    let (mut pinned, mut changed) = (0usize, 0usize);
    let mut out = std::io::stdout().lock();
    for (target, file) in &files {
        let text = &file.text;
        let mut edits = Vec::new();
        for site in file.sites.iter().filter(|site| !site.is_commit()) {
            let resolved = match site.tail {
                _ if matches!(
                    target.kind,
                    FileKind::TerraformJson | FileKind::TerragruntJson
                ) =>
                {
                    Err(
                        "JSON has no comments to keep the version name in; pin it by hand"
                            .to_owned(),
                    )
                }
                Tail::Other { .. } => Err(
                    "the value shares its line with other code, so no version comment can \
                     follow it; put it on a line of its own"
                        .to_owned(),
                ),
                _ if site.shallow => Err(
                    "the source also says ?depth=, and go-getter clones with --depth only a \
                     branch or tag, never a commit; remove depth= and pin again"
                        .to_owned(),
                ),
                _ => resolve(site, answers.get(&site.remote)),
            };
            let at = format!(
                "{}:{}:{}: {} {:?}",
                target.shown,
                site.line,
                site.column,
                site.kind.as_str(),
                site.name
            );
            match resolved {
                Ok((commit, what, label)) => {
                    let named = match label == site.reference.value {
                        true => String::new(),
                        false => format!(", written as {}", printable(&label)),
                    };
                    writeln!(
                        err,
                        "{at}: {} -> {commit} ({what}{named})",
                        printable(&site.reference.value)
                    )?;
                    edits.push(PinEdit {
                        site,
                        commit,
                        label,
                    });
                }
                Err(why) => {
                    writeln!(err, "{at}: not pinned: {}", printable(&why))?;
                    failed += 1;
                }
            }
        }
        if edits.is_empty() {
            continue;
        }
        let new = match rewrite(target.kind, text, &file.deps, &edits) {
            Ok(new) => new,
            Err(why) => {
                writeln!(err, "{}: not pinned: {why}", target.shown)?;
                failed += edits.len();
                continue;
            }
        };
        if args.dry_run {
            let diff = similar::TextDiff::from_lines(text.as_str(), new.as_str());
            let (old_name, new_name) = match target.shown.starts_with('/') {
                true => (target.shown.clone(), target.shown.clone()),
                false => (format!("a/{}", target.shown), format!("b/{}", target.shown)),
            };
            write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(&old_name, &new_name)
            )?;
        } else if let Err(e) = write_in_place(&target.full, &new) {
            writeln!(err, "{}: not pinned: cannot write it: {e}", target.shown)?;
            failed += edits.len();
            continue;
        }
        pinned += edits.len();
        changed += 1;
    }
    if args.registry {
        failed += report_ranges(&ranges, Duration::from_secs(args.timeout))?;
    } else if !ranges.is_empty() {
        writeln!(
            err,
            "iacgate: {} registry module(s) have a version range; `iacgate pin --registry` looks up the newest version that satisfies each",
            ranges.len()
        )?;
    }
    let verb = if args.dry_run { "would pin" } else { "pinned" };
    let files_word = if changed == 1 { "file" } else { "files" };
    match failed {
        0 => writeln!(err, "iacgate: {verb} {pinned} ref(s) in {changed} {files_word}")?,
        _ => writeln!(
            err,
            "iacgate: {verb} {pinned} ref(s) in {changed} {files_word}; {failed} could not be pinned (listed above)"
        )?,
    }
    Ok(if failed > 0 { EXIT_BLOCKED } else { EXIT_OK })
}

/// Prints the newest release each registry range admits (asked from the
/// registry); returns how many could not be looked up.
fn report_ranges(ranges: &[(String, RangeSite)], timeout: Duration) -> anyhow::Result<usize> {
    let mut err = anstream::stderr();
    let mut registry = Registry::new(timeout);
    let mut failed = 0;
    for (file, range) in ranges {
        let at = format!(
            "{file}:{}:{}: module {:?}: version {:?}",
            range.line, range.column, range.name, range.constraint
        );
        match registry.versions(&range.host, &range.package) {
            Ok(versions) => {
                match newest_satisfying(&range.constraint, versions.iter().map(String::as_str)) {
                    Some(newest) => writeln!(
                        err,
                        "{at}: the newest release that satisfies it is {newest}; pin it with version = \"{newest}\""
                    )?,
                    None => {
                        writeln!(
                            err,
                            "{at}: no release of {}/{} satisfies it",
                            range.host, range.package
                        )?;
                        failed += 1;
                    }
                }
            }
            Err(why) => {
                writeln!(err, "{at}: not looked up: {why}")?;
                failed += 1;
            }
        }
    }
    Ok(failed)
}

/// The commit a site's ref names on its remote, and what the ref is.
fn resolve(
    site: &RefSite,
    answer: Option<&Result<iacgate_core::pin::RemoteRefs, String>>,
) -> Result<(String, &'static str, String), String> {
    let refs = match answer {
        Some(Ok(refs)) => refs,
        Some(Err(why)) => return Err(why.clone()),
        None => return Err(format!("{} was not asked", site.remote)),
    };
    let reference = &site.reference.value;
    let labelled = |commit: String, what| {
        let label = comment_label(reference, &commit, refs);
        Ok((commit, what, label))
    };
    match refs.resolve(reference) {
        Resolved::Tag {
            commit,
            annotated: true,
        } => labelled(commit, "annotated tag"),
        Resolved::Tag { commit, .. } => labelled(commit, "tag"),
        Resolved::Branch { commit } => Ok((commit, "branch", reference.clone())),
        Resolved::Ambiguous { tag, branch } => Err(format!(
            "{} has a tag and a branch named {reference:?}, at {} and {}; write refs/tags/{reference} or refs/heads/{reference} to choose",
            site.remote,
            &tag[..12.min(tag.len())],
            &branch[..12.min(branch.len())]
        )),
        Resolved::Missing if is_abbreviated(reference) => Err(format!(
            "{reference:?} looks like an abbreviated commit; write the full commit id"
        )),
        Resolved::Missing => Err(format!(
            "{} has no tag or branch named {reference:?}",
            site.remote
        )),
    }
}

fn is_abbreviated(reference: &str) -> bool {
    (7..40).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An IaC file as read for pinning.
struct PinFile {
    text: String,
    deps: Vec<Dependency>,
    /// The git refs written in it.
    sites: Vec<RefSite>,
    /// Its registry modules with a version range.
    ranges: Vec<RangeSite>,
    /// How many refs cannot be pinned where they are (listed as read).
    skipped: usize,
}

/// A file as read for pinning; `Err` with why when it cannot be read.
fn read(target: &Target) -> Result<PinFile, String> {
    let meta = std::fs::symlink_metadata(&target.full).map_err(|e| e.to_string())?;
    if meta.file_type().is_symlink() {
        return Err("a symbolic link; pin the file it points to".to_owned());
    }
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    let bytes = std::fs::read(&target.full).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())?;
    let deps = extract(target.kind, text.as_bytes()).map_err(|e| {
        let (line, column) = iacgate_core::model::line_col(&text, e.offset);
        format!("line {line}:{column}: {e}")
    })?;
    let (sites, unreachable) = ref_sites(&text, &deps);
    let mut err = anstream::stderr();
    for skipped in &unreachable {
        let _ = writeln!(
            err,
            "{}:{}: {:?}: not pinned: {}",
            target.shown,
            skipped.line,
            skipped.name,
            printable(&skipped.why)
        );
    }
    let ranges = range_sites(&text, &deps);
    Ok(PinFile {
        text,
        deps,
        sites,
        ranges,
        skipped: unreachable.len(),
    })
}

/// The IaC files named by `paths` (directories searched, never left).
fn targets(paths: &[PathBuf]) -> anyhow::Result<Vec<Target>> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut targets = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            let root = std::fs::canonicalize(path)
                .with_context(|| format!("cannot read the directory {}", path.display()))?;
            for (rel, _, _) in scan::walk(&root)?.files {
                let Some(kind) = FileKind::classify(&rel) else {
                    continue;
                };
                targets.push(Target {
                    full: root.join(&rel),
                    shown: shown(path, &rel),
                    kind,
                });
            }
        } else {
            let written = path.to_string_lossy().replace('\\', "/");
            let kind = FileKind::classify(written.trim_start_matches("./")).with_context(|| {
                format!(
                    "{} is not a file iacgate reads (docs/formats.md lists them)",
                    path.display()
                )
            })?;
            targets.push(Target {
                full: path.clone(),
                shown: written.trim_start_matches("./").to_owned(),
                kind,
            });
        }
    }
    Ok(targets)
}

/// `rel` under the directory argument `dir`, as the user wrote it.
fn shown(dir: &Path, rel: &str) -> String {
    let dir = dir.to_string_lossy().replace('\\', "/");
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    if dir.is_empty() || dir == "." {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Replaces the file's contents through a temporary file in the same
/// directory and a rename, keeping its permissions: a reader never sees a
/// half-written file. The temporary file is created new (`O_EXCL`: never
/// through a symlink or over a file someone else placed there).
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let permissions = std::fs::metadata(path)?.permissions();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{name}.iacgate-pin.{}.{nanos:x}.{attempt}",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let result = file
        .write_all(text.as_bytes())
        .and_then(|()| file.set_permissions(permissions))
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
