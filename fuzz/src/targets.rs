//! The bodies of the fuzz targets whose code is all in iacgate-core, so
//! that the core's tests replay the regression inputs through exactly what
//! the targets run (crates/core/src/fuzz_regressions.rs includes this file
//! and `check.rs`). Each `run` panics on a violated invariant.

pub mod suppress {
    //! Fuzz target: inline suppression markers (`# iacgate:allow RULE --
    //! reason`). The problems they are reported as must point into the text;
    //! a finding on any line is suppressed only when a marker naming its rule
    //! stands on that line or the line above.

    use super::super::check;
    use iacgate_core::finding::{Finding, Side};
    use iacgate_core::model::{nth_line, Kind, Span};
    use iacgate_core::rules;
    use iacgate_core::suppress;

    /// Findings of this many lines are tried.
    const LINES: usize = 64;

    pub fn run(data: &[u8]) {
        let Some((&first, rest)) = data.split_first() else {
            return;
        };
        let text = check::text_of(rest);
        for finding in suppress::problems("main.tf", &text) {
            assert_eq!(finding.rule.name, "parse-error");
            check::finding(&finding, None, Some(&text));
        }
        let rule = rules::ALL[usize::from(first) % rules::ALL.len()];
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1).take(LINES));
        for start in starts {
            let mut finding = Finding::at(
                rule,
                "main.tf",
                &text,
                Side::New,
                Span::new(start, start),
                Kind::Module,
                "x",
            )
            .with_message("a finding");
            check::finding(&finding, None, Some(&text));
            suppress::apply(&mut finding, &text);
            if finding.suppressed {
                let line = finding.line;
                let marked = [line.saturating_sub(1), line]
                    .into_iter()
                    .filter(|&n| n >= 1)
                    .filter_map(|n| nth_line(&text, n))
                    .any(|l| l.contains("iacgate:allow") && l.contains(rule.name));
                assert!(
                    marked,
                    "line {line} suppressed with no marker for {}",
                    rule.name
                );
            }
        }
    }
}

pub mod gitmodules {
    //! Fuzz target: `.gitmodules` (`submodules::parse`) and the findings of
    //! gitlinks that change, which point into it. Every entry's span and
    //! every finding's must lie in the text, on character boundaries.

    use super::super::check;
    use iacgate_core::policy::Policy;
    use iacgate_core::submodules::{self, SubmoduleChange};

    const OLD: &str = "1111111111111111111111111111111111111111";
    const NEW: &str = "2222222222222222222222222222222222222222";

    pub fn run(data: &[u8]) {
        // Old and new `.gitmodules`, split at the first NUL (none: added).
        let (old, new) = match data.iter().position(|&b| b == 0) {
            Some(at) => (Some(&data[..at]), &data[at + 1..]),
            None => (None, data),
        };
        let old = old.map(check::text_of);
        let new = check::text_of(new);
        // A file git rejects is an error at an offset inside the text.
        let entries = match submodules::parse(&new) {
            Ok(entries) => entries,
            Err(e) => {
                check::offset(&new, e.offset, &format_args!("{}", e.message));
                Vec::new()
            }
        };
        for entry in &entries {
            check::span(&new, entry.span, &format_args!("entry {:?}", entry.path));
            assert!(!entry.path.ends_with('/'), "{entry:?}");
        }
        if let Some(old) = &old {
            match submodules::parse(old) {
                Ok(list) => {
                    for entry in list {
                        check::span(old, entry.span, &format_args!("old entry {:?}", entry.path));
                    }
                }
                Err(e) => check::offset(old, e.offset, &format_args!("{}", e.message)),
            }
        }
        let mut changes: Vec<SubmoduleChange> = Vec::new();
        for (i, entry) in entries.iter().enumerate().take(16) {
            changes.push(SubmoduleChange {
                path: &entry.path,
                old: (i % 3 != 0).then_some(OLD),
                new: (i % 3 != 2).then_some(NEW),
            });
        }
        changes.push(SubmoduleChange {
            path: "not/declared",
            old: None,
            new: Some(NEW),
        });
        let policy = Policy::default();
        for finding in
            submodules::findings(&changes, old.as_deref(), Some(&new), &policy.allow.modules)
        {
            check::finding(&finding, old.as_deref(), Some(&new));
        }
    }
}

