//! Local paths that leave the repository.
//!
//! A local path (`./modules/vpc`, `../base`, `file://../charts/x`) is part
//! of the tree and no dependency, as long as it stays in the tree: every
//! commit and review sees what it loads. One that is absolute (`/tmp/x`,
//! `file::/srv/x`, `C:\x`, `~/x`) or climbs with `..` above the
//! repository's top loads code from the machine that runs the tool, which
//! no commit holds and no review sees. Such a path is `unpinned` (nothing
//! in the repository pins what is there), named in the message.
//!
//! Extractors that drop local paths report those that may leave (absolute,
//! or with a `..` segment) as dependencies with
//! [`Dependency::local_path`] set and [`PinState::Derived`]; [`place`],
//! which knows the file's path, keeps those that do leave (unpinned) and
//! drops the rest. Terraform and Terragrunt module sources that are local
//! paths are placed the same way.

use crate::analysis::dir_of;
use crate::model::{Dependency, Kind, PinState};

/// Whether a local path may leave the repository, wherever the file that
/// names it is: absolute, or with a `..` segment.
pub fn may_leave(path: &str) -> bool {
    let path = without_file_scheme(path);
    is_absolute(path) || path.split(['/', '\\']).any(|part| part == "..")
}

/// Why a local path, named by a file in directory `dir` (repository
/// relative, `""` at the top), leaves the repository; `None` when it stays
/// inside, or when it is relative and `dir` is unknown.
pub fn outside(dir: Option<&str>, path: &str) -> Option<String> {
    let bare = without_file_scheme(path.trim());
    if is_absolute(bare) {
        return Some(format!(
            "{path:?} is an absolute path, outside the repository: what it loads is in no \
             commit here and no review sees it (vendor it into the repository, or use a \
             pinned remote source)"
        ));
    }
    let dir = dir?;
    let mut level = dir.split('/').filter(|p| !p.is_empty()).count();
    for part in bare.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if level == 0 => {
                let from = if dir.is_empty() { "the top" } else { dir };
                return Some(format!(
                    "{path:?} climbs out of the repository (from {from}): what it loads is in \
                     no commit here and no review sees it (vendor it into the repository, or \
                     use a pinned remote source)"
                ));
            }
            ".." => level -= 1,
            _ => level += 1,
        }
    }
    None
}

/// The repository directory a relative local path named from `dir`
/// reaches (`../examples/complete` from `prod` is `examples/complete`);
/// `None` for an absolute path, a remote address, or one that climbs out.
pub fn resolve(dir: &str, path: &str) -> Option<String> {
    let bare = without_file_scheme(path.trim());
    if is_absolute(bare)
        || !(bare.starts_with("./") || bare.starts_with("../") || bare == "." || bare == "..")
    {
        return None;
    }
    normal_path(&format!("{dir}/{bare}"))
}

/// `./a/../b/` -> `b` (`/`- or `\`-separated), from the top of the
/// repository or workspace; `None` when it climbs out.
pub fn normal_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The dependencies of the file at `file` (`None`: its place is unknown)
/// with local paths placed: a candidate an extractor reported is kept,
/// unpinned, where it leaves the repository and dropped where it does not;
/// a local module source that leaves is unpinned.
pub fn place(file: Option<&str>, deps: Vec<Dependency>) -> Vec<Dependency> {
    let dir = file.map(dir_of);
    deps.into_iter()
        .filter_map(|mut dep| {
            if dep.pin != PinState::Derived {
                return Some(dep);
            }
            if dep.local_path {
                let why = dep.source_str().and_then(|s| outside(dir, s))?;
                dep.pin = PinState::Unpinned(why);
                return Some(dep);
            }
            if dep.kind == Kind::Module {
                if let Some(why) = local_module_path(&dep).and_then(|p| outside(dir, p)) {
                    dep.pin = PinState::Unpinned(why);
                    dep.local_path = true;
                }
            }
            Some(dep)
        })
        .collect()
}

/// A module source that is a local path, as [`crate::source::ModuleSource::parse`] tells
/// one (`./x`, `../x`, `/x`, and go-getter's `file::PATH`), without parsing
/// every remote source again.
fn local_module_path(dep: &Dependency) -> Option<&str> {
    let source = dep.source_str()?.trim();
    if ["./", "../", "/"].iter().any(|p| source.starts_with(p)) {
        return Some(source);
    }
    source
        .strip_prefix("file::")
        .filter(|rest| !rest.is_empty())
}

fn without_file_scheme(path: &str) -> &str {
    match path.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file://") => &path[7..],
        _ => path,
    }
}

/// `/x`, `\x`, `~/x`, `C:\x`, `C:/x`.
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with(['/', '\\', '~'])
        || (bytes.len() >= 2
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes.get(2).is_none_or(|c| matches!(c, b'/' | b'\\')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave() {
        let leaves = |dir: &str, path: &str| outside(Some(dir), path).is_some();
        for (dir, path) in [
            ("stacks/net", "../../../tmp/x"),
            ("", "../x"),
            ("a", "../../x"),
            ("a/b", "./../../../x"),
            ("a/b", "../c/../../../x"),
            ("a/b", "..\\..\\..\\x"),
            ("a", "/abs/x"),
            ("a", "file:///abs/x"),
            ("a", "file://../../x"),
            ("a", "~/x"),
            ("a", "C:\\x"),
        ] {
            assert!(leaves(dir, path), "{dir} {path}");
        }
        for (dir, path) in [
            ("stacks/net", "../../modules/x"),
            ("stacks/net", "../modules/x"),
            ("a", "./x"),
            ("a/b", "../c/../../x"),
            ("", "modules/x"),
            ("a", "file://../x"),
        ] {
            assert!(!leaves(dir, path), "{dir} {path}");
        }
        assert!(outside(None, "../../../x").is_none());
        assert!(outside(None, "/x").is_some());
        assert!(may_leave("../x") && may_leave("/x") && may_leave("file:///x"));
        assert!(!may_leave("x/y") && !may_leave("./x") && !may_leave("x..y"));
    }

    #[test]
    fn module_sources_are_placed() {
        use crate::model::{Ecosystem, Span, Spanned};
        let module = |source: &str| {
            let mut dep = Dependency::new(
                Ecosystem::Terraform,
                Kind::Module,
                "module.x".into(),
                "x".into(),
                Span::default(),
            );
            dep.source = Some(Spanned::new(source.to_owned(), Span::default()));
            dep
        };
        let file = Some("stacks/net/main.tf");
        for source in ["../../../x", " /abs/x", "file::/abs/x", "file::../../../x"] {
            let placed = place(file, vec![module(source)]);
            assert!(placed[0].local_path, "{source}");
            assert!(matches!(placed[0].pin, PinState::Unpinned(_)), "{source}");
        }
        for source in [
            "../../x",
            "./x",
            "git::https://e.com/x.git?ref=v1",
            "file::",
            "a/b/c",
        ] {
            let placed = place(file, vec![module(source)]);
            assert_eq!(placed, vec![module(source)], "{source}");
        }
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::resolve;

    #[test]
    fn local_paths_resolve_from_their_directory() {
        assert_eq!(
            resolve("prod", "../examples/complete").as_deref(),
            Some("examples/complete")
        );
        assert_eq!(resolve("", "./modules/net").as_deref(), Some("modules/net"));
        assert_eq!(resolve("a/b", "../../c/./d/").as_deref(), Some("c/d"));
        assert_eq!(resolve("", "../x"), None);
        assert_eq!(resolve("a", "/abs"), None);
        assert_eq!(resolve("a", "github.com/acme/x"), None);
    }
}
