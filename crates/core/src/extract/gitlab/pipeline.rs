//! A GitLab pipeline as GitLab loads it: `.gitlab-ci.yml` and every file of
//! this repository it includes with `include: local` (or a plain path), or
//! as this very project at the commit the pipeline runs for (`project:
//! $CI_PROJECT_PATH` with no `ref`, `$CI_COMMIT_SHA` or
//! `$CI_COMMIT_REF_NAME`; a component `$CI_SERVER_FQDN/$CI_PROJECT_PATH/
//! <name>@$CI_COMMIT_SHA`, read from `templates/<name>.yml` or
//! `templates/<name>/template.yml`), directly or through included files,
//! and the files a job's
//! `trigger: include` runs as a child pipeline, followed the same way.
//!
//! Every file reached is a GitLab CI file, whatever its name, and is judged
//! as one. GitLab stops at [`MAX_INCLUDES`] includes and [`MAX_DEPTH`]
//! levels of nesting (an instance can raise the first); a pipeline past
//! either, or one whose includes loop back on themselves, cannot be judged
//! as GitLab would load it and is reported as a problem at the include
//! that goes past, so that it blocks. Includes of other projects, remote
//! URLs, templates and components are not in the repository: their pins
//! are judged where they are written, and what they include is not seen.

use std::collections::HashMap;

use super::include;
use crate::extract::yaml::{self as tree, Node, NodeKind};
use crate::extract::Tree;
use crate::finding::Finding;
use crate::rules::parse_error;

/// The pipeline configuration GitLab reads by default.
pub const ROOT: &str = ".gitlab-ci.yml";

/// Includes one pipeline may have, nested ones and repeats counted
/// (GitLab's default `ci_max_includes`).
pub const MAX_INCLUDES: usize = 150;

/// Levels of nested includes GitLab follows.
pub const MAX_DEPTH: usize = 100;

/// What a pipeline loads from this repository.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Every file of the repository the pipeline loads, `.gitlab-ci.yml`
    /// first, then in the order they are reached.
    pub files: Vec<String>,
    /// Why what it loads cannot be known in full.
    pub problems: Vec<PipelineProblem>,
}

/// An include past a limit, or one that loops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineProblem {
    /// The file that holds the include, and the include's byte offset.
    pub file: String,
    pub offset: usize,
    pub message: String,
}

impl PipelineProblem {
    /// The problem as a `parse-error` at the include, in `text` (the
    /// file's contents): it blocks, like anything iacgate cannot read.
    pub fn finding(&self, text: &str) -> Finding {
        let offset = self.offset.min(text.len());
        let offset = (0..=offset)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        parse_error::check(&self.file, text, offset, &self.message).with_help(
            "make every file of the pipeline reachable within GitLab's limits, without loops",
        )
    }
}

/// An include of a file of this repository, as written.
struct Local {
    path: String,
    offset: usize,
}

/// The pipeline that starts at `.gitlab-ci.yml` in `tree`; empty when the
/// tree has none. `paths` lists the tree's YAML files, for includes with
/// wildcards (`local: ci/*.yml`); it is called only for those, and once.
pub fn pipeline(tree: &dyn Tree, paths: &dyn Fn() -> Vec<String>) -> Pipeline {
    let mut walk = Walk {
        tree,
        paths,
        listed: None,
        parsed: HashMap::new(),
        pipeline: Pipeline::default(),
        count: 0,
    };
    if walk.includes_of(ROOT).is_some() {
        walk.pipeline.files.push(ROOT.to_owned());
        let mut chain = vec![ROOT.to_owned()];
        walk.follow(&mut chain);
    }
    walk.pipeline
}

struct Walk<'t> {
    tree: &'t dyn Tree,
    paths: &'t dyn Fn() -> Vec<String>,
    /// The tree's YAML files, once a wildcard asked for them.
    listed: Option<Vec<String>>,
    /// Each file's local includes, read once (`None`: no such file).
    parsed: HashMap<String, Option<Vec<Local>>>,
    pipeline: Pipeline,
    /// Includes followed so far.
    count: usize,
}