pub mod include {
    //! Fuzz target: include resolution with a tree. The input is a small
    //! repository: files separated by NUL bytes, each `PATH\nCONTENTS`. The
    //! GitLab pipeline is walked from `.gitlab-ci.yml` through its local
    //! includes (`extract::gitlab_pipeline`), and every Terragrunt file is
    //! read with the tree (`include`, `read_terragrunt_config`,
    //! `find_in_parent_folders`). Every problem, span and error offset must
    //! lie in the file it is about, on a character boundary.

    use std::collections::BTreeMap;

    use super::super::check;
    use iacgate_core::extract::{extract, extract_in, gitlab_pipeline, FileKind, Tree, TreeFiles};
    use iacgate_core::units;

    /// At most this many files: a tree, not a monorepo.
    const FILES: usize = 16;

    struct Files(BTreeMap<String, Vec<u8>>);

    impl Tree for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0.get(path).cloned()
        }
    }

    pub fn run(data: &[u8]) {
        let mut files = BTreeMap::new();
        for chunk in data.split(|&b| b == 0).take(FILES) {
            let (path, contents) = match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => (&chunk[..at], &chunk[at + 1..]),
                None => (chunk, &[][..]),
            };
            let Ok(path) = std::str::from_utf8(path) else {
                continue;
            };
            files.insert(path.to_owned(), contents.to_vec());
        }
        let tree = Files(files);

        let yaml: Vec<String> = tree
            .0
            .keys()
            .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
            .cloned()
            .collect();
        let pipeline = gitlab_pipeline(&tree, &|| yaml.clone());
        for problem in &pipeline.problems {
            let bytes = tree.read(&problem.file).unwrap_or_default();
            let text = check::text_of(&bytes);
            check::offset(
                &text,
                problem.offset,
                &format_args!("pipeline problem {problem:?}"),
            );
            check::finding(&problem.finding(&text), None, Some(&text));
        }
        for path in &pipeline.files {
            let bytes = tree.read(path);
            assert!(
                bytes.is_some(),
                "the pipeline loads {path:?}, which the tree does not have"
            );
            let bytes = bytes.unwrap_or_default();
            check::extracted(&bytes, &extract(FileKind::GitLabCi, &bytes));
        }

        let tree_files = TreeFiles::new(&tree);
        let mut units = Vec::new();
        for (path, bytes) in &tree.0 {
            if FileKind::classify(path) != Some(FileKind::Terragrunt) {
                continue;
            }
            check::extracted(
                bytes,
                &extract_in(FileKind::Terragrunt, bytes, Some((path, &tree_files))),
            );
            units.push((path.clone(), bytes.clone()));
        }
        let _ = units::terragrunt_reads(&units, &tree);
    }
}

pub mod pin {
    //! Fuzz target: pin rewriting (`iacgate pin`). A file is extracted, its
    //! git refs found (`pin::ref_sites`), and every ref rewritten to a commit
    //! (`pin::rewrite`), as `pin` does with what the remote answered. Each
    //! site's ref must be written as-is at its span; a rewrite that succeeds
    //! must read back with every edited ref at its commit and comment; `range_sites`
    //! and `verify` must accept whatever the file holds.

    use super::super::check;
    use iacgate_core::extract::{extract, FileKind};
    use iacgate_core::pin::{self, PinEdit, RemoteRefs, Tail};

