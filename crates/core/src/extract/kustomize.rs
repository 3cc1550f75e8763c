//! Kustomize: `kustomization.yaml`, `kustomization.yml`, `Kustomization`
//! (and `kind: Component` files, which have the same fields).
//!
//! | Construct | Kind | Key | Name | Source | Version | Pinned when |
//! |---|---|---|---|---|---|---|
//! | `resources`, `components`, `bases` entry: a git URL | module | `<section>.<address, lowercased>` | the URL without query | `host/org/repo//root` | `?ref=` (else `?version=`) | ref is a 40-hex commit (tagged: a version-like tag) |
//! | the same: an HTTP(S) URL of a `.yaml`/`.yml`/`.json` file | module | `<section>.<URL without query, lowercased>` | the URL without query | the URL without query | the path segment that names a commit or version | a path segment is a 40-hex commit (tagged: a version-like segment) |
//! | `helmCharts[]` `{name, repo, version, releaseName}` | chart | `helmCharts.<releaseName or name>` | `name` | `<repo>/<name>` (as Helm's) | `version` | one exact version (as Helm's) |
//! | `images[]` `{name, newName, newTag, digest}` | image | `images.<name>` | the effective repository | the effective repository | `digest`, else `newTag` | a `sha256:` digest (tagged: a tag) |
//! | inline `patches[].patch`, `patchesJson6902[].patch`, multi-line `patchesStrategicMerge` entries that set an image (see `patches.rs`) | image | `<section>.<target>:<path>` or `<section>.<manifest key>` | as `images` | as `images` | as `images` | as `images` |
//!
//! A key repeated within a file (the same URL twice, two charts with one
//! release name in two namespaces) gets `#2`, `#3` after it, in file order.
//!
//! A git URL is read as kustomize reads remote targets (see `remote.rs`):
//! `https://github.com/org/repo//path?ref=v1`, `github.com/org/repo/path`,
//! `git@github.com:org/repo.git//path`, `ssh://git@host/org/repo.git`,
//! Azure's `.../_git/repo/path`; its source is the repository and the
//! kustomization root inside it, normalised so that all these spellings of
//! one place are equal (`github.com/org/repo//path`). An HTTP(S) URL whose
//! last segment is a `.yaml`, `.yml` or `.json` file, with no `//` and no
//! ref, is one manifest fetched as is (`https://raw.githubusercontent.com/
//! org/repo/<commit>/x.yaml`, a release asset `.../download/v1.2.3/x.yaml`).
//! Its query (which may carry a token) is left out of name, key and source.
//!
//! An image's effective reference is `newName` (else `name`) with `@digest`
//! when a digest is set, else `:newTag`; its span is the `digest`, else the
//! `newTag`, else the `newName` (or `name`) value. An entry that only
//! renames (`name` + `newName`) is unpinned: no tag. An entry with neither
//! `newName`, `newTag` nor `digest` changes nothing and is skipped.
//!
//! Skipped, as not third-party: local paths (`deployment.yaml`, `../base`,
//! `file://...`) that stay in the repository, `helmCharts` without a `repo`
//! (a chart under `helmGlobals.chartHome`). A local path that may leave it
//! (absolute, or with `..`) is reported as a module with
//! `local_path` set, placed by [`crate::local::place`]: kept, unpinned,
//! only where it does leave.
//!
//! `generators`, `transformers`, `validators`, `patchesStrategicMerge`,
//! `configurations`, `crds` entries and `patches[].path` /
//! `patchesJson6902[].path` are read as `resources` are (keyed by their
//! section): a URL among them is fetched by kustomize's loader. Their
//! inline plugin configurations (mappings) are not read further.
//!
//! Deliberately not resolved: the deprecated `helmChartInflationGenerator`
//! and `openapi`. A git ref is judged as written, not %-decoded (an escaped
//! commit reads as a branch name: never pinned by mistake). The other query
//! parameters (`timeout`, `submodules`) are not part of the source.
//!
//! A file that is not a mapping, one of these sections that is not a list,
//! an entry of the wrong shape (a resource that is not a string, a chart or
//! image without a name), a URL kustomize cannot fetch (`s3://`) and a ref
//! given twice are errors at the offending value.