impl Walk<'_> {
    fn includes_of(&mut self, path: &str) -> Option<&[Local]> {
        if !self.parsed.contains_key(path) {
            let read = self
                .tree
                .read(path)
                .map(|bytes| local_includes(&String::from_utf8_lossy(&bytes)));
            self.parsed.insert(path.to_owned(), read);
        }
        self.parsed.get(path).and_then(|p| p.as_deref())
    }

    /// Follow the includes of the last file of `chain` (the files that
    /// include one another down to it). False once a limit is reached.
    fn follow(&mut self, chain: &mut Vec<String>) -> bool {
        let Some(file) = chain.last().cloned() else {
            return true;
        };
        let written: Vec<(String, usize)> = self
            .includes_of(&file)
            .unwrap_or_default()
            .iter()
            .map(|l| (l.path.clone(), l.offset))
            .collect();
        let mut includes = Vec::new();
        for (path, offset) in written {
            if !path.contains('*') {
                includes.push((path, offset));
                continue;
            }
            // GitLab includes every file the wildcard matches.
            let listed = self.listed.get_or_insert_with(|| {
                let mut paths = (self.paths)();
                paths.sort();
                paths
            });
            includes.extend(
                listed
                    .iter()
                    .filter(|p| wildcard_matches(&path, p))
                    .map(|p| (p.clone(), offset)),
            );
        }
        for (path, offset) in includes {
            let problem = |message: String| PipelineProblem {
                file: file.clone(),
                offset,
                message,
            };
            if chain.contains(&path) {
                let mut cycle = chain.clone();
                cycle.push(path.clone());
                self.pipeline.problems.push(problem(format!(
                    "the GitLab CI include of `{path}` loops back on itself ({}): GitLab cannot load this pipeline, and iacgate cannot judge it",
                    cycle.join(" -> ")
                )));
                continue;
            }
            if self.includes_of(&path).is_none() {
                // GitLab rejects a pipeline that includes a missing file.
                continue;
            }
            self.count += 1;
            if self.count > MAX_INCLUDES {
                self.pipeline.problems.push(problem(format!(
                    "the pipeline has more than {MAX_INCLUDES} includes (nested ones and repeats counted), GitLab's limit: iacgate does not judge what it loads past it; split the pipeline"
                )));
                return false;
            }
            if chain.len() > MAX_DEPTH {
                self.pipeline.problems.push(problem(format!(
                    "the include of `{path}` is nested more than {MAX_DEPTH} levels deep, GitLab's limit: iacgate does not judge what it loads past it"
                )));
                continue;
            }
            if !self.pipeline.files.contains(&path) {
                self.pipeline.files.push(path.clone());
            }
            chain.push(path);
            let go_on = self.follow(chain);
            chain.pop();
            if !go_on {
                return false;
            }
        }
        true
    }
}

