//! Pulumi: the project file, Pulumi YAML programs, and the provider packages
//! pinned by a project's language manifests.
//!
//! Every dependency is [`Ecosystem::Pulumi`] and its pin is judged here
//! ([`PinState::Pinned`] or [`PinState::Unpinned`] with the reason). Spans
//! are the bytes of the value as written (JSON and TOML strings with their
//! quotes; a part of a YAML string, such as the version after `@`, exactly
//! when the string is written without escapes, else the whole string). The
//! declaration span is the name the dependency is declared under.
//!
//! | Where | Kind | Key | Name | Source | Version |
//! |---|---|---|---|---|---|
//! | `plugins.<section>[]` (`providers`, `languages`, `analyzers`) | plugin | `plugins.<section>.<name>` | `<name>` | `<section>/<name>` | `version` |
//! | `packages.<name>: source@version` or `{source, version}` | plugin | `packages.<name>` | `<name>` | the source | after the last `@`, or `version` |
//! | resource `options.version` | provider | `resources.<res>.version` | package of `type` | the package | `options.version` |
//! | resource `options.pluginDownloadURL` | plugin | `resources.<res>.pluginDownloadURL` | package of `type` | the URL | — |
//! | `fn::invoke` `options.version` / `pluginDownloadURL` | provider / plugin | `<path to the invoke>.version` / `.pluginDownloadURL` | package of `function` | as above | as above |
//! | `package.json` `dependencies` (also `devDependencies`, `optionalDependencies`) `@pulumi/*`, `@pulumiverse/*` | provider | `<section>.<package>` | the package | the package (or the alias target, git or tarball URL) | the spec |
//! | `package.json` `overrides`, `resolutions`, `pnpm.overrides` of such a package | provider | the direct dependency's (its spec replaced) when unconditional, else `<section>.<selector>` | the package | as a dependency spec | as a dependency spec |
//! | `package-lock.json` `packages` / v1 `dependencies` entry of such a package | provider | `packages.<path>` / `dependencies.<package>` | the package | `resolved` without the tarball file | `version` (hashes: `integrity`) |
//! | `requirements.txt` `pulumi-*`, `pulumiverse-*` | provider | `requirements.<package>` (`;<markers>` appended when present) | the normalised (PEP 503) package | the package (or the URL) | the specifiers |
//! | `pyproject.toml` `[project] dependencies`, `optional-dependencies.<extra>`, `[dependency-groups]` | provider | `project.dependencies.<package>`, `project.optional-dependencies.<extra>.<package>`, `dependency-groups.<group>.<package>` | as above | as above | as above |
//! | `pyproject.toml` `[tool.poetry.dependencies]`, `dev-dependencies`, `group.<g>.dependencies` | provider | `tool.poetry.dependencies.<package>` (and so on) | as above | the package (or `git`/`url`) | the constraint (or `rev`/`tag`/`branch`) |
//! | `go.mod` `require github.com/pulumi/pulumi-*` (and `pulumiverse`) | provider | `require.<module>` | the module | the module | the version |
//! | `go.mod` `replace` of a required such module | provider | the require's | the module | the replacement (module or directory) | its version (a directory: the required one) |
//! | `go.work` `replace` of such a module | provider | `go.work.replace.<module>` (`@<version>` likewise) | the module | the replacement | its version |
//! | `go.mod` `replace` of such a module no require uses | provider | `replace.<module>` (`@<version>` when the old side has one) | the module | the replacement module | its version |
//!
//! The package of a type token is what Pulumi YAML loads: the first segment
//! (`aws:s3:Bucket` -> `aws`), or the third of `pulumi:providers:<pkg>`.
//! Pulumi YAML matches its own keys case-insensitively (`Resources`,
//! `Options`, `Version`), and so do we; two spellings of one key are an error.
//! The project file's `plugins` and `packages` are matched exactly, as
//! Pulumi's project schema does. YAML merge keys (`<<: *base`) are resolved.
//!
//! Pins:
//! - plugins, packages and resource or invoke versions: one exact version
//!   ([`Constraints::exact`]: `6.54.2`, `v6.54.2`); a 40-hex commit also pins
//!   a package. A package fetched with git (a URL, `git@`, or a path starting
//!   with a host name) is unpinned by a tag or branch, which can be moved.
//!   An interpolated value (`${config.version}`) is unpinned, not resolved.
//! - `pluginDownloadURL` names a server that serves every release of the
//!   plugin by name, so it is unpinned unless one of its path or query
//!   segments is a 40-hex commit or an exact `x.y.z` version (then it names
//!   one release; what the server returns for it is not verified by iacgate).
//! - npm: one exact `x.y.z` (`=`/`v` prefixes allowed) is pinned; ranges
//!   (`^`, `~`, `>=`, `*`, `1.2`, `1.x`) and dist-tags (`latest`) are not; a
//!   git dependency is pinned only by a `#<40-hex>` commit; a tarball URL is
//!   unpinned.
//! - Python: `==x` (without `*`) or `===x` as the only specifier is pinned;
//!   `>=`, `~=`, several specifiers or none are not; a direct URL is pinned by
//!   a 40-hex VCS ref or a `--hash` option. Poetry's bare `x.y.z` and `==x.y.z`
//!   are exact; `^`, `~`, `*`, ranges are not; `git` is pinned by a 40-hex `rev`.
//! - go.mod versions are always exact (pseudo-versions too) and go.sum checks
//!   them: pinned. A directory a `replace` names is part of the tree. A
//!   `go.work` replace of a provider module is unpinned: it overrides every
//!   go.mod of the workspace, and iacgate does not join the files.
//!
//! Sources are where the tool fetches from: a `requirements.txt`
//! requirement by name takes the file's source options (`--index-url`,
//! `--extra-index-url`, `--find-links`, `--no-index`, `--trusted-host`,
//! `-r`, `-c`) and unnamed direct references (`-e .`) as
//! `<name> from <options>`; a URL or path requirement that names a
//! provider (`#egg=`, an archive file name) is that provider.
//!
//! Skipped, as not third-party: plugins with a `path`, packages whose source
//! is a local path (`./x`, `../x`, `/x`), `file:`/`link:`/`workspace:` npm
//! specs, Poetry `path` dependencies, local `replace` targets of modules no
//! require uses, and local requirement paths that name no provider.
//!
//! Deliberately not resolved: interpolations (`${...}`) and expressions;
//! package `parameters` (the Terraform provider behind `terraform-provider`
//! is not read); lock files other than `package-lock.json`, `uv.lock`, `Pipfile.lock` and `go.sum`
//! (`poetry.lock`); the contents of files pulled in with `-r`/`-c`;
//! `vendor/` (changed vendored code is in the reviewer's diff). `go.sum`
//! lines are lock entries (kind lock) of every module, keyed by module and
//! version: other hashes at the same key are `lock-tamper`;
//! Pulumi YAML templates referenced by `main:` are extracted as their own files.
//!
//! Anything unparseable in `Pulumi.yaml` or `Main.*` (and a malformed
//! `package.json`, `pyproject.toml`, or `go.mod` block, or a Pulumi
//! requirement that cannot be read) is an error at the offending byte.