mod patches;
mod remote;

use crate::extract::helm::{self, describe, field, required_name, Repeats};
use crate::extract::image_ref;
use crate::extract::yaml::{self as tree, Node};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, Spanned};

use remote::Target;

/// The repository a remote `resources` entry (before its query) names, as
/// `git clone` takes it; `None` for a local path or a file URL.
pub(crate) fn clone_url(entry: &str) -> Option<String> {
    match remote::parse(entry) {
        Ok(Target::Git { clone_url, .. }) => Some(clone_url),
        _ => None,
    }
}

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = tree::load(text)? else {
        return Ok(Vec::new());
    };
    if !root.is_map() {
        return Err(ExtractError::new(
            "a kustomization must be a YAML mapping (resources: ..., images: ...)",
            root.span.start,
        ));
    }
    let mut found = Found::default();
    for (key, value) in root.entries("the kustomization")? {
        match key.key_text() {
            Some(section @ ("resources" | "components" | "bases")) => {
                remotes(section, value.items(section)?.iter(), true, &mut found)?
            }
            // Plugin entries are paths or URLs of kustomizations, or inline
            // configurations (mappings, read no further); the patch, CRD
            // and configuration files are loaded through the same loader,
            // which fetches a URL as it fetches a remote resource.
            Some(
                section
                @ ("generators" | "transformers" | "validators" | "configurations" | "crds"),
            ) => remotes(section, value.items(section)?.iter(), false, &mut found)?,
            // An entry that spans lines is an inline patch, not a path.
            Some(section @ "patchesStrategicMerge") => {
                let mut paths = Vec::new();
                for item in value.items(section)? {
                    match item.string(section) {
                        Ok(Some(text)) if text.value.contains('\n') => {
                            patches::inline(section, item, &text.value, None, &mut found)?
                        }
                        _ => paths.push(item),
                    }
                }
                remotes(section, paths, false, &mut found)?
            }
            Some(section @ ("patches" | "patchesJson6902")) => {
                let mut paths = Vec::new();
                for item in value.items(section)? {
                    if item.is_map() {
                        if let Some((_, path)) = item.get("path", section)? {
                            paths.push(path);
                        }
                        if let Some((_, patch)) = item.get("patch", section)? {
                            let Some(text) = patch.string(&format!("{section} patch"))? else {
                                continue;
                            };
                            let target = item.get("target", section)?.map(|(_, t)| t);
                            patches::inline(section, patch, &text.value, target, &mut found)?;
                        }
                    }
                }
                remotes(section, paths, false, &mut found)?
            }
            Some("helmCharts") => helm_charts(value, &mut found)?,
            Some("images") => images(value, &mut found)?,
            _ => {}
        }
    }
    let mut deps = found.deps;
    deps.sort_by_key(|d| d.span.start);
    Ok(deps)
}

/// The dependencies so far, their keys made unique in file order.
#[derive(Default)]
struct Found {
    deps: Vec<Dependency>,
    repeats: Repeats,
}

impl Found {
    fn push(&mut self, mut dep: Dependency) {
        dep.key = self.repeats.unique(dep.key);
        self.deps.push(dep);
    }
}