/// The files of this repository a GitLab CI file includes: `include:`
/// entries that are paths or `local:` mappings, and a job's
/// `trigger: include:` ones (a child pipeline), with their byte offsets.
/// Paths are repository-relative (GitLab reads `local` from the top of the
/// repository, whatever file includes it). Wildcards and variables are
/// not expanded. Lenient: what does not read yields nothing (the file is
/// judged on its own).
fn local_includes(text: &str) -> Vec<Local> {
    let Ok(docs) = tree::load_all(text) else {
        return Vec::new();
    };
    let Some(config) = docs.last() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let Ok(entries) = config.entries("the configuration") else {
        return found;
    };
    for (key, value) in entries {
        match key.key_text() {
            Some("include") => locals(value, &mut found),
            Some(_) if value.is_map() => {
                let trigger = value.get("trigger", "a job").ok().flatten();
                if let Some((_, trigger)) = trigger.filter(|(_, t)| t.is_map()) {
                    if let Ok(Some((_, include))) = trigger.get("include", "trigger") {
                        locals(include, &mut found);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The local files of one `include` value.
fn locals(include: &Node, found: &mut Vec<Local>) {
    let entries: Vec<&Node> = match &include.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![include],
    };
    for entry in entries {
        let paths: Vec<&str> = match &entry.kind {
            NodeKind::Scalar(_) => entry
                .key_text()
                .filter(|p| !p.contains("://"))
                .into_iter()
                .collect(),
            NodeKind::Map(_) => {
                let get = |key: &str| entry.get(key, "include").ok().flatten().map(|(_, v)| v);
                if let Some(path) = get("local").and_then(Node::key_text) {
                    vec![path]
                } else if let Some(project) = get("project").and_then(Node::key_text) {
                    this_project_files(project, get("ref"), get("file"))
                } else if let Some(component) = get("component").and_then(Node::key_text) {
                    let files = this_project_component_files(component);
                    let offset = entry.span.start;
                    found.extend(files.into_iter().map(|path| Local { path, offset }));
                    Vec::new()
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        for path in paths.into_iter().filter_map(normal) {
            found.push(Local {
                path,
                offset: entry.span.start,
            });
        }
    }
}

/// The files of `project: $CI_PROJECT_PATH` when its `ref` is the commit
/// the pipeline runs for (none, `$CI_COMMIT_SHA`, `$CI_COMMIT_REF_NAME`):
/// GitLab reads them from the tree being judged, as it reads `local:`.
/// At another ref they are another version, judged as the include of a
/// project it is.
fn this_project_files<'n>(
    project: &str,
    reference: Option<&'n Node>,
    file: Option<&'n Node>,
) -> Vec<&'n str> {
    if !include::is_this_project(project) {
        return Vec::new();
    }
    let reference = match reference {
        Some(node) => match node.key_text() {
            Some(text) if node.tag.is_none() => Some(text),
            _ => return Vec::new(),
        },
        None => None,
    };
    if !include::same_tree(reference) {
        return Vec::new();
    }
    match file.map(|f| &f.kind) {
        Some(NodeKind::Seq(items)) => items.iter().filter_map(Node::key_text).collect(),
        Some(_) => file.and_then(Node::key_text).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The files a component of this very project at the commit the pipeline
/// runs for (`$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA`) is
/// read from: `templates/<name>.yml` or `templates/<name>/template.yml`,
/// whichever the tree has (a missing one is skipped).
fn this_project_component_files(component: &str) -> Vec<String> {
    let Some((path, version)) = component.trim().rsplit_once('@') else {
        return Vec::new();
    };
    match include::this_project_component(path) {
        Some(name) if include::same_tree(Some(version)) => {
            include::component_files(name).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// A local include's repository path: `/ci/a.yml`, `./ci/a.yml` and
/// `ci/a.yml` are the same file; a wildcard stays one (see
/// [`wildcard_matches`]). `None` for what cannot be read statically
/// (variables) or leaves the repository.
fn normal(written: &str) -> Option<String> {
    let written = written.trim();
    if written.is_empty() || written.contains('$') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in written.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// GitLab's wildcards in `include: local`: `*` matches within one
/// directory, `**` across directories (`configs/*.yml`: the files of
/// `configs`; `configs/**.yml`: those of its subdirectories too;
/// `configs/**/*.yml`: those of its subdirectories only).
fn wildcard_matches(pattern: &str, path: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), path.as_bytes());
    let (m, n) = (p.len(), s.len());
    // matches[i][j]: p[i..] matches s[j..]; filled from the ends.
    let mut matches = vec![vec![false; n + 1]; m + 2];
    matches[m][n] = true;
    for i in (0..m).rev() {
        for j in (0..=n).rev() {
            matches[i][j] = match p[i] {
                b'*' if p.get(i + 1) == Some(&b'*') => {
                    matches[i + 2][j] || (j < n && matches[i][j + 1])
                }
                b'*' => matches[i + 1][j] || (j < n && s[j] != b'/' && matches[i][j + 1]),
                c => j < n && s[j] == c && matches[i + 1][j + 1],
            };
        }
    }
    matches[0][0]
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(Vec<(&'static str, String)>);

    impl Tree for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| text.clone().into_bytes())
        }
    }

    fn tree(files: &[(&'static str, &str)]) -> Files {
        Files(files.iter().map(|(p, t)| (*p, (*t).to_owned())).collect())
    }

    #[test]
    fn nested_local_includes_are_followed() {
        let files = tree(&[
            (
                ROOT,
                "include:\n  - local: /ci/a.yml\n  - project: x/y\n    file: z.yml\n",
            ),
            ("ci/a.yml", "include: ci/b.yml\njob:\n  script: [x]\n"),
            ("ci/b.yml", "include:\n  - local: ./ci/c.yml\n"),
            (
                "ci/c.yml",
                "child:\n  trigger:\n    include: ci/child.yml\n",
            ),
            ("ci/child.yml", "build:\n  image: alpine\n"),
        ]);
        let found = pipeline(&files, &Vec::new);
        assert_eq!(
            found.files,
            [ROOT, "ci/a.yml", "ci/b.yml", "ci/c.yml", "ci/child.yml"]
        );
        assert!(found.problems.is_empty(), "{:?}", found.problems);
    }

    #[test]
    fn a_file_included_twice_is_one_file_and_no_problem() {
        let files = tree(&[
            (ROOT, "include: [a.yml, b.yml]\n"),
            ("a.yml", "include: common.yml\n"),
            ("b.yml", "include: common.yml\n"),
            ("common.yml", "x:\n  script: [y]\n"),
        ]);
        let found = pipeline(&files, &Vec::new);
        assert_eq!(found.files, [ROOT, "a.yml", "common.yml", "b.yml"]);
        assert!(found.problems.is_empty());
    }

    #[test]
    fn a_loop_is_a_problem_at_the_include_that_closes_it() {
        let b = "job:\n  script: [x]\ninclude: a.yml\n";
        let files = tree(&[
            (ROOT, "include: a.yml\n"),
            ("a.yml", "include: b.yml\n"),
            ("b.yml", b),
        ]);
        let found = pipeline(&files, &Vec::new);
        assert_eq!(found.files, [ROOT, "a.yml", "b.yml"]);
        assert_eq!(found.problems.len(), 1);
        let problem = &found.problems[0];
        assert_eq!(problem.file, "b.yml");
        assert_eq!(problem.offset, b.find("a.yml").unwrap());
        assert!(
            problem.message.contains("a.yml -> b.yml -> a.yml"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn past_gitlabs_limits_is_a_problem() {
        // A chain deeper than GitLab follows.
        let mut files: Vec<(&'static str, String)> = vec![(ROOT, "include: f0.yml\n".to_owned())];
        for i in 0..=MAX_DEPTH + 1 {
            let name: &'static str = Box::leak(format!("f{i}.yml").into_boxed_str());
            files.push((name, format!("include: f{}.yml\n", i + 1)));
        }
        let found = pipeline(&Files(files), &Vec::new);
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
        assert!(found.problems[0].message.contains("nested more than 100"));
        // More includes than GitLab allows, each file once.
        let list: String = (0..=MAX_INCLUDES)
            .map(|i| format!("  - x{i}.yml\n"))
            .collect();
        let mut files: Vec<(&'static str, String)> = vec![(ROOT, format!("include:\n{list}"))];
        for i in 0..=MAX_INCLUDES {
            let name: &'static str = Box::leak(format!("x{i}.yml").into_boxed_str());
            files.push((name, "j:\n  script: [x]\n".to_owned()));
        }
        let found = pipeline(&Files(files), &Vec::new);
        assert_eq!(found.files.len(), MAX_INCLUDES + 1);
        assert_eq!(found.problems.len(), 1);
        assert_eq!(found.problems[0].file, ROOT);
        assert!(found.problems[0].message.contains("more than 150 includes"));
    }

    #[test]
    fn wildcards_include_every_file_they_match() {
        let files = tree(&[
            (
                ROOT,
                "include:\n  - local: 'ci/*.yml'\n  - local: /deep/**.yml\n",
            ),
            ("ci/a.yml", "include: ci/nested/b.yml\n"),
            ("ci/nested/b.yml", "b:\n  script: [x]\n"),
            ("deep/x/y.yml", "y:\n  script: [x]\n"),
        ]);
        let paths = || {
            ["ci/a.yml", "ci/nested/b.yml", "deep/x/y.yml", "other.yml"]
                .map(String::from)
                .to_vec()
        };
        let found = pipeline(&files, &paths);
        assert_eq!(
            found.files,
            [ROOT, "ci/a.yml", "ci/nested/b.yml", "deep/x/y.yml"]
        );
        assert!(wildcard_matches("configs/**/*.yml", "configs/a/b.yml"));
        assert!(!wildcard_matches("configs/**/*.yml", "configs/b.yml"));
        assert!(!wildcard_matches("configs/*.yml", "configs/a/b.yml"));
        assert!(wildcard_matches("configs/**.yml", "configs/a/b.yml"));
    }

    #[test]
    fn includes_of_this_project_at_its_own_commit_are_followed() {
        let files = tree(&[
            (
                ROOT,
                "include:\n  - project: $CI_PROJECT_PATH\n    file: /ci/a.yml\n  - project: ${CI_PROJECT_PATH}\n    ref: $CI_COMMIT_SHA\n    file: [ci/b.yml]\n  - project: $CI_PROJECT_PATH\n    ref: v1.0.0\n    file: /ci/other.yml\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/lint@$CI_COMMIT_REF_NAME\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/build@$CI_COMMIT_SHA\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/old@1.0.0\n  - project: $CI_PROJECT_PATH-templates\n    file: /ci/c.yml\n",
            ),
            ("ci/a.yml", "a:\n  script: [x]\n"),
            ("ci/b.yml", "b:\n  script: [x]\n"),
            ("ci/c.yml", "c:\n  script: [x]\n"),
            ("ci/other.yml", "o:\n  script: [x]\n"),
            ("templates/lint.yml", "l:\n  script: [x]\n"),
            ("templates/build/template.yml", "b:\n  script: [x]\n"),
            ("templates/old.yml", "o:\n  script: [x]\n"),
        ]);
        let found = pipeline(&files, &Vec::new);
        assert_eq!(
            found.files,
            [
                ROOT,
                "ci/a.yml",
                "ci/b.yml",
                "templates/lint.yml",
                "templates/build/template.yml"
            ]
        );
        assert!(found.problems.is_empty(), "{:?}", found.problems);
    }

    #[test]
    fn no_root_is_no_pipeline() {
        let found = pipeline(&tree(&[("ci/a.yml", "include: b.yml\n")]), &Vec::new);
        assert_eq!(found, Pipeline::default());
    }
}