mod gomod;
mod npm;
mod program;
mod pylock;
mod python;

use super::{is_commit, Deps, Manifest};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span};
use crate::version::Constraints;

/// `Pulumi.yaml`, `Main.yaml`, `Main.json` (`main`: a `Main.*` file, with
/// the project file beside it, when known).
pub(super) fn extract_program(
    text: &str,
    main: Option<Option<&str>>,
) -> Result<Vec<Dependency>, ExtractError> {
    match main {
        None => program::extract_with(text, program::Program::Project, &[]),
        Some(project) => {
            let pins = project.map(program::project_pins).unwrap_or_default();
            program::extract_with(text, program::Program::Main, &pins)
        }
    }
}

/// `Pulumi.yaml` when a `Main.*` beside it is the program: its `plugins`
/// and `packages` alone.
pub(super) fn extract_project_only(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    program::extract_with(text, program::Program::ProjectOnly, &[])
}

/// The Pulumi provider packages of a language manifest.
pub(super) fn extract_packages(
    manifest: Manifest,
    text: &str,
) -> Result<Vec<Dependency>, ExtractError> {
    match manifest {
        Manifest::PackageJson => npm::extract(text),
        Manifest::Requirements => python::requirements(text),
        Manifest::PyProject => python::pyproject(text),
        Manifest::GoMod => gomod::extract(text),
        Manifest::GoWork => gomod::extract_work(text),
        Manifest::PackageLock => npm::lock(text),
        Manifest::GoSum => gomod::extract_sum(text),
        Manifest::PnpmWorkspace => npm::workspace(text),
        Manifest::UvLock => pylock::uv_lock(text),
        Manifest::PipfileLock => pylock::pipfile_lock(text),
    }
}

