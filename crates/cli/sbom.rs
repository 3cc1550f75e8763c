//! `iacgate sbom`: the third-party IaC dependencies of a commit's tree as a
//! CycloneDX 1.6 or SPDX 2.3 document (docs/sbom.md).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use iacgate_core::extract::{extract_in, FileKind, Tree, TreeFiles};
use iacgate_core::model::{line_col, Dependency};
use iacgate_core::sbom::{self, FileDeps, Subject};
use iacgate_git::Repo;

use crate::args::SbomFormat;
use crate::EXIT_OK;

pub fn run(rev: &str, format: SbomFormat, output: Option<&PathBuf>) -> anyhow::Result<u8> {
    let repo = Repo::open_from_env()?;
    let commit = repo
        .resolve(rev)?
        .with_context(|| format!("{rev} is not a commit of this repository"))?;
    let files = repo.files_where(Some(&commit), |path| FileKind::classify(path).is_some())?;
    let tree = CommitTree {
        repo: &repo,
        commit: &commit,
    };
    let tree_files = TreeFiles::new(&tree);
    let mut extracted: Vec<(String, Vec<Dependency>)> = Vec::new();
    let mut warnings = anstream::stderr();
    for (path, bytes) in &files {
        let Some(kind) = FileKind::classify(path) else {
            continue;
        };
        match extract_in(kind, bytes, Some((path, &tree_files))) {
            Ok(deps) if deps.is_empty() => {}
            Ok(deps) => extracted.push((path.clone(), deps)),
            Err(err) => {
                let text = String::from_utf8_lossy(bytes);
                let (line, column) = line_col(&text, err.offset);
                writeln!(
                    warnings,
                    "iacgate: warning: {path}:{line}:{column}: cannot be read ({}); its dependencies are not in the SBOM",
                    err.message
                )?;
            }
        }
    }
    let per_file: Vec<FileDeps> = extracted
        .iter()
        .map(|(path, deps)| FileDeps { path, deps })
        .collect();
    let name = repo.name();
    let created = rfc3339(repo.commit_time(&commit)?);
    let subject = Subject {
        name: &name,
        commit: Some(&commit),
        tool_version: env!("CARGO_PKG_VERSION"),
        created: Some(&created),
    };
    let document = match format {
        SbomFormat::Cyclonedx => sbom::cyclonedx(&subject, &per_file),
        SbomFormat::Spdx => sbom::spdx(&subject, &per_file),
    };
    match output {
        Some(path) => std::fs::write(path, document)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(document.as_bytes())?,
    }
    Ok(EXIT_OK)
}

/// A commit's tree, for files that read other files.
struct CommitTree<'r> {
    repo: &'r Repo,
    commit: &'r str,
}

impl Tree for CommitTree<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.repo.file_at(self.commit, path).ok().flatten()
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        self.repo.dir_files_at(self.commit, dir).ok()
    }
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's days_from_civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