    /// The kinds whose refs `pin` rewrites.
    const KINDS: &[FileKind] = &[
        FileKind::TerraformHcl,
        FileKind::Terragrunt,
        FileKind::GitHubWorkflow,
        FileKind::GitHubAction,
        FileKind::Kustomization,
    ];

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    pub fn run(data: &[u8]) {
        let Some((&first, rest)) = data.split_first() else {
            return;
        };
        let kind = KINDS[usize::from(first) % KINDS.len()];
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let result = extract(kind, rest);
        check::extracted(rest, &result);
        let Ok(deps) = result else {
            return;
        };
        let (sites, unreachable) = pin::ref_sites(text, &deps);
        for u in &unreachable {
            assert!(u.line >= 1);
        }
        for site in &sites {
            check::span(
                text,
                site.reference.span,
                &format_args!("ref of {}", site.key),
            );
            assert_eq!(
                text.get(site.reference.span.start..site.reference.span.end),
                Some(site.reference.value.as_str()),
                "the ref of {} is not written at its span",
                site.key
            );
            match &site.tail {
                Tail::Nothing { value_end } | Tail::Other { value_end } => {
                    check::offset(text, *value_end, &"value end");
                    assert!(*value_end >= site.reference.span.end);
                }
                Tail::Comment { start, .. } => {
                    check::offset(text, *start, &"comment start");
                    assert!(*start >= site.reference.span.end);
                }
            }
            let _ = site.version_comment();
        }
        let _ = pin::range_sites(text, &deps);

        // The remote has each ref written as a tag at COMMIT.
        let refs: Vec<(String, &str)> = sites
            .iter()
            .map(|s| (format!("refs/tags/{}", s.reference.value), COMMIT))
            .collect();
        let remote = RemoteRefs::new(refs.iter().map(|(n, id)| (n.as_str(), *id)));
        for site in &sites {
            let _ = pin::verify(COMMIT, &site.reference.value, &remote);
            let _ = pin::check_commit(&site.reference.value, &remote);
        }
        let edits: Vec<PinEdit> = sites
            .iter()
            .filter(|s| !s.is_commit())
            .map(|site| PinEdit {
                site,
                commit: COMMIT.to_owned(),
                label: pin::comment_label(&site.reference.value, COMMIT, &remote),
            })
            .collect();
        if edits.is_empty() {
            return;
        }
        if let Ok(out) = pin::rewrite(kind, text, &deps, &edits) {
            let after = extract(kind, out.as_bytes());
            check::extracted(out.as_bytes(), &after);
            let after = after.expect("a rewrite that reads back parses");
            let (new_sites, _) = pin::ref_sites(&out, &after);
            for edit in &edits {
                assert!(
                    new_sites
                        .iter()
                        .any(|s| s.key == edit.site.key && s.reference.value == COMMIT),
                    "{} is not at the commit after the rewrite",
                    edit.site.key
                );
            }
        }
    }
}

pub mod classify {
    //! Fuzz target: path classification. The input is `PATH\0CONTENTS`. Any
    //! git path must classify without a panic; a path `FileKind::classify`
    //! accepts must be selected by `extract::PATHSPECS` (the staged check asks
    //! git for changes under those pathspecs alone, so a classified path
    //! outside them would never be judged); `units::tofu_shadowed` must name a
    //! Terraform file of the same directory; and the contents, extracted as
    //! the kind the path gives, must give spans inside them.

    use super::super::check;
    use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
    use iacgate_core::extract::{extract, FileKind, PATHSPECS};
    use iacgate_core::units;
    use std::sync::OnceLock;

    /// PATHSPECS as globs, with git's `:(glob)` meaning: `*` stays within a
    /// directory, `**/` matches any directories, the top one included.
    fn pathspecs() -> &'static GlobSet {
        static SET: OnceLock<GlobSet> = OnceLock::new();
        SET.get_or_init(|| {
            let mut set = GlobSetBuilder::new();
            for spec in PATHSPECS {
                let (magic, pattern) = spec
                    .strip_prefix(":(")
                    .and_then(|s| s.split_once(')'))
                    .expect("a pathspec with magic");
                let glob = GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .case_insensitive(magic.split(',').any(|m| m == "icase"))
                    .build()
                    .expect("a glob");
                set.add(glob);
            }
            set.build().expect("a glob set")
        })
    }

    /// A path as git lists it: relative, `/`-separated, no empty, `.` or `..`
    /// component.
    fn is_git_path(path: &str) -> bool {
        !path.is_empty()
            && path
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".." && c != ".git")
    }

    pub fn run(data: &[u8]) {
        let (path, contents) = match data.iter().position(|&b| b == 0) {
            Some(at) => (&data[..at], &data[at + 1..]),
            None => (data, &[][..]),
        };
        let Ok(path) = std::str::from_utf8(path) else {
            return;
        };
        let kind = FileKind::classify(path);
        if let Some(shadowed) = units::tofu_shadowed(path) {
            assert!(
                matches!(
                    FileKind::classify(&shadowed),
                    Some(FileKind::TerraformHcl | FileKind::TerraformJson)
                ),
                "{path:?} shadows {shadowed:?}, no Terraform file"
            );
            assert_eq!(
                path.rsplit_once('/').map(|(d, _)| d),
                shadowed.rsplit_once('/').map(|(d, _)| d),
                "{path:?} shadows {shadowed:?} in another directory"
            );
        }
        let Some(kind) = kind else {
            return;
        };
        if is_git_path(path) {
            assert!(
                pathspecs().is_match(path),
                "{path:?} is a {kind:?} that no pathspec selects"
            );
        }
        check::extracted(contents, &extract(kind, contents));
    }
}