fn dependency(kind: Kind, key: String, name: String, span: Span) -> Dependency {
    Dependency::new(Ecosystem::Pulumi, kind, key, name, span)
}

fn no_version() -> PinState {
    PinState::Unpinned("no version: takes the newest release".to_owned())
}

/// Pinned iff `version` is one exact version (`5.4.0`, `v5.4.0`).
fn version_pin(version: &str) -> PinState {
    if version.trim().is_empty() {
        return no_version();
    }
    match Constraints::parse(version.trim()) {
        Ok(constraints) if constraints.exact().is_some() => PinState::Pinned,
        _ => PinState::Unpinned(format!("version {version} is not one exact version")),
    }
}

/// The dependencies in the order they are declared.
fn in_file_order(deps: Deps) -> Vec<Dependency> {
    let mut list = deps.finish();
    list.sort_by_key(|d| d.span.start);
    list
}

#[cfg(test)]
mod tests {
    use super::super::{extract, FileKind};
    use super::*;

    #[test]
    fn dispatch_by_file_kind() {
        let project = b"name: x\nruntime: yaml\nplugins:\n  providers:\n    - name: aws\n      version: 6.54.2\n";
        for kind in [FileKind::PulumiProject, FileKind::PulumiProgram] {
            let deps = extract(kind, project).unwrap();
            assert_eq!(deps[0].key, "plugins.providers.aws");
        }
        let cases: &[(Manifest, &[u8], &str)] = &[
            (
                Manifest::PackageJson,
                br#"{"dependencies": {"@pulumi/aws": "6.54.2"}}"#,
                "dependencies.@pulumi/aws",
            ),
            (
                Manifest::Requirements,
                b"pulumi-aws==6.54.2\n",
                "requirements.pulumi-aws",
            ),
            (
                Manifest::PyProject,
                b"[project]\ndependencies = [\"pulumi-aws==6.54.2\"]\n",
                "project.dependencies.pulumi-aws",
            ),
            (
                Manifest::GoMod,
                b"module x\n\nrequire github.com/pulumi/pulumi-aws/sdk/v6 v6.54.2\n",
                "require.github.com/pulumi/pulumi-aws/sdk/v6",
            ),
        ];
        for (manifest, bytes, key) in cases {
            let deps = extract(FileKind::PulumiPackages(*manifest), bytes).unwrap();
            assert_eq!(deps.len(), 1, "{manifest:?}");
            assert_eq!(deps[0].key, *key);
            assert_eq!(deps[0].pin, PinState::Pinned);
        }
    }

