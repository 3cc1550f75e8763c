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
//! order, and never read the rest: the GitHub runner loads `action.yml`,
//! and `action.yaml` only when there is none (`ActionManager`); Pulumi YAML
//! runs `Main.yaml`, else `Main.json`, else the program written in
//! `Pulumi.yaml` itself (pulumi-yaml's main-file order). [`shadowed_by`]
//! names the files whose presence hides a file (its program, for
//! `Pulumi.yaml`, whose `plugins` and `packages` still count), and
//! [`shadows`] the files a file hides, which a change to it re-judges: an
//! `action.yml` added beside `action.yaml` is that action's manifest
//! replaced, and its steps are compared with the ones it hides.

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

/// Files of which a tool loads only one per directory: the first of its
/// group that is there, in this order, leaving the others out.
///
/// - Compose (compose-go `DefaultFileNames`, `DefaultOverrideFileNames`):
///   `compose.yaml`, `compose.yml`, `docker-compose.yml`,
///   `docker-compose.yaml`, and of the override files likewise
///   `compose.override.yml`, `compose.override.yaml`,
///   `docker-compose.override.yml`, `docker-compose.override.yaml`
///   ("Found multiple config files ... Using compose.yaml").
/// - npm: `npm-shrinkwrap.json` takes precedence over `package-lock.json`,
///   which is then ignored.
pub const PRECEDENCE: &[&[&str]] = &[
    &[
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
    ],
    &[
        "compose.override.yml",
        "compose.override.yaml",
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
    ],
    &["npm-shrinkwrap.json", "package-lock.json"],
];

/// The other paths of the precedence group `path` belongs to (see
/// [`PRECEDENCE`]), in its order, `path` itself included; `None` for a file
/// of no such group.
pub fn precedence_group(path: &str) -> Option<Vec<String>> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, path),
    };
    let group = PRECEDENCE.iter().find(|g| g.contains(&name))?;
    Some(
        group
            .iter()
            .map(|n| match dir {
                Some(dir) => format!("{dir}/{n}"),
                None => (*n).to_owned(),
            })
            .collect(),
    )
}

/// Of a precedence group's files, given whether each is there (in the
/// group's order), the index of the one the tool loads: the first there.
pub fn loaded(present: &[bool]) -> Option<usize> {
    present.iter().position(|&p| p)
}

/// Beside each other: the names of a directory that hide a file of the
/// name, and the names it hides.
fn precedence(name: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match name {
        "action.yml" => (&[], &["action.yaml"]),
        "action.yaml" => (&["action.yml"], &[]),
        "Main.yaml" => (&[], &["Main.json", "Pulumi.yaml", "Pulumi.yml"]),
        "Main.json" => (&["Main.yaml"], &["Pulumi.yaml", "Pulumi.yml"]),
        "Pulumi.yaml" | "Pulumi.yml" => (&["Main.yaml", "Main.json"], &[]),
        _ => (&[], &[]),
    }
}

fn beside(path: &str, names: &[&str]) -> Vec<String> {
    let dir = path.rsplit_once('/').map(|(dir, _)| dir);
    names
        .iter()
        .map(|name| match dir {
            Some(dir) => format!("{dir}/{name}"),
            None => (*name).to_owned(),
        })
        .collect()
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The paths beside `path` any of which, when present, makes the
/// consumer load them instead of `path` (see the module documentation).
pub fn shadowed_by(path: &str) -> Vec<String> {
    beside(path, precedence(name_of(path)).0)
}

/// The paths beside `path` that `path`, when present, hides: judged again
/// when a change adds or removes it.
pub fn shadows(path: &str) -> Vec<String> {
    beside(path, precedence(name_of(path)).1)
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
        let g = precedence_group("app/docker-compose.yml").unwrap();
        assert_eq!(g[0], "app/compose.yaml");
        assert_eq!(g.len(), 4);
        assert_eq!(loaded(&[false, false, true, true]), Some(2));
        assert_eq!(loaded(&[false, false]), None);
        let g = precedence_group("package-lock.json").unwrap();
        assert_eq!(g, ["npm-shrinkwrap.json", "package-lock.json"]);
        assert_eq!(precedence_group("compose.prod.yaml"), None);
        assert_eq!(
            precedence_group("compose.override.yaml").unwrap()[0],
            "compose.override.yml"
        );
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
