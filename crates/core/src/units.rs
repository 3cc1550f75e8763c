//! The unit a consumer loads, beyond the one file a change touches.
//!
//! OpenTofu and Terraform load a module directory differently: OpenTofu
//! reads `.tofu` and `.tofu.json` files too, and leaves out `x.tf` when
//! `x.tofu` sits next to it (and `x.tf.json` when `x.tofu.json` does);
//! Terraform reads no `.tofu` file at all. A change that adds or removes a
//! `.tofu` file therefore changes what OpenTofu loads from its `.tf`
//! sibling, which the change itself does not touch: [`tofu_view`] gives
//! that sibling as OpenTofu sees it on each side, to be judged with the
//! change, so that `main.tofu` redeclaring `main.tf`'s module at another
//! version is a `version-change`, not a new dependency.

//!
//! Other consumers pick one file of a few names in a directory, in a fixed
//! order, and never read the rest ([`PRECEDENCE`], one table for all of
//! them): Compose loads `compose.yaml` before `docker-compose.yml`, npm
//! `npm-shrinkwrap.json` before `package-lock.json`, the GitHub runner
//! `action.yml` before `action.yaml`, Pulumi YAML `Main.yaml` before
//! `Main.json` before the program written in `Pulumi.yaml` itself, and
//! Terragrunt `terragrunt.hcl.json` before `terragrunt.hcl`. [`hidden`]
//! tells whether a file is left out in its tree (extraction then reads
//! nothing of it, or for `Pulumi.yaml` only its `plugins` and `packages`),
//! [`shadowed_by`] names the files whose presence hides a file, and
//! [`shadows`] the files a file hides, which a change to it re-judges;
//! [`precedence_unit`] makes the names of a group one file when pairing
//! what a change removes with what it adds. A `compose.yaml` added beside
//! `docker-compose.yml` is then that project's file replaced, and its
//! services are compared with the ones it hides.

use std::collections::BTreeSet;

use crate::extract::{extract_in, FileKind, Tree, TreeFiles};

/// The file OpenTofu leaves out when `path` is in the same directory:
/// `x.tofu` -> `x.tf`, `x.tofu.json` -> `x.tf.json` (OpenTofu's
/// `filterTfPathsWithTofuAlternatives`: same base name, same syntax).
/// `None` for anything that is not a `.tofu` file OpenTofu reads.
pub fn tofu_shadowed(path: &str) -> Option<String> {
    if !matches!(
        FileKind::classify(path)?,
        FileKind::TerraformHcl | FileKind::TerraformJson
    ) {
        return None;
    }
    if let Some(stem) = path.strip_suffix(".tofu.json") {
        return Some(format!("{stem}.tf.json"));
    }
    path.strip_suffix(".tofu").map(|stem| format!("{stem}.tf"))
}

/// Who loads the files of a [`Precedence`] group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumer {
    /// Docker Compose, the default files (compose-go `DefaultFileNames`).
    Compose,
    /// Docker Compose, the override file merged into the default one
    /// (compose-go `DefaultOverrideFileNames`).
    ComposeOverride,
    /// npm: `npm-shrinkwrap.json` takes precedence over `package-lock.json`,
    /// which is then ignored.
    Npm,
    /// The GitHub Actions runner: `action.yml`, else `action.yaml`
    /// (`ActionManager`).
    Actions,
    /// Pulumi YAML: `Main.yaml`, else `Main.json`, else the program written
    /// in the project file itself (pulumi-yaml's main-file order).
    Pulumi,
    /// Terragrunt: `terragrunt.hcl.json`, else `terragrunt.hcl`, in a unit's
    /// directory and in each parent `find_in_parent_folders()` looks in
    /// (`DefaultTerragruntConfigPaths`, "order matters", read by
    /// `GetDefaultConfigPath`).
    Terragrunt,
}