    #[test]
    fn bom_keeps_spans_in_the_original_bytes() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(
            "# é\r\nresources:\r\n  b:\r\n    type: aws:s3:Bucket\r\n    options:\r\n      version: 6.54.2\r\n"
                .as_bytes(),
        );
        let deps = extract(FileKind::PulumiProgram, &bytes).unwrap();
        let v = deps[0].version.as_ref().unwrap();
        assert_eq!(&bytes[v.span.start..v.span.end], b"6.54.2");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(b"resources:\n  b: [\n");
        let err = extract(FileKind::PulumiProgram, &bytes).unwrap_err();
        assert!(err.offset <= bytes.len());
    }

    #[test]
    fn version_pins() {
        assert_eq!(version_pin("5.4.0"), PinState::Pinned);
        assert_eq!(version_pin("v5.4.0"), PinState::Pinned);
        assert_eq!(version_pin("5.4.0-beta.1"), PinState::Pinned);
        assert_eq!(version_pin(""), no_version());
        for range in [">=5.4.0", "~> 5.4", "latest", "5.x", ">= 1, < 2"] {
            assert_eq!(
                version_pin(range),
                PinState::Unpinned(format!("version {range} is not one exact version"))
            );
        }
    }

    /// Deeply nested input must come back as a value, never a stack overflow.
    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 10_000;
        let inputs: Vec<(FileKind, String)> = vec![
            (FileKind::PulumiProject, "- ".repeat(depth)),
            (FileKind::PulumiProject, "[".repeat(depth)),
            (FileKind::PulumiProject, "{a: ".repeat(depth)),
            (FileKind::PulumiProgram, "{\"a\": ".repeat(depth)),
            (
                FileKind::PulumiProgram,
                (0..2000)
                    .map(|i| format!("{}a:\n", " ".repeat(i)))
                    .collect(),
            ),
            (
                FileKind::PulumiProgram,
                format!("resources:\n  r:\n{}", "    - ".repeat(depth)),
            ),
            (
                FileKind::PulumiPackages(Manifest::PackageJson),
                format!("{{\"dependencies\": {}", "[".repeat(depth)),
            ),
            (
                FileKind::PulumiPackages(Manifest::PyProject),
                format!("a = {}", "[".repeat(depth)),
            ),
            (
                FileKind::PulumiPackages(Manifest::PyProject),
                format!("a = {}", "{b = ".repeat(depth)),
            ),
        ];
        for (kind, input) in inputs {
            let _ = extract(kind, input.as_bytes());
        }
    }

    mod props {
        use super::super::super::{extract, FileKind, Manifest};
        use proptest::prelude::*;

        const KINDS: [FileKind; 10] = [
            FileKind::PulumiPackages(Manifest::PnpmWorkspace),
            FileKind::PulumiPackages(Manifest::UvLock),
            FileKind::PulumiPackages(Manifest::PipfileLock),
            FileKind::PulumiProject,
            FileKind::PulumiProgram,
            FileKind::PulumiPackages(Manifest::PackageJson),
            FileKind::PulumiPackages(Manifest::Requirements),
            FileKind::PulumiPackages(Manifest::PyProject),
            FileKind::PulumiPackages(Manifest::GoMod),
            FileKind::PulumiPackages(Manifest::GoWork),
        ];

        fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
            for kind in KINDS {
                match extract(kind, bytes) {
                    Ok(deps) => {
                        for d in deps {
                            prop_assert!(d.span.start <= d.span.end && d.span.end <= bytes.len());
                            for s in [&d.source, &d.version].into_iter().flatten() {
                                prop_assert!(
                                    s.span.start <= s.span.end && s.span.end <= bytes.len()
                                );
                            }
                        }
                    }
                    Err(e) => prop_assert!(e.offset <= bytes.len()),
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            /// No input panics, and every span lies inside the input.
            #[test]
            fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                check(&bytes)?;
            }

            #[test]
            fn never_panics_on_unicode_text(text in "\\PC{0,120}") {
                check(text.as_bytes())?;
                check(format!("require (\n{text}\n)\nresources:\n  {text}: {text}\n").as_bytes())?;
            }

            #[test]
            fn never_panics_on_pulumi_like_text(
                text in "[a-z@:/.\"'{}\\[\\]\\n $&*!<>=~^#,-]{0,200}",
                prefix in prop::sample::select(vec![
                    "resources:\n  r:\n    type: aws:s3:Bucket\n    options:\n      version: ",
                    "packages:\n  p: ",
                    "plugins:\n  providers:\n    - name: aws\n      version: ",
                    "{\"dependencies\": {\"@pulumi/aws\": ",
                    "pulumi-aws",
                    "[project]\ndependencies = [\"pulumi-aws",
                    "[tool.poetry.dependencies]\npulumi-aws = ",
                    "require github.com/pulumi/pulumi-aws/sdk/v6 ",
                    "replace github.com/pulumi/pulumi-aws/sdk/v6 => ",
                ]),
            ) {
                check(format!("{prefix}{text}").as_bytes())?;
            }
        }
    }
}