/// `resources`, `components`, `bases` (and the other sections that name
/// files or kustomizations): the remote entries. `strict`: every entry
/// must be a path or URL; otherwise entries that are not strings are left.
fn remotes<'n>(
    section: &str,
    items: impl IntoIterator<Item = &'n Node>,
    strict: bool,
    found: &mut Found,
) -> Result<(), ExtractError> {
    for item in items {
        if !strict && !matches!(item.kind, tree::NodeKind::Scalar(_)) {
            continue;
        }
        let Some(entry) = item.string(&format!("each {section} entry"))? else {
            return Err(ExtractError::new(
                format!("each {section} entry must be a path or URL, not null"),
                item.span.start,
            ));
        };
        let target =
            remote::parse(&entry.value).map_err(|why| ExtractError::new(why, item.span.start))?;
        let dep = match target {
            // Part of the tree, unless it leaves the repository (placed
            // once the file's path is known: `crate::local`).
            Target::Local if crate::local::may_leave(&entry.value) => {
                let key = format!("{section}.{}", entry.value);
                let mut dep = module(key, &entry.value, item);
                dep.source = Some(Spanned::new(entry.value.clone(), item.span));
                dep.local_path = true;
                dep
            }
            Target::Local => continue,
            Target::Git {
                address,
                base,
                reference,
                ..
            } => {
                let name = entry.value.get(base.clone()).unwrap_or_default();
                let key = format!("{section}.{}", address.to_lowercase());
                let mut dep = module(key, name, item);
                dep.source = Some(Spanned::new(address, item.sub_span(base)));
                let reference = reference.map(|r| {
                    Spanned::new(
                        entry.value.get(r.clone()).unwrap_or_default().to_owned(),
                        item.sub_span(r),
                    )
                });
                dep.pin = remote::ref_pin(reference.as_ref().map_or("", |r| r.value.as_str()));
                dep.version = reference;
                dep
            }
            Target::File {
                url,
                base,
                version,
                pin,
            } => {
                let name = entry.value.get(base.clone()).unwrap_or_default();
                let key = format!("{section}.{}", url.to_lowercase());
                let mut dep = module(key, name, item);
                dep.source = Some(Spanned::new(url, item.sub_span(base)));
                dep.version = version.map(|v| {
                    Spanned::new(
                        entry.value.get(v.clone()).unwrap_or_default().to_owned(),
                        item.sub_span(v),
                    )
                });
                dep.pin = pin;
                dep
            }
        };
        found.push(dep);
    }
    Ok(())
}

fn module(key: String, name: &str, item: &Node) -> Dependency {
    Dependency::new(
        Ecosystem::Kustomize,
        Kind::Module,
        key,
        name.to_owned(),
        item.span,
    )
}

/// `helmCharts: [{name, repo, version, releaseName}]`.
fn helm_charts(list: &Node, found: &mut Found) -> Result<(), ExtractError> {
    for item in list.items("helmCharts")? {
        mapping(item, "helmCharts", "{name, repo, version, releaseName}")?;
        let name = required_name(item, "helmCharts", "name")?;
        let subject = format!("helmCharts.{}", name.value);
        let release = field(item, "releaseName", &subject)?;
        let identity = release.as_ref().unwrap_or(&name);
        let key = format!("helmCharts.{}", identity.value);
        let span = identity.span;
        let entry = helm::Entry {
            repository: field(item, "repo", &subject)?,
            version: field(item, "version", &subject)?,
            alias: None,
            name,
        };
        if let Some(dep) = helm::chart(Ecosystem::Kustomize, key, span, &entry) {
            found.push(dep);
        }
    }
    Ok(())
}

/// `images: [{name, newName, newTag, digest}]`.
fn images(list: &Node, found: &mut Found) -> Result<(), ExtractError> {
    for item in list.items("images")? {
        mapping(item, "images", "{name, newName, newTag, digest}")?;
        let name = required_name(item, "images", "name")?;
        let subject = format!("images.{}", name.value);
        let new_name = field(item, "newName", &subject)?;
        let new_tag = field(item, "newTag", &subject)?;
        let digest = field(item, "digest", &subject)?;
        if new_name.is_none() && new_tag.is_none() && digest.is_none() {
            continue;
        }
        let image = new_name.as_ref().unwrap_or(&name);
        let reference = match (&digest, &new_tag) {
            (Some(digest), _) => {
                Spanned::new(format!("{}@{}", image.value, digest.value), digest.span)
            }
            (None, Some(tag)) => Spanned::new(format!("{}:{}", image.value, tag.value), tag.span),
            (None, None) => image.clone(),
        };
        let key = format!("images.{}", name.value);
        found.push(image_ref::dependency(
            Ecosystem::Kustomize,
            key,
            name.span,
            &reference,
        ));
    }
    Ok(())
}

fn mapping(item: &Node, section: &str, shape: &str) -> Result<(), ExtractError> {
    if item.is_map() {
        return Ok(());
    }
    Err(ExtractError::new(
        format!(
            "each {section} entry must be a mapping {shape}, not {}",
            describe(item)
        ),
        item.span.start,
    ))
}

#[cfg(test)]
mod tests;