/// Files of a directory of which the consumer loads one: the names of the
/// first rank that has a file there, in load order. Names of one rank do
/// not hide each other (a Pulumi project is `Pulumi.yaml` or `Pulumi.yml`).
pub struct Precedence {
    pub consumer: Consumer,
    pub ranks: &'static [&'static [&'static str]],
    /// The last rank is a file the others hide only in part: Pulumi YAML's
    /// project file, whose inline program a `Main.*` replaces, while its
    /// `plugins` and `packages` still pin the program's providers; a
    /// `terragrunt.hcl` beside a `terragrunt.hcl.json`, which is no longer
    /// the unit (its `terraform` source is not run there) but which a unit
    /// may still include by its path, merging in its `generate`,
    /// `dependency` and `include` blocks.
    pub last_in_part: bool,
}

/// Every group of files of which a consumer loads only the first there.
pub const PRECEDENCE: &[Precedence] = &[
    Precedence {
        consumer: Consumer::Compose,
        ranks: &[
            &["compose.yaml"],
            &["compose.yml"],
            &["docker-compose.yml"],
            &["docker-compose.yaml"],
        ],
        last_in_part: false,
    },
    Precedence {
        consumer: Consumer::ComposeOverride,
        ranks: &[
            &["compose.override.yml"],
            &["compose.override.yaml"],
            &["docker-compose.override.yml"],
            &["docker-compose.override.yaml"],
        ],
        last_in_part: false,
    },
    Precedence {
        consumer: Consumer::Npm,
        ranks: &[&["npm-shrinkwrap.json"], &["package-lock.json"]],
        last_in_part: false,
    },
    Precedence {
        consumer: Consumer::Actions,
        ranks: &[&["action.yml"], &["action.yaml"]],
        last_in_part: false,
    },
    Precedence {
        consumer: Consumer::Pulumi,
        ranks: &[
            &["Main.yaml"],
            &["Main.json"],
            &["Pulumi.yaml", "Pulumi.yml"],
        ],
        last_in_part: true,
    },
    Precedence {
        consumer: Consumer::Terragrunt,
        ranks: &[&["terragrunt.hcl.json"], &["terragrunt.hcl"]],
        last_in_part: true,
    },
];

impl Precedence {
    /// Every name of the group, in load order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.ranks.iter().flat_map(|rank| rank.iter().copied())
    }
}

/// The group a file's name is of, and its rank there.
fn place(path: &str) -> Option<(usize, &'static Precedence, usize)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    PRECEDENCE.iter().enumerate().find_map(|(g, group)| {
        let rank = group.ranks.iter().position(|rank| rank.contains(&name))?;
        Some((g, group, rank))
    })
}

/// The paths of `names` in the directory of `path`.
fn beside<'n>(path: &str, names: impl IntoIterator<Item = &'n str>) -> Vec<String> {
    let dir = path.rsplit_once('/').map(|(dir, _)| dir);
    names
        .into_iter()
        .map(|name| match dir {
            Some(dir) => format!("{dir}/{name}"),
            None => name.to_owned(),
        })
        .collect()
}

/// The consumer of `path`, when it loads one file of a group.
pub fn consumer(path: &str) -> Option<Consumer> {
    place(path).map(|(_, group, _)| group.consumer)
}

/// The one file `path` is a name of, for its consumer: its directory and
/// group, the same for every name of the group in that directory (see
/// [`PRECEDENCE`]). Dependencies that move between them move within one
/// file, for the consumer.
pub fn precedence_unit(path: &str) -> Option<String> {
    let (g, _, _) = place(path)?;
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    Some(format!("{dir}\0{g}"))
}

/// The paths beside `path` any of which, when present, makes the
/// consumer load them instead of `path` (see the module documentation).
pub fn shadowed_by(path: &str) -> Vec<String> {
    match place(path) {
        Some((_, group, rank)) => beside(
            path,
            group.ranks[..rank].iter().flat_map(|r| r.iter().copied()),
        ),
        None => Vec::new(),
    }
}

/// The paths beside `path` that `path`, when present, hides: judged again
/// when a change adds or removes it.
pub fn shadows(path: &str) -> Vec<String> {
    match place(path) {
        Some((_, group, rank)) => beside(
            path,
            group.ranks[rank + 1..]
                .iter()
                .flat_map(|r| r.iter().copied()),
        ),
        None => Vec::new(),
    }
}

/// How much of a file its consumer leaves out for another beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// None of it is loaded.
    Whole,
    /// Its program is replaced; what else it holds still counts (a Pulumi
    /// project's `plugins` and `packages`, a `terragrunt.hcl`'s blocks but
    /// its `terraform` source, see [`Precedence::last_in_part`]).
    Program,
}

/// Whether the consumer of the file at `path` leaves it out, given which
/// paths of its tree hold a file.
pub fn hidden(path: &str, present: impl Fn(&str) -> bool) -> Option<Hidden> {
    let (_, group, rank) = place(path)?;
    if !shadowed_by(path).iter().any(|other| present(other)) {
        return None;
    }
    match group.last_in_part && rank + 1 == group.ranks.len() {
        true => Some(Hidden::Program),
        false => Some(Hidden::Whole),
    }
}

/// A file's two sides, `(old, new)`.
pub type Sides<'b> = (Option<&'b [u8]>, Option<&'b [u8]>);

/// The `.tf` sibling of a `.tofu` file whose presence a change alters, as
/// OpenTofu loads it on each side: `(old, new)`, each `Some` only where the
/// sibling exists and the `.tofu` file does not. `None` when OpenTofu's view
/// of the sibling is the plain one (the `.tofu` file is on both sides or on
/// neither) or the sibling is on no side: nothing to add.
pub fn tofu_view<'b>(
    tofu_old: bool,
    tofu_new: bool,
    sibling_old: Option<&'b [u8]>,
    sibling_new: Option<&'b [u8]>,
) -> Option<Sides<'b>> {
    if tofu_old == tofu_new {
        return None;
    }
    let old = sibling_old.filter(|_| !tofu_old);
    let new = sibling_new.filter(|_| !tofu_new);
    (old.is_some() || new.is_some()).then_some((old, new))
}

/// Every path of `tree` the Terragrunt `units` (`(path, bytes)`) read
/// through `include` and `read_terragrunt_config`, nested reads and
/// lookups of files that are not there included. Terragrunt reads such a
/// file as HCL whatever its name (`common.inc`, `env.vars`), so a change to
/// any of them is a change to the units that read it.
pub fn terragrunt_reads(units: &[(String, Vec<u8>)], tree: &dyn Tree) -> BTreeSet<String> {
    let files = TreeFiles::new(tree);
    for (path, bytes) in units {
        // What does not resolve is judged with the unit; only the paths
        // looked up matter here.
        let kind = match FileKind::classify(path) {
            Some(FileKind::TerragruntJson) => FileKind::TerragruntJson,
            _ => FileKind::Terragrunt,
        };
        let _ = extract_in(kind, bytes, Some((path, &files)));
    }
    files.paths_read().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_groups() {
        // Compose: the first of four names there.
        assert_eq!(
            shadowed_by("app/docker-compose.yml"),
            ["app/compose.yaml", "app/compose.yml"]
        );
        assert_eq!(
            shadows("app/docker-compose.yml"),
            ["app/docker-compose.yaml"]
        );
        assert_eq!(shadows("compose.yaml").len(), 3);
        assert_eq!(
            hidden("app/docker-compose.yml", |p| p == "app/docker-compose.yaml"),
            None
        );
        assert_eq!(
            hidden("app/docker-compose.yaml", |p| p == "app/docker-compose.yml"),
            Some(Hidden::Whole)
        );
        assert_eq!(shadows("package-lock.json"), Vec::<String>::new());
        assert_eq!(shadowed_by("package-lock.json"), ["npm-shrinkwrap.json"]);
        assert_eq!(consumer("compose.prod.yaml"), None);
        assert_eq!(
            shadowed_by("compose.override.yaml"),
            ["compose.override.yml"]
        );
        assert_eq!(
            consumer("compose.override.yaml"),
            Some(Consumer::ComposeOverride)
        );
        // One file for the consumer, per directory and group.
        assert_eq!(
            precedence_unit("a/compose.yaml"),
            precedence_unit("a/docker-compose.yml")
        );
        assert_ne!(
            precedence_unit("a/compose.yaml"),
            precedence_unit("b/compose.yaml")
        );
        assert_ne!(
            precedence_unit("a/compose.yaml"),
            precedence_unit("a/compose.override.yml")
        );
        assert_eq!(precedence_unit("a/main.tf"), None);
        // Terragrunt prefers the JSON form.
        assert_eq!(
            shadowed_by("live/app/terragrunt.hcl"),
            ["live/app/terragrunt.hcl.json"]
        );
        assert_eq!(shadows("terragrunt.hcl.json"), ["terragrunt.hcl"]);
        assert!(shadowed_by("root.hcl").is_empty());
        assert_eq!(
            hidden("a/terragrunt.hcl", |p| p == "a/terragrunt.hcl.json"),
            Some(Hidden::Program)
        );
    }

    #[test]
    fn a_hidden_pulumi_project_keeps_its_pins() {
        let present = |p: &str| p == "p/Main.json";
        assert_eq!(hidden("p/Pulumi.yaml", present), Some(Hidden::Program));
        assert_eq!(hidden("p/Pulumi.yml", present), Some(Hidden::Program));
        assert_eq!(hidden("p/Main.json", present), None);
        assert_eq!(
            hidden("p/Main.json", |p| p == "p/Main.yaml"),
            Some(Hidden::Whole)
        );
        // The two project names do not hide each other.
        assert_eq!(hidden("p/Pulumi.yml", |p| p == "p/Pulumi.yaml"), None);
    }

    struct Files(Vec<(&'static str, &'static str)>);

    impl Tree for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| text.as_bytes().to_vec())
        }
    }

    #[test]
    fn files_of_any_name_a_unit_reads_are_found() {
        let tree = Files(vec![
            (
                "common.inc",
                "locals {\n  env = read_terragrunt_config(\"env.vars\")\n}\n",
            ),
            ("env.vars", "locals {\n  ref = \"main\"\n}\n"),
        ]);
        let unit = "include \"common\" {\n  path = find_in_parent_folders(\"common.inc\")\n}\n\nterraform {\n  source = \"git::https://x.test/m.git?ref=${include.common.locals.env.locals.ref}\"\n}\n";
        let reads = terragrunt_reads(
            &[(
                "live/prod/terragrunt.hcl".to_owned(),
                unit.as_bytes().to_vec(),
            )],
            &tree,
        );
        assert!(reads.contains("common.inc"), "{reads:?}");
        // Where `find_in_parent_folders` looked and found nothing.
        assert!(reads.contains("live/common.inc"), "{reads:?}");
    }

    #[test]
    fn find_in_parent_folders_looks_for_the_json_form_first() {
        let tree = Files(vec![("live/terragrunt.hcl", "locals {}\n")]);
        let unit = "include {\n  path = find_in_parent_folders()\n}\n";
        let reads = terragrunt_reads(
            &[(
                "live/prod/app/terragrunt.hcl".to_owned(),
                unit.as_bytes().to_vec(),
            )],
            &tree,
        );
        // Where a terragrunt.hcl.json would be found first.
        for looked in [
            "live/prod/terragrunt.hcl.json",
            "live/prod/terragrunt.hcl",
            "live/terragrunt.hcl.json",
            "live/terragrunt.hcl",
        ] {
            assert!(reads.contains(looked), "{looked}: {reads:?}");
        }
    }

    #[test]
    fn the_file_a_consumer_loads_hides_the_others() {
        assert_eq!(shadowed_by("a/action.yaml"), ["a/action.yml"]);
        assert_eq!(shadows("a/action.yml"), ["a/action.yaml"]);
        assert!(shadowed_by("a/action.yml").is_empty());
        assert_eq!(shadowed_by("Pulumi.yaml"), ["Main.yaml", "Main.json"]);
        assert_eq!(shadowed_by("p/Main.json"), ["p/Main.yaml"]);
        assert_eq!(
            shadows("p/Main.yaml"),
            ["p/Main.json", "p/Pulumi.yaml", "p/Pulumi.yml"]
        );
        // Pulumi YAML does not read `Main.yml`.
        assert!(shadows("p/Main.yml").is_empty());
        assert!(shadowed_by("main.tf").is_empty());
    }

    #[test]
    fn a_tofu_file_shadows_the_tf_file_of_the_same_name_and_syntax() {
        assert_eq!(
            tofu_shadowed("net/main.tofu").as_deref(),
            Some("net/main.tf")
        );
        assert_eq!(tofu_shadowed("main.tofu").as_deref(), Some("main.tf"));
        assert_eq!(
            tofu_shadowed("a/b.tofu.json").as_deref(),
            Some("a/b.tf.json")
        );
        assert_eq!(
            tofu_shadowed("a/x_override.tofu").as_deref(),
            Some("a/x_override.tf")
        );
        for not in [
            "main.tf",
            "a/main.tf.json",
            "a/.hidden.tofu",
            ".terraform/m/x.tofu",
        ] {
            assert_eq!(tofu_shadowed(not), None, "{not}");
        }
    }

    #[test]
    fn the_sibling_is_seen_only_where_the_tofu_file_is_not() {
        let tf: &[u8] = b"module";
        // `main.tofu` added: OpenTofu stops reading `main.tf`.
        assert_eq!(
            tofu_view(false, true, Some(tf), Some(tf)),
            Some((Some(tf), None))
        );
        // Removed: it reads `main.tf` again.
        assert_eq!(
            tofu_view(true, false, Some(tf), Some(tf)),
            Some((None, Some(tf)))
        );
        // Both sides alike, or no sibling: nothing to add.
        assert_eq!(tofu_view(true, true, Some(tf), Some(tf)), None);
        assert_eq!(tofu_view(false, false, Some(tf), Some(tf)), None);
        assert_eq!(tofu_view(false, true, None, None), None);
        assert_eq!(tofu_view(false, true, None, Some(tf)), None);
    }
}
