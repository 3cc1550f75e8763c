//! Extractors: the bytes of one IaC file -> the dependencies it declares.
//!
//! Which extractor applies is decided from the path alone ([`FileKind::classify`]);
//! [`extract`] then turns the file's bytes into [`Dependency`] values whose spans
//! are byte offsets into exactly the bytes it was given (a UTF-8 BOM included).
//! Anything that cannot be read as what its name says is an [`ExtractError`]
//! with the byte offset of the problem: extractors fail closed, never silently.

mod ansible;
mod cloudformation;
mod github;
mod gitlab;
mod helm;
mod image_ref;
mod images;
mod kustomize;
mod lockfile;
mod pulumi;
mod registry;
mod terraform;
mod terraform_json;
mod terragrunt;
mod yaml;

use std::collections::HashSet;

use crate::model::{Dependency, ExtractError};
use crate::units::Hidden;

pub use registry::RegistryFile;
pub use terragrunt::TreeFiles;

pub(crate) use registry::is_default as is_default_registry;
use registry::is_default as registry_default;

pub(crate) use kustomize::clone_url as kustomize_clone_url;

/// Read access to one tree of the repository (a commit, the index), for
/// extractors that resolve values from other files (Terragrunt's `include`
/// and `read_terragrunt_config`).
pub trait Tree {
    /// The bytes of the file at a repository path (`/`-separated, relative
    /// to the top), or `None` when the tree has no file there.
    fn read(&self, path: &str) -> Option<Vec<u8>>;

    /// The paths of the files directly in directory `dir` (not in its
    /// subdirectories; `""` is the top), or `None` when this tree cannot
    /// list them (what depends on the listing is then judged fail-closed).
    fn list(&self, _dir: &str) -> Option<Vec<String>> {
        None
    }
}

/// What an IaC file is, from its path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Terraform/OpenTofu native syntax: `*.tf`, `*.tofu`.
    TerraformHcl,
    /// Terraform/OpenTofu JSON syntax: `*.tf.json`, `*.tofu.json`.
    TerraformJson,
    /// The dependency lock file `.terraform.lock.hcl`, in any directory.
    TerraformLock,
    /// A Terraform/OpenTofu test file: `*.tftest.hcl`, `*.tofutest.hcl`
    /// and their `.json` forms (`run { module { source ... } }` is fetched
    /// by `terraform test`).
    TerraformTest,
    /// Terraform Stacks: `*.tfcomponent.hcl` (and the older
    /// `*.tfstack.hcl`), whose `component` blocks name module sources, and
    /// `*.tfdeploy.hcl`, which names none.
    TerraformStack,
    /// Terragrunt's JSON form of a unit: `terragrunt.hcl.json`.
    TerragruntJson,
    /// Terragrunt: `terragrunt.hcl`, `terragrunt.stack.hcl`, and the other
    /// `*.hcl` files they include (`_envcommon/*.hcl`, `root.hcl`).
    Terragrunt,
    /// A YAML or JSON file that may be a CloudFormation or SAM template
    /// or a Kubernetes manifest: decided from the content, and nothing
    /// for anything else.
    CloudFormation,
    /// `Pulumi.yaml`: plugins, packages, and a Pulumi YAML program.
    PulumiProject,
    /// `Main.yaml` / `Main.json`: a Pulumi YAML program in its own file.
    PulumiProgram,
    /// Language manifests that pin Pulumi provider packages:
    /// `package.json` (`@pulumi/*`), `requirements.txt` and `pyproject.toml`
    /// (`pulumi-*`), `go.mod` (`github.com/pulumi/pulumi-*`).
    PulumiPackages(Manifest),
    /// A GitHub Actions workflow: `.github/workflows/*.yml` / `*.yaml`.
    GitHubWorkflow,
    /// A GitHub composite (or Docker, or JavaScript) action's metadata:
    /// `action.yml` / `action.yaml`, in any directory.
    GitHubAction,
    /// GitLab CI: `.gitlab-ci.yml`, `*.gitlab-ci.yml`, and YAML files under
    /// a `.gitlab/` directory (where included CI files usually live).
    GitLabCi,
    /// A Helm chart's `Chart.yaml`.
    HelmChart,
    /// A Helm chart's `Chart.lock`.
    HelmLock,
    /// `values.yaml` / `values.yml`: a chart's values (the images it sets)
    /// when a `Chart.yaml` sits beside it, else any YAML file.
    HelmValues,
    /// A vendored subchart archive, `charts/*.tgz`, which Helm loads as it is.
    HelmArchive,
    /// `kustomization.yaml`, `kustomization.yml`, `Kustomization`.
    Kustomization,
    /// `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.Dockerfile`.
    Dockerfile,
    /// `compose.yaml`, `docker-compose.yml`, `compose.*.yaml`, ...
    Compose,
    /// A `.env` file, which Compose reads for the variables of the compose
    /// files of its directory: it declares nothing itself, and a change to
    /// it re-judges those compose files.
    ComposeEnv,
    /// Ansible Galaxy `requirements.yml` / `requirements.yaml`.
    AnsibleRequirements,
    /// A file inside a Terraform/OpenTofu or Terragrunt working cache
    /// (`.terraform/`, `.terragrunt-cache/`) or an implied provider mirror
    /// (`terraform.d/plugins/`): `init` and `plan` use what is there
    /// instead of fetching what the configuration names, so a committed
    /// one is never judged, it blocks.
    ToolCache,
    /// A package manager's registry or index configuration (`.npmrc`,
    /// `.yarnrc.yml`, `pip.conf`, `uv.toml`, `ansible.cfg`): part of the
    /// source of every package it applies to.
    RegistryConfig(RegistryFile),
    /// `.gitattributes`, in any directory: `working-tree-encoding` and
    /// `ident` make the file git checks out differ from the blob judged.
    GitAttributes,
    /// A Terraform/OpenTofu CLI configuration (`.terraformrc`,
    /// `terraform.rc`, `*.tfrc`), which `TF_CLI_CONFIG_FILE` can point at:
    /// its `provider_installation` (`dev_overrides`, mirrors) and
    /// `plugin_cache_dir` install providers from elsewhere than the lock
    /// file and the registry say.
    TerraformCliConfig,
}

/// Which language manifest a [`FileKind::PulumiPackages`] file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    PackageJson,
    Requirements,
    PyProject,
    GoMod,
    /// `go.work`: its `replace` directives override every `go.mod` of the
    /// workspace.
    GoWork,
    /// `package-lock.json`: where each locked package was resolved from,
    /// and its integrity hash.
    PackageLock,
    /// `go.sum`: the hashes the go command checks every module against.
    GoSum,
    /// `pnpm-workspace.yaml`: its `overrides` replace a package's version
    /// or source in every `package.json` of the workspace (pnpm 10).
    PnpmWorkspace,
    /// `uv.lock`: what `uv sync --frozen` installs, from where, with which
    /// hashes.
    UvLock,
    /// `Pipfile.lock`: what `pipenv sync` installs, likewise.
    PipfileLock,
}

/// Directories whose contents Terraform, OpenTofu or Terragrunt load in
/// place of what the configuration names: their local caches
/// (`.terraform/modules/...`, `.terraform/providers/...`) and Terragrunt's.
const CACHE_DIRS: &[&str] = &[".terraform", ".terragrunt-cache"];

/// Directories whose contents are not IaC sources.
const IGNORED_DIRS: &[&str] = &["node_modules"];

impl FileKind {
    /// Classifies a `/`-separated, repository-relative path.
    ///
    /// Returns `None` for anything that is not an IaC file iacgate reads and
    /// for configuration files Terraform itself ignores (names starting with
    /// `.`, such as `.backup.tf`); any path inside a `.terraform/`,
    /// `.terragrunt-cache/` or `terraform.d/plugins/` directory is a
    /// [`FileKind::ToolCache`], which blocks.
    pub fn classify(path: &str) -> Option<FileKind> {
        let mut components = path.split('/');
        let name = components.next_back()?;
        let dirs: Vec<&str> = components.collect();
        // The data directory can have any name (`TF_DATA_DIR=.tfdata`):
        // its module manifest and provider tree give it away.
        if dirs.iter().any(|dir| CACHE_DIRS.contains(dir))
            || dirs.windows(2).any(|w| w == ["terraform.d", "plugins"])
            || (name == "modules.json" && dirs.last() == Some(&"modules"))
            || dirs.windows(2).any(|w| {
                w[0] == "providers"
                    && matches!(w[1], "registry.terraform.io" | "registry.opentofu.org")
            })
        {
            return Some(FileKind::ToolCache);
        }
        if dirs.iter().any(|dir| IGNORED_DIRS.contains(dir)) {
            // JavaScript packages: their package.json and YAML are not IaC.
            // But a module, unit, kustomization, chart or action that a
            // configuration points into is loaded from there like from
            // anywhere, so those are read wherever they are.
            return FileKind::classify(name).filter(|kind| {
                matches!(
                    kind,
                    FileKind::TerraformHcl
                        | FileKind::TerraformJson
                        | FileKind::TerraformLock
                        | FileKind::Terragrunt
                        | FileKind::Kustomization
                        | FileKind::GitHubAction
                        | FileKind::HelmChart
                        | FileKind::HelmLock
                )
            });
        }
        if name == ".gitattributes" {
            return Some(FileKind::GitAttributes);
        }
        if name == ".terraformrc" || name == "terraform.rc" || name.ends_with(".tfrc") {
            return Some(FileKind::TerraformCliConfig);
        }
        if dirs.last() == Some(&"charts") && name.ends_with(".tgz") && name.len() > 4 {
            return Some(FileKind::HelmArchive);
        }
        if name == ".env" {
            return Some(FileKind::ComposeEnv);
        }
        if let Some(file) = RegistryFile::of(name) {
            return Some(FileKind::RegistryConfig(file));
        }
        if name == ".terraform.lock.hcl" {
            return Some(FileKind::TerraformLock);
        }
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        if name == ".gitlab-ci.yml"
            || name.ends_with(".gitlab-ci.yml")
            || (yaml && path.split('/').any(|dir| dir == ".gitlab"))
        {
            return Some(FileKind::GitLabCi);
        }
        if yaml && dir_of(path) == ".github/workflows" {
            return Some(FileKind::GitHubWorkflow);
        }
        // Terraform and OpenTofu skip hidden files when loading a module
        // (configs.IsIgnoredFile); they declare nothing.
        if name.starts_with('.') {
            return None;
        }
        if name == "terragrunt.hcl.json" {
            Some(FileKind::TerragruntJson)
        } else if [
            ".tftest.hcl",
            ".tofutest.hcl",
            ".tftest.json",
            ".tofutest.json",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
        {
            Some(FileKind::TerraformTest)
        } else if [".tfcomponent.hcl", ".tfstack.hcl", ".tfdeploy.hcl"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            Some(FileKind::TerraformStack)
        } else if name.ends_with(".tf.json") || name.ends_with(".tofu.json") {
            Some(FileKind::TerraformJson)
        } else if name.ends_with(".tf") || name.ends_with(".tofu") {
            Some(FileKind::TerraformHcl)
        } else if name.ends_with(".hcl") && !name.ends_with(".pkr.hcl") {
            Some(FileKind::Terragrunt)
        } else if matches!(name, "Pulumi.yaml" | "Pulumi.yml") {
            Some(FileKind::PulumiProject)
        } else if matches!(name, "Main.yaml" | "Main.yml" | "Main.json") {
            Some(FileKind::PulumiProgram)
        } else if let Some(kind) = classify_pipeline_file(name) {
            Some(kind)
        } else if let Some(manifest) = match name {
            "package.json" => Some(Manifest::PackageJson),
            "requirements.txt" => Some(Manifest::Requirements),
            "pyproject.toml" => Some(Manifest::PyProject),
            "go.mod" => Some(Manifest::GoMod),
            "go.work" => Some(Manifest::GoWork),
            // npm prefers a shrinkwrap, of the same format, to package-lock.json.
            "package-lock.json" | "npm-shrinkwrap.json" => Some(Manifest::PackageLock),
            "go.sum" => Some(Manifest::GoSum),
            "pnpm-workspace.yaml" => Some(Manifest::PnpmWorkspace),
            "uv.lock" => Some(Manifest::UvLock),
            "Pipfile.lock" => Some(Manifest::PipfileLock),
            _ => None,
        } {
            Some(FileKind::PulumiPackages(manifest))
        } else if [".yaml", ".yml", ".json", ".template"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            Some(FileKind::CloudFormation)
        } else {
            None
        }
    }
}

/// Extensions of files no IaC tool reads: a content attribute for these
/// alone changes nothing iacgate judges.
const NOT_IAC_EXTENSIONS: &[&str] = &[
    "ps1", "psm1", "bat", "cmd", "sh", "bash", "py", "rb", "go", "rs", "js", "ts", "java", "cs",
    "c", "h", "cpp", "md", "txt", "csv", "png", "jpg", "svg", "pdf", "zip", "gz",
];

/// A `.gitattributes` line that makes git check out other bytes than the
/// blob holds (`working-tree-encoding`, `ident`) for paths that may be IaC
/// files: the tools would read text iacgate never judged. A pattern of
/// the form `*.ext` for an extension no IaC tool reads is fine.
fn gitattributes(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let sets_content = |w: &str, macros: &[&str]| {
        if w.starts_with(['-', '!']) {
            return false;
        }
        let name = w.split('=').next().unwrap_or(w);
        name == "working-tree-encoding" || name == "ident" || macros.contains(&name)
    };
    // `[attr]name ...` macros that set one of those attributes count too.
    let mut macros: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let Some(name) = words.next().and_then(|w| w.strip_prefix("[attr]")) {
            if words.any(|w| sets_content(w, &macros)) {
                macros.push(name);
            }
        }
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next() else {
            continue;
        };
        if pattern.starts_with('#') || pattern.starts_with("[attr]") {
            continue;
        }
        let Some(attribute) = words.find(|w| sets_content(w, &macros)) else {
            continue;
        };
        let harmless = pattern
            .strip_prefix("*.")
            .is_some_and(|ext| NOT_IAC_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
        if !harmless {
            return Err(ExtractError::new(
                format!(
                    "`{pattern} {attribute}`: git checks these files out as other bytes than \
                     the commit holds, so Terraform, OpenTofu and the other tools would read \
                     text iacgate never judged; IaC files must be checked out as committed"
                ),
                at + line.find(attribute).unwrap_or(0),
            ));
        }
    }
    Ok(Vec::new())
}

/// A Terraform CLI configuration is judged only for what changes where
/// providers come from: a `provider_installation` block (`dev_overrides`
/// runs a local binary as the provider, ignoring the lock file; mirrors
/// serve other packages) or a `plugin_cache_dir`. Credentials, hosts and
/// the rest declare no dependency.
fn cli_config(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let code = line.trim_start();
        if code.starts_with('#') || code.starts_with("//") {
            continue;
        }
        for key in ["provider_installation", "dev_overrides", "plugin_cache_dir"] {
            if let Some(found) = line.find(key) {
                return Err(ExtractError::new(
                    format!(
                        "`{key}` in a Terraform CLI configuration: with `TF_CLI_CONFIG_FILE` (or as \
                         the user's own `.terraformrc`) `init` and `plan` take providers from where it \
                         says (a local binary for `dev_overrides`, a mirror, a cache) instead of the \
                         registry and the lock file, which iacgate cannot judge; keep provider \
                         installation out of the repository"
                    ),
                    at + found,
                ));
            }
        }
    }
    Ok(Vec::new())
}

/// Why a file of a tool's cache is refused.
fn tool_cache() -> ExtractError {
    ExtractError::new(
        "a committed Terraform/OpenTofu or Terragrunt cache (`.terraform/`, \
         `.terragrunt-cache/`, `terraform.d/plugins/`, or a data directory of another name, \
         with `modules/modules.json` or `providers/registry.terraform.io/`): `init` and `plan` use the modules and \
         provider binaries there instead of fetching what the configuration names, and \
         iacgate does not judge them; remove it from the repository and add it to .gitignore",
        0,
    )
}

/// A full git commit id (or Mercurial changeset id): 40 hex digits.
fn is_commit(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The comment after a value on its line (`ref: <sha>  # v1.2.3`): the
/// human version next to a pin.
fn comment_after(text: &str, end: usize) -> Option<String> {
    let rest = text.get(end..)?;
    let line = rest.split('\n').next().unwrap_or_default();
    let comment = line.trim_start().strip_prefix('#')?.trim();
    (line.starts_with([' ', '\t']) && !comment.is_empty()).then(|| comment.to_owned())
}

/// Sorts `deps` into file order and makes a key given again unique with
/// `#2`, `#3`, ... (formats where a repeat is legal).
fn number_repeated_keys(deps: &mut [Dependency]) {
    deps.sort_by_key(|dep| dep.span.start);
    let mut taken = HashSet::new();
    for dep in deps {
        if taken.contains(&dep.key) {
            let mut n = 2;
            while taken.contains(&format!("{}#{n}", dep.key)) {
                n += 1;
            }
            dep.key = format!("{}#{n}", dep.key);
        }
        taken.insert(dep.key.clone());
    }
}

/// The files a GitLab pipeline loads from the repository, which are GitLab
/// CI files whatever their name (see [`crate::analysis::FileInput::kind`]).
pub use gitlab::pipeline::{
    pipeline as gitlab_pipeline, Pipeline as GitLabPipeline, PipelineProblem,
};

/// Pipeline, chart and image files, by name alone.
fn classify_pipeline_file(name: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    Some(match name {
        "action.yml" | "action.yaml" => FileKind::GitHubAction,
        "Chart.yaml" => FileKind::HelmChart,
        // Helm 3 still loads an `apiVersion: v1` chart's lock from
        // `requirements.lock` (read as a chart's only beside a `Chart.yaml`).
        "Chart.lock" | "requirements.lock" => FileKind::HelmLock,
        "values.yaml" | "values.yml" => FileKind::HelmValues,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization" => FileKind::Kustomization,
        "requirements.yml" | "requirements.yaml" => FileKind::AnsibleRequirements,
        // Renovate's names: `Dockerfile`, `Dockerfile.prod`, `Dockerfile-dev`,
        // `prod.Dockerfile`, `api-Containerfile`; not documentation.
        _ if ["dockerfile", "containerfile"]
            .iter()
            .any(|stem| lower.starts_with(stem) || lower.ends_with(stem))
            && !lower.ends_with(".md") =>
        {
            FileKind::Dockerfile
        }
        // `compose.yaml`, `docker-compose.override.yml`, `compose-prod.yaml`.
        _ if (lower.starts_with("compose") || lower.starts_with("docker-compose"))
            && (lower.ends_with(".yml") || lower.ends_with(".yaml")) =>
        {
            FileKind::Compose
        }
        _ => return None,
    })
}

/// The directory part of a `/`-separated path ("" at the top).
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// git pathspecs that select every file [`FileKind::classify`] accepts (and a
/// few more, such as files under `.terraform/`: filter with `classify`), for
/// `git diff -- <pathspecs>`. `**/` also matches the repository root.
pub const PATHSPECS: &[&str] = &[
    ":(glob)**/*.tf",
    ":(glob)**/*.tofu",
    ":(glob)**/*.tf.json",
    ":(glob)**/*.tofu.json",
    ":(glob)**/.terraform.lock.hcl",
    ":(glob)**/.terraform/**",
    ":(glob)**/.terragrunt-cache/**",
    ":(glob)**/terraform.d/plugins/**",
    ":(glob)**/providers/registry.terraform.io/**",
    ":(glob)**/providers/registry.opentofu.org/**",
    ":(glob)**/.gitattributes",
    ":(glob)**/*.hcl",
    ":(glob)**/*.yaml",
    ":(glob)**/*.yml",
    ":(glob)**/*.json",
    ":(glob)**/*.template",
    ":(glob)**/requirements.txt",
    ":(glob)**/pyproject.toml",
    ":(glob)**/go.mod",
    ":(glob)**/go.work",
    ":(glob)**/go.sum",
    ":(glob)**/Chart.lock",
    ":(glob)**/requirements.lock",
    ":(glob)**/charts/*.tgz",
    ":(glob)**/.npmrc",
    ":(glob)**/.yarnrc",
    ":(glob)**/.env",
    ":(glob)**/pip.conf",
    ":(glob)**/pip.ini",
    ":(glob)**/uv.toml",
    ":(glob)**/uv.lock",
    ":(glob)**/Pipfile.lock",
    ":(glob)**/ansible.cfg",
    ":(glob)**/.terraformrc",
    ":(glob)**/terraform.rc",
    ":(glob)**/*.tfrc",
    ":(glob)**/Kustomization",
    ":(icase,glob)**/*dockerfile*",
    ":(icase,glob)**/*containerfile*",
];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parse strict JSON (no comments, trailing commas, bare property names or
/// any other JSON5 extension) with byte ranges; a syntax error is an
/// [`ExtractError`] at its offset.
fn parse_strict_json(text: &str) -> Result<Option<jsonc_parser::ast::Value<'_>>, ExtractError> {
    use jsonc_parser::{parse_to_ast, CollectOptions, CommentCollectionStrategy, ParseOptions};
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    parse_to_ast(text, &collect, &strict)
        .map(|parsed| parsed.value)
        .map_err(|err| {
            ExtractError::new(
                format!("JSON syntax error: {}", one_line(&err.kind().to_string())),
                err.range().start,
            )
        })
}

/// Bytes -> dependencies, in file order.
///
/// A leading UTF-8 BOM is skipped, but every span and error offset is a byte
/// offset into `bytes` as given. Binary content (a NUL byte), invalid UTF-8,
/// a syntax error, or a value Terraform would reject where a dependency is
/// declared (an expression as a module `source`, a repeated module name, a
/// malformed lock entry) is an error at the offending byte.
///
/// Local paths are placed as [`crate::local::place`] places them for a
/// file whose path is unknown: only absolute ones leave the repository.
pub fn extract(kind: FileKind, bytes: &[u8]) -> Result<Vec<Dependency>, ExtractError> {
    extract_at(kind, bytes, None, None)
}

/// [`extract`] for the file at `path` of a tree whose other files can be
/// read: values a Terragrunt file takes from other files are resolved.
pub fn extract_in(
    kind: FileKind,
    bytes: &[u8],
    at: Option<(&str, &TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    extract_at(
        kind,
        bytes,
        at.map(|(path, _)| path),
        at.map(|(_, tree)| tree),
    )
}

/// [`extract`] for the file at `path` (when known; local paths are placed
/// from its directory, see [`crate::local`]) of `tree` (when at hand).
pub fn extract_at(
    kind: FileKind,
    bytes: &[u8],
    path: Option<&str>,
    tree: Option<&TreeFiles>,
) -> Result<Vec<Dependency>, ExtractError> {
    if kind == FileKind::HelmArchive {
        // Bytes, not text: what Helm loads is the archive as it is.
        return Ok(helm::extract_archive(path, bytes));
    }
    extract_unplaced(kind, bytes, path.zip(tree)).map(|deps| crate::local::place(path, deps))
}

/// The `appVersion` of the chart whose `values.yaml` is at `path`:
/// `Some(None)` for a chart without one, `None` where no `Chart.yaml`
/// sits beside it (or no tree is at hand), so the file is no chart's.
fn chart_beside(at: Option<(&str, &TreeFiles)>) -> Option<Option<String>> {
    let text = chart_text(at)?;
    Some(helm::app_version(&text))
}

/// The text of the `Chart.yaml` beside the file at `at`, if any.
fn chart_text(at: Option<(&str, &TreeFiles)>) -> Option<String> {
    let (path, tree) = at?;
    let bytes = tree.bytes(&beside(path, "Chart.yaml"))?;
    Some(String::from_utf8_lossy(bytes.strip_prefix(BOM).unwrap_or(&bytes)).into_owned())
}

/// The path of `name` in the directory of `path`.
fn beside(path: &str, name: &str) -> String {
    match dir_of(path) {
        "" => name.to_owned(),
        dir => format!("{dir}/{name}"),
    }
}

/// Files of a chart's `templates/` read for what its values mean, at most.
const MAX_TEMPLATE_FILES: usize = 512;
const MAX_TEMPLATE_BYTES: usize = 8 * 1024 * 1024;

/// What a chart's values are read against: its `appVersion`, the names
/// (and aliases) of its subcharts, whose values they may set, and the
/// text of the files directly in its `templates/` (`None` when the tree
/// cannot list them or they are too many).
fn chart_view(at: Option<(&str, &TreeFiles)>, app_version: Option<String>) -> helm::ChartView {
    let mut subcharts = Vec::new();
    if let Some(text) = chart_text(at) {
        subcharts.extend(helm::dependency_names(&text));
    }
    let templates = at.and_then(|(path, tree)| {
        if let Some(bytes) = tree.bytes(&beside(path, "requirements.yaml")) {
            subcharts.extend(helm::dependency_names(&String::from_utf8_lossy(&bytes)));
        }
        let files = tree.list(&beside(path, "templates"))?;
        if files.len() > MAX_TEMPLATE_FILES {
            return None;
        }
        let mut text = String::new();
        for file in files {
            let bytes = tree.bytes(&file)?;
            if text.len() + bytes.len() > MAX_TEMPLATE_BYTES {
                return None;
            }
            text.push_str(&String::from_utf8_lossy(&bytes));
            text.push('\n');
        }
        Some(text)
    });
    helm::ChartView {
        app_version,
        subcharts,
        templates,
    }
}

/// The text of the `Pulumi.yaml` beside a `Main.*` program, if at hand.
fn project_beside(at: Option<(&str, &TreeFiles)>) -> Option<String> {
    let (path, tree) = at?;
    let dir = dir_of(path);
    ["Pulumi.yaml", "Pulumi.yml"].iter().find_map(|name| {
        let project = if dir.is_empty() {
            (*name).to_owned()
        } else {
            format!("{dir}/{name}")
        };
        let bytes = tree.bytes(&project)?;
        Some(String::from_utf8_lossy(bytes.strip_prefix(BOM).unwrap_or(&bytes)).into_owned())
    })
}

/// How much of the file at `at` its consumer leaves out for another beside
/// it in its tree (see [`crate::units::hidden`]).
fn hidden(at: Option<(&str, &TreeFiles)>) -> Option<crate::units::Hidden> {
    let (path, tree) = at?;
    crate::units::hidden(path, |other| tree.bytes(other).is_some())
}

/// Whether the file at `at` is one of a Helm chart's templates: under a
/// `templates/` directory of a directory with a `Chart.yaml`.
fn is_chart_template(at: Option<(&str, &TreeFiles)>) -> bool {
    let Some((path, tree)) = at else {
        return false;
    };
    if !(path.ends_with(".yaml") || path.ends_with(".yml")) {
        return false;
    }
    let parts: Vec<&str> = path.split('/').collect();
    (0..parts.len().saturating_sub(1))
        .filter(|&i| parts[i] == "templates")
        .any(|i| {
            let chart = parts[..i].join("/");
            let file = if chart.is_empty() {
                "Chart.yaml".to_owned()
            } else {
                format!("{chart}/Chart.yaml")
            };
            tree.bytes(&file).is_some()
        })
}

/// The `archive.<name>` an unpacked subchart's `Chart.yaml` at `at`
/// stands for: one at `<parent>/charts/<dir>/Chart.yaml` where
/// `<parent>/Chart.yaml` is a chart, which Helm loads it into.
fn unpacked_subchart(text: &str, at: Option<(&str, &TreeFiles)>) -> Option<Dependency> {
    let (path, tree) = at?;
    let dir = dir_of(path);
    let charts = dir_of(dir);
    let (parent, last) = match charts.rsplit_once('/') {
        Some((parent, last)) => (parent, last),
        None => ("", charts),
    };
    if !path.ends_with("/Chart.yaml") || last != "charts" || dir.len() <= charts.len() + 1 {
        return None;
    }
    let parent_chart = if parent.is_empty() {
        "Chart.yaml".to_owned()
    } else {
        format!("{parent}/Chart.yaml")
    };
    tree.bytes(&parent_chart)?;
    helm::unpacked_subchart(text)
}

/// An unpacked subchart's `archive.<name>` (see [`unpacked_subchart`]).
pub(crate) fn is_unpacked_subchart(dep: &Dependency) -> bool {
    dep.ecosystem == crate::model::Ecosystem::Helm
        && dep.kind == crate::model::Kind::Chart
        && dep.key.starts_with("archive.")
        && dep.hashes.len() == 1
        && dep.hashes[0] == helm::UNPACKED
}

fn extract_unplaced(
    kind: FileKind,
    bytes: &[u8],
    at: Option<(&str, &TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    // A values.yaml with no Chart.yaml beside it is no chart's: any YAML.
    let chart = match kind {
        FileKind::HelmValues => chart_beside(at),
        _ => None,
    };
    let kind = match kind {
        FileKind::HelmValues if chart.is_none() => FileKind::CloudFormation,
        kind => kind,
    };
    // Helm 3 still reads a chart's `requirements.yaml` (`apiVersion: v1`,
    // and over `Chart.yaml`'s `dependencies` in v2) and `requirements.lock`.
    let name = at.map(|(path, _)| path.rsplit('/').next().unwrap_or(path));
    let helm_requirements = match (kind, name) {
        (FileKind::AnsibleRequirements, Some("requirements.yaml"))
        | (FileKind::HelmLock, Some("requirements.lock")) => Some(chart_beside(at).is_some()),
        _ => None,
    };
    if helm_requirements == Some(false) && kind == FileKind::HelmLock {
        // Another tool's lock (Rye's `requirements.lock`): no chart's.
        return Ok(Vec::new());
    }
    let (base, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM.len(), rest),
        None => (0, bytes),
    };
    // Before the text checks: a provider binary is not text either.
    if kind == FileKind::ToolCache {
        return Err(tool_cache());
    }
    if kind == FileKind::GitAttributes {
        return gitattributes(&String::from_utf8_lossy(body)).map_err(|e| ExtractError {
            offset: e.offset + base,
            ..e
        });
    }
    if let Some(why) = lfs_pointer(body) {
        return Err(ExtractError::new(why, base));
    }
    // A CloudFormation candidate is any YAML or JSON file; one that is not
    // UTF-8 text cannot be a template (CloudFormation reads UTF-8 only).
    if kind == FileKind::CloudFormation && (body.contains(&0) || std::str::from_utf8(body).is_err())
    {
        return Ok(Vec::new());
    }
    // The first problem is reported, so that its offset lies in the valid
    // UTF-8 prefix: the same byte in the raw file and in the text we show.
    let valid = std::str::from_utf8(body);
    let valid_up_to = valid.as_ref().map_or_else(|e| e.valid_up_to(), |t| t.len());
    if let Some(nul) = body[..valid_up_to].iter().position(|&b| b == 0) {
        return Err(ExtractError::new(
            "binary content (a NUL byte), not a text file",
            base + nul,
        ));
    }
    let text = valid.map_err(|e| {
        ExtractError::new(
            "invalid UTF-8 (the file must be UTF-8 text)",
            base + e.valid_up_to(),
        )
    })?;
    let result = match (hidden(at), kind) {
        // A file its consumer leaves out for another beside it (`action.yml`
        // before `action.yaml`, `compose.yaml` before `docker-compose.yml`,
        // ...): nothing of it is loaded. A `Main.*` beside a Pulumi project
        // is the program; the project's own plugins and packages still count.
        (Some(Hidden::Program), FileKind::PulumiProject) => pulumi::extract_project_only(text),
        // A `terragrunt.hcl.json` beside it is the unit; what a unit that
        // includes it by path merges in still counts, its source is judged
        // there.
        (Some(Hidden::Program), FileKind::Terragrunt) => {
            terragrunt::extract_in(text, at).map(|deps| {
                deps.into_iter()
                    .filter(|dep| dep.key != "terraform.source")
                    .collect()
            })
        }
        (Some(_), _) => Ok(Vec::new()),
        (None, kind) => extract_loaded(kind, text, bytes, at, chart, helm_requirements),
    };
    match result {
        Ok(mut deps) => {
            if base != 0 {
                deps.iter_mut().for_each(|dep| shift(dep, base));
            }
            Ok(deps)
        }
        Err(mut err) => {
            err.offset = err.offset.min(text.len()) + base;
            Err(err)
        }
    }
}

/// [`extract_unplaced`] of a file its consumer loads, from its text.
fn extract_loaded(
    kind: FileKind,
    text: &str,
    bytes: &[u8],
    at: Option<(&str, &TreeFiles)>,
    chart: Option<Option<String>>,
    helm_requirements: Option<bool>,
) -> Result<Vec<Dependency>, ExtractError> {
    match kind {
        FileKind::TerraformHcl => terraform::extract(text),
        FileKind::TerraformJson => terraform_json::extract(text),
        FileKind::TerraformLock => lockfile::extract(text),
        // The JSON form is an object; HCL cannot start with `{`.
        FileKind::TerraformTest if text.trim_start().starts_with('{') => {
            terraform_json::extract_test(text)
        }
        FileKind::TerraformTest => terraform::extract_test(text),
        FileKind::TerraformStack => terraform::extract_stack(text),
        FileKind::TerragruntJson => terragrunt::extract_json(text, at),
        FileKind::Terragrunt => terragrunt::extract_in(text, at),
        FileKind::HelmValues => helm::extract_values_in(text, &chart_view(at, chart.flatten())),
        // Helm renders a chart's templates: what they write out literally
        // is read line by line (a template with actions is no YAML), and
        // one that is plain YAML must still be a sound manifest.
        FileKind::CloudFormation if is_chart_template(at) => {
            if !text.contains("{{") {
                images::extract_manifests(text)?;
            }
            Ok(helm::extract_template(text))
        }
        FileKind::CloudFormation => match cloudformation::extract(text)? {
            deps if deps.is_empty() => images::extract_manifests(text),
            deps => Ok(deps),
        },
        FileKind::GitHubWorkflow => github::extract_workflow(text),
        FileKind::GitHubAction => github::extract_action(text),
        FileKind::GitLabCi => gitlab::extract(text),
        FileKind::HelmChart => helm::extract_chart(text).map(|mut deps| {
            deps.extend(unpacked_subchart(text, at));
            deps
        }),
        FileKind::HelmLock => helm::extract_lock(text),
        FileKind::Kustomization => kustomize::extract(text),
        FileKind::Dockerfile => images::extract_dockerfile_in(text, at),
        FileKind::Compose => images::extract_compose(text, at),
        FileKind::ComposeEnv => images::extract_compose_env(text, at.map(|(p, _)| p)),
        FileKind::AnsibleRequirements if helm_requirements == Some(true) => {
            helm::extract_chart(text)
        }
        FileKind::AnsibleRequirements => ansible::extract(text),
        FileKind::PulumiProject => pulumi::extract_program(text, None),
        FileKind::PulumiProgram => {
            let project = project_beside(at);
            pulumi::extract_program(text, Some(project.as_deref()))
        }
        FileKind::PulumiPackages(manifest) => pulumi::extract_packages(manifest, text),
        FileKind::RegistryConfig(file) => registry::extract(file, text),
        FileKind::ToolCache => Err(tool_cache()),
        FileKind::GitAttributes => gitattributes(text),
        FileKind::TerraformCliConfig => cli_config(text),
        FileKind::HelmArchive => Ok(helm::extract_archive(at.map(|(p, _)| p), bytes)),
    }
}

/// The spec URLs git-lfs accepts on a pointer's `version` line
/// (`lfs/pointer.go`: the current one and its two older names).
const LFS_SPECS: [&str; 3] = [
    "https://git-lfs.github.com/spec/",
    "https://hawser.github.com/spec/",
    "http://git-media.io/v/",
];

/// Why `body` is a Git LFS pointer rather than the file, if it is one.
///
/// The blob git stores is then a stand-in: every clone with git-lfs
/// installed checks out other bytes (the object `oid` names), which is
/// what the consuming tool reads and what iacgate cannot see. So a pointer
/// at an IaC path is judged as unreadable whatever the format, rather than
/// as the few lines of text it is. git-lfs recognises a pointer by its
/// first line, `version <spec URL>`, after leading whitespace; this does
/// the same, and is stricter in that it does not require the rest (`oid`,
/// `size`) to be well-formed.
pub(in crate::extract) fn lfs_pointer(body: &[u8]) -> Option<String> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = body.get(start..)?.strip_prefix(b"version")?;
    let first_line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let spec = String::from_utf8_lossy(first_line);
    let spec = spec.trim();
    if !rest.starts_with(b" ") && !rest.starts_with(b"\t") {
        return None;
    }
    if !LFS_SPECS.iter().any(|s| spec.starts_with(s)) {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(key)?.strip_prefix(' '))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let what = match (field("oid"), field("size")) {
        (Some(oid), Some(size)) => format!(" (oid {oid}, size {size} bytes)"),
        (Some(oid), None) => format!(" (oid {oid})"),
        _ => String::new(),
    };
    Some(format!(
        "a Git LFS pointer{what}, not the file itself: a checkout with git-lfs replaces it \
         with content that is not in this commit, so what it declares cannot be judged; \
         commit the file itself (`git lfs untrack` its path in .gitattributes, then \
         `git add --renormalize` it)"
    ))
}

fn shift(dep: &mut Dependency, by: usize) {
    let move_span = |span: &mut crate::model::Span| {
        span.start += by;
        span.end += by;
    };
    move_span(&mut dep.span);
    if let Some(source) = &mut dep.source {
        move_span(&mut source.span);
    }
    if let Some(version) = &mut dep.version {
        move_span(&mut version.span);
    }
}

/// Collects dependencies and rejects a second one with the same key: keys
/// are identities within a file, and every duplicate we report is one that
/// Terraform rejects too (repeated module call, provider requirement,
/// provider configuration or lock entry).
#[derive(Default)]
struct Deps {
    list: Vec<Dependency>,
    keys: HashSet<String>,
}

impl Deps {
    fn push(
        &mut self,
        dep: Dependency,
        duplicate: impl FnOnce(&Dependency) -> String,
    ) -> Result<(), ExtractError> {
        if self.keys.contains(&dep.key) {
            return Err(ExtractError::new(duplicate(&dep), dep.span.start));
        }
        self.keys.insert(dep.key.clone());
        self.list.push(dep);
        Ok(())
    }

    fn finish(self) -> Vec<Dependency> {
        self.list
    }

    fn has(&self, key: &str) -> bool {
        self.keys.contains(key)
    }
}

/// A parser message on one line, whitespace runs collapsed.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A GitLab child pipeline generated at run time (`trigger: include:
/// [{artifact, job}]`), which `[gitlab] dynamic_child_pipelines` decides.
pub(crate) fn is_generated_child_pipeline(dep: &Dependency) -> bool {
    dep.ecosystem == crate::model::Ecosystem::GitLabCi
        && dep.kind == crate::model::Kind::Include
        && dep.key.contains(".trigger.include.artifact.")
}

/// The providers that a Terraform/OpenTofu file's `resource` and `data`
/// blocks use (see [`terraform::ProviderUse`]); `None` for another kind of
/// file or one that does not parse (reported by the extractor).
pub(crate) use terraform::ProviderUse;

pub(crate) fn provider_uses(kind: FileKind, text: &str) -> Option<Vec<ProviderUse>> {
    match kind {
        FileKind::TerraformHcl => terraform::provider_uses(text).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{line_col, Kind};

    /// A tree of a few files, for extractors that look beside a file.
    struct Files(Vec<(&'static str, &'static str)>);

    impl Tree for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| text.as_bytes().to_vec())
        }
    }

    fn in_tree(kind: FileKind, path: &str, tree: &Files) -> Vec<Dependency> {
        let (_, text) = tree.0.iter().find(|(p, _)| *p == path).unwrap();
        let files = TreeFiles::new(tree);
        extract_in(kind, text.as_bytes(), Some((path, &files))).unwrap()
    }

    fn keys(deps: &[Dependency]) -> Vec<&str> {
        deps.iter().map(|d| d.key.as_str()).collect()
    }

    #[test]
    fn a_hidden_action_manifest_declares_nothing() {
        let action = "runs:\n  using: composite\n  steps:\n    - uses: actions/checkout@v4\n";
        let alone = Files(vec![("a/action.yaml", action)]);
        assert_eq!(
            keys(&in_tree(FileKind::GitHubAction, "a/action.yaml", &alone)),
            ["runs.actions/checkout"]
        );
        let both = Files(vec![("a/action.yaml", action), ("a/action.yml", action)]);
        assert!(in_tree(FileKind::GitHubAction, "a/action.yaml", &both).is_empty());
        assert_eq!(
            in_tree(FileKind::GitHubAction, "a/action.yml", &both).len(),
            1
        );
    }

    #[test]
    fn a_main_program_hides_the_inline_one_but_not_the_project_pins() {
        let project = "name: p\nruntime: yaml\nplugins:\n  providers:\n    - name: gcp\n      version: 7.0.0\nresources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: 6.0.0\n";
        let main =
            "resources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: 5.0.0\n";
        let alone = Files(vec![("p/Pulumi.yaml", project)]);
        let inline = in_tree(FileKind::PulumiProject, "p/Pulumi.yaml", &alone);
        assert!(keys(&inline).contains(&"plugin.aws"), "{inline:?}");
        let with_main = Files(vec![("p/Pulumi.yaml", project), ("p/Main.yaml", main)]);
        assert_eq!(
            keys(&in_tree(
                FileKind::PulumiProject,
                "p/Pulumi.yaml",
                &with_main
            )),
            ["plugins.providers.gcp"]
        );
        // The same identity in the file that replaces it.
        let program = in_tree(FileKind::PulumiProgram, "p/Main.yaml", &with_main);
        assert!(keys(&program).contains(&"plugin.aws"), "{program:?}");
        // `Main.json` is read only where there is no `Main.yaml`.
        let json = "{\"resources\": {}}";
        let three = Files(vec![("p/Main.yaml", main), ("p/Main.json", json)]);
        assert!(in_tree(FileKind::PulumiProgram, "p/Main.json", &three).is_empty());
    }

    #[test]
    fn an_unpacked_subchart_stands_for_its_archive() {
        let sub = "apiVersion: v2\nname: redis\nversion: 17.0.0\n";
        let tree = Files(vec![
            ("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            ("c/charts/redis/Chart.yaml", sub),
        ]);
        let deps = in_tree(FileKind::HelmChart, "c/charts/redis/Chart.yaml", &tree);
        assert_eq!(keys(&deps), ["archive.redis"]);
        assert!(is_unpacked_subchart(&deps[0]));
        assert_eq!(deps[0].version_str(), Some("17.0.0"));
        // Without a parent chart, `charts/<name>/` is a chart of its own.
        let top = Files(vec![("charts/redis/Chart.yaml", sub)]);
        assert!(in_tree(FileKind::HelmChart, "charts/redis/Chart.yaml", &top).is_empty());
        // An archive is no unpacked subchart.
        let archive = extract_at(
            FileKind::HelmArchive,
            b"x",
            Some("c/charts/redis-17.0.0.tgz"),
            None,
        );
        assert!(!is_unpacked_subchart(&archive.unwrap()[0]));
    }

    #[test]
    fn helm_requirements_are_a_charts_dependencies_beside_a_chart_yaml() {
        let requirements = "dependencies:\n  - name: redis\n    version: \"*\"\n    repository: https://evil.example.com/charts\n";
        let lock = "dependencies:\n- name: redis\n  repository: https://charts.bitnami.com/bitnami\n  version: 17.0.0\ndigest: sha256:00\n";
        let chart = Files(vec![
            ("c/Chart.yaml", "apiVersion: v1\nname: c\nversion: 1.0.0\n"),
            ("c/requirements.yaml", requirements),
            ("c/requirements.lock", lock),
        ]);
        let deps = in_tree(FileKind::AnsibleRequirements, "c/requirements.yaml", &chart);
        assert_eq!(keys(&deps), ["dependencies.redis"]);
        assert_eq!(
            deps[0].source_str(),
            Some("https://evil.example.com/charts/redis")
        );
        assert!(matches!(deps[0].pin, crate::model::PinState::Unpinned(_)));
        let deps = in_tree(FileKind::HelmLock, "c/requirements.lock", &chart);
        assert_eq!(keys(&deps), ["lock.redis"]);
        assert_eq!(
            FileKind::classify("c/requirements.lock"),
            Some(FileKind::HelmLock)
        );
        // No chart beside them: Ansible's requirements, another tool's lock.
        let ansible = Files(vec![
            (
                "roles/requirements.yaml",
                "- src: geerlingguy.docker\n  version: 7.1.0\n",
            ),
            (
                "py/requirements.lock",
                "# generated by rye\nboto3==1.34.0\n",
            ),
        ]);
        let deps = in_tree(
            FileKind::AnsibleRequirements,
            "roles/requirements.yaml",
            &ansible,
        );
        assert_eq!(deps[0].ecosystem, crate::model::Ecosystem::Ansible);
        assert!(in_tree(FileKind::HelmLock, "py/requirements.lock", &ansible).is_empty());
        // Helm reads `requirements.yaml` only, never `requirements.yml`.
        let yml = Files(vec![
            ("c/Chart.yaml", "apiVersion: v1\nname: c\nversion: 1.0.0\n"),
            (
                "c/requirements.yml",
                "- src: geerlingguy.docker\n  version: 7.1.0\n",
            ),
        ]);
        let deps = in_tree(FileKind::AnsibleRequirements, "c/requirements.yml", &yml);
        assert_eq!(deps[0].ecosystem, crate::model::Ecosystem::Ansible);
    }

    #[test]
    fn chart_templates_are_read_line_by_line_only_in_a_chart() {
        let template = "{{/* x */}}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx:latest\n";
        let chart = Files(vec![
            ("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            ("c/templates/sub/pod.yaml", template),
        ]);
        assert_eq!(
            keys(&in_tree(
                FileKind::CloudFormation,
                "c/templates/sub/pod.yaml",
                &chart
            )),
            ["template.image.a"]
        );
        let not_chart = Files(vec![("x/templates/pod.yaml", template)]);
        assert!(in_tree(FileKind::CloudFormation, "x/templates/pod.yaml", &not_chart).is_empty());
        // A plain template must still be a sound manifest.
        let broken = Files(vec![
            ("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            (
                "c/templates/pod.yaml",
                "apiVersion: v1\nkind: Pod\nspec:\n  containers: 3\n",
            ),
        ]);
        let files = TreeFiles::new(&broken);
        assert!(extract_in(
            FileKind::CloudFormation,
            b"apiVersion: v1\nkind: Pod\nspec:\n  containers: 3\n",
            Some(("c/templates/pod.yaml", &files))
        )
        .is_err());
    }

    #[test]
    fn yaml_and_json_that_are_not_text_are_not_templates() {
        assert_eq!(
            extract(FileKind::CloudFormation, b"\xff\xfe{\x00\"a\x00"),
            Ok(vec![])
        );
        assert!(extract(FileKind::PulumiProject, b"name: \xff").is_err());
    }

    const POINTER: &str = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 123\n";

    /// Every format blocks on a pointer, with the reason, at byte 0 (past
    /// a BOM): Dockerfiles, manifests and requirement files included, which
    /// would otherwise read it as a harmless line of text.
    #[test]
    fn an_lfs_pointer_is_an_error_for_every_format() {
        use FileKind::*;
        let kinds = [
            TerraformHcl,
            TerraformJson,
            TerraformLock,
            TerraformTest,
            TerraformStack,
            TerragruntJson,
            Terragrunt,
            CloudFormation,
            PulumiProject,
            PulumiProgram,
            PulumiPackages(Manifest::PackageJson),
            PulumiPackages(Manifest::Requirements),
            PulumiPackages(Manifest::PyProject),
            PulumiPackages(Manifest::GoMod),
            PulumiPackages(Manifest::GoWork),
            PulumiPackages(Manifest::GoSum),
            GitHubWorkflow,
            GitHubAction,
            GitLabCi,
            HelmChart,
            HelmLock,
            Kustomization,
            Dockerfile,
            Compose,
            AnsibleRequirements,
        ];
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(POINTER.as_bytes());
        let crlf = POINTER.replace('\n', "\r\n");
        let old_spec = POINTER.replace("git-lfs.github.com/spec", "hawser.github.com/spec");
        for kind in kinds {
            let err = extract(kind, POINTER.as_bytes()).unwrap_err();
            assert_eq!(err.offset, 0, "{kind:?}");
            assert!(
                err.message
                    .starts_with("a Git LFS pointer (oid sha256:4d7a"),
                "{kind:?}: {}",
                err.message
            );
            assert!(err.message.contains("size 123 bytes"), "{}", err.message);
            assert_eq!(extract(kind, &with_bom).unwrap_err().offset, 3, "{kind:?}");
            for text in [&crlf, &old_spec, &format!("\n  {POINTER}")] {
                let err = extract(kind, text.as_bytes()).unwrap_err();
                assert!(err.message.contains("Git LFS pointer"), "{kind:?} {text:?}");
            }
        }
    }

    #[test]
    fn text_that_only_looks_like_a_pointer_is_not_one() {
        for text in [
            "version: https://git-lfs.github.com/spec/v1\n",
            "versions https://git-lfs.github.com/spec/v1\n",
            "version https://example.com/spec/v1\n",
            "# version https://git-lfs.github.com/spec/v1\n",
            "",
        ] {
            assert_eq!(lfs_pointer(text.as_bytes()), None, "{text:?}");
        }
        assert!(lfs_pointer(b"version https://git-lfs.github.com/spec/v1").is_some());
    }

    #[test]
    fn classify_by_name() {
        use FileKind::*;
        let cases: &[(&str, Option<FileKind>)] = &[
            ("main.tf", Some(TerraformHcl)),
            ("stacks/net/main.tf", Some(TerraformHcl)),
            ("stacks/net/main.tofu", Some(TerraformHcl)),
            ("stacks/net/override.tf", Some(TerraformHcl)),
            ("foo.tf.json", Some(TerraformJson)),
            ("a/b/foo.tofu.json", Some(TerraformJson)),
            (".terraform.lock.hcl", Some(TerraformLock)),
            ("stacks/net/.terraform.lock.hcl", Some(TerraformLock)),
            ("x.tf.bak", None),
            ("x.tfvars", None),
            ("x.hcl", Some(Terragrunt)),
            ("live/prod/terragrunt.hcl", Some(Terragrunt)),
            ("_envcommon/vpc.hcl", Some(Terragrunt)),
            ("image.pkr.hcl", None),
            ("tests/vpc.tftest.hcl", Some(TerraformTest)),
            ("tests/vpc.tofutest.hcl", Some(TerraformTest)),
            ("tests/vpc.tftest.json", Some(TerraformTest)),
            ("stack/components.tfcomponent.hcl", Some(TerraformStack)),
            ("stack/components.tfstack.hcl", Some(TerraformStack)),
            ("stack/deployments.tfdeploy.hcl", Some(TerraformStack)),
            ("live/prod/terragrunt.hcl.json", Some(TerragruntJson)),
            ("live/prod/other.hcl.json", Some(CloudFormation)),
            ("main.TF", None),
            ("x.json", Some(CloudFormation)),
            ("stacks/net.template", Some(CloudFormation)),
            (".github/workflows/ci.yml", Some(GitHubWorkflow)),
            (".github/workflows/sub/ci.yml", Some(CloudFormation)),
            (".github/actions/setup/action.yml", Some(GitHubAction)),
            (".gitlab-ci.yml", Some(GitLabCi)),
            ("ci/deploy.gitlab-ci.yml", Some(GitLabCi)),
            (".gitlab/ci/build.yml", Some(GitLabCi)),
            ("charts/app/Chart.yaml", Some(HelmChart)),
            ("charts/app/Chart.lock", Some(HelmLock)),
            ("overlays/prod/kustomization.yaml", Some(Kustomization)),
            ("Kustomization", Some(Kustomization)),
            ("Dockerfile", Some(Dockerfile)),
            ("images/api.Dockerfile", Some(Dockerfile)),
            ("Dockerfile.dev", Some(Dockerfile)),
            ("Containerfile", Some(Dockerfile)),
            ("dockerfile", Some(Dockerfile)),
            ("compose.yaml", Some(Compose)),
            (
                "js/npm-shrinkwrap.json",
                Some(PulumiPackages(Manifest::PackageLock)),
            ),
            ("py/uv.lock", Some(PulumiPackages(Manifest::UvLock))),
            ("py/Pipfile.lock", Some(PulumiPackages(Manifest::PipfileLock))),
            ("docker-compose.prod.yml", Some(Compose)),
            ("composer.yaml", Some(Compose)),
            ("Dockerfile-prod", Some(Dockerfile)),
            ("build/prod-Dockerfile", Some(Dockerfile)),
            ("Dockerfile_dev", Some(Dockerfile)),
            ("docs/Dockerfile.md", None),
            ("docker-compose-dev.yml", Some(Compose)),
            ("ci/compose-prod.yaml", Some(Compose)),
            ("roles/requirements.yml", Some(AnsibleRequirements)),
            ("k8s/deployment.yaml", Some(CloudFormation)),
            ("Pulumi.yaml", Some(PulumiProject)),
            ("Main.json", Some(PulumiProgram)),
            (
                "app/package.json",
                Some(PulumiPackages(Manifest::PackageJson)),
            ),
            ("go.mod", Some(PulumiPackages(Manifest::GoMod))),
            ("go.work", Some(PulumiPackages(Manifest::GoWork))),
            ("app/go.sum", Some(PulumiPackages(Manifest::GoSum))),
            (
                "js/pnpm-workspace.yaml",
                Some(PulumiPackages(Manifest::PnpmWorkspace)),
            ),
            ("web/node_modules/@pulumi/aws/package.json", None),
            ("node_modules/x/deploy.yaml", None),
            ("node_modules/net/main.tf", Some(TerraformHcl)),
            ("a/node_modules/act/action.yml", Some(GitHubAction)),
            ("node_modules/k/kustomization.yaml", Some(Kustomization)),
            ("tf", None),
            (".tf", None),
            (".hidden.tf", None),
            ("dir.tf/", None),
            ("", None),
            (".terraform/modules/vpc/main.tf", Some(ToolCache)),
            ("stacks/net/.terraform/modules/vpc/main.tf", Some(ToolCache)),
            ("stacks/net/.terraform/modules/modules.json", Some(ToolCache)),
            (".tfdata/modules/modules.json", Some(ToolCache)),
            (
                "tfdata/providers/registry.terraform.io/hashicorp/aws/5.0.0/linux_amd64/p",
                Some(ToolCache),
            ),
            ("web/modules.json", Some(CloudFormation)),
            (
                "net/.terraform/providers/registry.terraform.io/hashicorp/null/3.2.2/linux_amd64/terraform-provider-null_v3.2.2_x5",
                Some(ToolCache),
            ),
            ("net/terraform.d/plugins/example.com/a/b/1.0.0/linux_amd64/p", Some(ToolCache)),
            ("stacks/.terraform/.terraform.lock.hcl", Some(ToolCache)),
            ("live/.terragrunt-cache/abc/def/main.tf", Some(ToolCache)),
            ("net/terraform.d/credentials.tfrc.json", Some(CloudFormation)),
            ("terraform/main.tf", Some(TerraformHcl)),
            ("my.terraform/main.tf", Some(TerraformHcl)),
        ];
        for (path, want) in cases {
            assert_eq!(FileKind::classify(path), *want, "{path}");
        }
    }

    #[test]
    fn pathspecs_cover_every_kind() {
        for suffix in [".tf", ".tofu", ".tf.json", ".tofu.json"] {
            assert!(PATHSPECS.contains(&format!(":(glob)**/*{suffix}").as_str()));
        }
        assert!(PATHSPECS.contains(&":(glob)**/.terraform.lock.hcl"));
    }

    #[test]
    fn gitattributes_that_change_checked_out_bytes_of_iac_files_block() {
        let blocks = [
            "*.tf working-tree-encoding=ISO-2022-JP\n",
            "* text=auto\n*.hcl ident\n",
            "[attr]jp working-tree-encoding=ISO-2022-JP\nmain.tf jp\n",
            "stacks/** working-tree-encoding=UTF-16\n",
        ];
        for text in blocks {
            let err = extract(FileKind::GitAttributes, text.as_bytes()).unwrap_err();
            assert!(
                err.message.contains("other bytes"),
                "{text}: {}",
                err.message
            );
        }
        let fine = [
            "* text=auto eol=lf\n*.png binary\n",
            "*.ps1 working-tree-encoding=UTF-16LE eol=CRLF\n",
            "*.tf -working-tree-encoding\n# *.tf ident\n",
            "*.tf filter=lfs diff=lfs merge=lfs -text\n",
        ];
        for text in fine {
            assert_eq!(
                extract(FileKind::GitAttributes, text.as_bytes()).unwrap(),
                vec![],
                "{text}"
            );
        }
    }

    #[test]
    fn invalid_utf8_before_a_nul_is_reported_first() {
        let bytes = b"module \"a\" {\xff\xfe\0 source = \"x\"\n}\n";
        let err = extract(FileKind::TerraformHcl, bytes).unwrap_err();
        assert_eq!(err.offset, 12);
        assert!(err.message.contains("UTF-8"), "{}", err.message);
    }

    #[test]
    fn binary_content_is_an_error_at_the_nul() {
        let bytes = b"module \"x\" {\n\0\0\x01\x02";
        let err = extract(FileKind::TerraformHcl, bytes).unwrap_err();
        assert_eq!(err.offset, 13);
        assert!(err.message.contains("binary"), "{}", err.message);
        for kind in [FileKind::TerraformJson, FileKind::TerraformLock] {
            assert_eq!(extract(kind, bytes).unwrap_err().offset, 13);
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_at_the_bad_byte() {
        let bytes = b"# caf\xe9\nmodule \"x\" {}\n";
        let err = extract(FileKind::TerraformHcl, bytes).unwrap_err();
        assert_eq!(err.offset, 5);
        assert!(err.message.contains("UTF-8"), "{}", err.message);
        // With a BOM the offset still points into the original bytes.
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(bytes);
        let err = extract(FileKind::TerraformJson, &with_bom).unwrap_err();
        assert_eq!(err.offset, 8);
    }

    #[test]
    fn empty_files() {
        assert_eq!(extract(FileKind::TerraformHcl, b"").unwrap(), vec![]);
        assert_eq!(extract(FileKind::TerraformLock, b"").unwrap(), vec![]);
        assert_eq!(extract(FileKind::TerraformHcl, BOM).unwrap(), vec![]);
        assert!(extract(FileKind::TerraformJson, b"").is_err());
    }

    const CRLF_MAIN: &str = "# networking\r\nmodule \"vpc\" {\r\n  source  = \"terraform-aws-modules/vpc/aws\"\r\n  version = \"5.5.0\"\r\n}\r\n";

    #[test]
    fn bom_and_crlf_keep_spans_in_original_bytes() {
        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(CRLF_MAIN.as_bytes());
        let deps = extract(FileKind::TerraformHcl, &bytes).unwrap();
        assert_eq!(deps.len(), 1);
        let dep = &deps[0];
        assert_eq!(dep.kind, Kind::Module);
        let version = dep.version.as_ref().unwrap();
        assert_eq!(version.value, "5.5.0");
        assert_eq!(&bytes[version.span.start..version.span.end], b"\"5.5.0\"");
        let source = dep.source.as_ref().unwrap();
        assert_eq!(
            &bytes[source.span.start..source.span.end],
            b"\"terraform-aws-modules/vpc/aws\""
        );
        assert_eq!(
            &bytes[dep.span.start..dep.span.end],
            b"module \"vpc\"".as_slice()
        );
        // What a caller does: decode lossily (the BOM stays a char) and ask line_col.
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(line_col(&text, dep.span.start), (2, 1));
        assert_eq!(line_col(&text, version.span.start), (4, 13));
    }

    #[test]
    fn bom_shifts_errors_too() {
        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(b"module \"x\" {\r\n  source = var.x\r\n}\r\n");
        let err = extract(FileKind::TerraformHcl, &bytes).unwrap_err();
        assert_eq!(&bytes[err.offset..err.offset + 5], b"var.x");

        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(b"{\"module\": {\"x\": {\"source\": 1}}}");
        let err = extract(FileKind::TerraformJson, &bytes).unwrap_err();
        assert_eq!(bytes[err.offset], b'1');
    }

    #[test]
    fn bom_json_and_lock() {
        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(
            b"{\r\n  \"module\": {\"vpc\": {\"source\": \"./vpc\"}}\r\n}\r\n".as_slice(),
        );
        let deps = extract(FileKind::TerraformJson, &bytes).unwrap();
        let source = deps[0].source.as_ref().unwrap();
        assert_eq!(&bytes[source.span.start..source.span.end], b"\"./vpc\"");

        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(
            b"provider \"registry.terraform.io/hashicorp/aws\" {\r\n  version = \"5.31.0\"\r\n}\r\n"
                .as_slice(),
        );
        let deps = extract(FileKind::TerraformLock, &bytes).unwrap();
        let version = deps[0].version.as_ref().unwrap();
        assert_eq!(&bytes[version.span.start..version.span.end], b"\"5.31.0\"");
    }

    #[test]
    fn hcl_and_json_agree() {
        let hcl = r#"
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = "~> 3.6"
  }
}

provider "google" {
  version = "4.0.0"
}

provider "google" {
  alias   = "west"
  version = "4.1.0"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.5.0"
}

module "local" {
  source = "./modules/local"
}
"#;
        let json = r#"{
  "//": "generated",
  "terraform": [{
    "required_version": ">= 1.5",
    "required_providers": {
      "aws": {"source": "hashicorp/aws", "version": "~> 5.0"},
      "random": "~> 3.6"
    }
  }],
  "provider": {
    "google": [{"version": "4.0.0"}, {"alias": "west", "version": "4.1.0"}]
  },
  "module": [
    {"vpc": {"source": "terraform-aws-modules/vpc/aws", "version": "5.5.0"}},
    {"local": [{"source": "./modules/local"}]}
  ]
}"#;
        type Fact = (Kind, String, String, Option<String>, Option<String>);
        fn facts(deps: Vec<Dependency>) -> Vec<Fact> {
            let mut v: Vec<_> = deps
                .into_iter()
                .map(|d| {
                    (
                        d.kind,
                        d.key.clone(),
                        d.name.clone(),
                        d.source_str().map(str::to_owned),
                        d.version_str().map(str::to_owned),
                    )
                })
                .collect();
            v.sort();
            v
        }
        let from_hcl = facts(extract(FileKind::TerraformHcl, hcl.as_bytes()).unwrap());
        let from_json = facts(extract(FileKind::TerraformJson, json.as_bytes()).unwrap());
        assert_eq!(from_hcl.len(), 6);
        assert_eq!(from_hcl, from_json);
    }

    /// Deeply nested input must come back as a value, never a stack overflow.
    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 10_000;
        let open = |c: &str| c.repeat(depth);
        let inputs: Vec<(FileKind, String)> = vec![
            (
                FileKind::TerraformHcl,
                format!("x = {}{}\n", open("["), open("]")),
            ),
            (
                FileKind::TerraformHcl,
                format!("x = {}1{}\n", open("("), open(")")),
            ),
            (FileKind::TerraformHcl, format!("x = {}\n", open("{a = "))),
            (
                FileKind::TerraformHcl,
                format!("x = \"{}\"\n", open("${\"")),
            ),
            (FileKind::TerraformHcl, format!("x = {}\n", open("-"))),
            (FileKind::TerraformHcl, format!("x = 1{}\n", open(" + 1"))),
            (FileKind::TerraformHcl, open("a {\n")),
            (FileKind::TerraformHcl, format!("x = {}1\n", open("!"))),
            (
                FileKind::TerraformHcl,
                format!("x = {}1\n", open("a ? b : ")),
            ),
            (
                FileKind::TerraformHcl,
                format!("x = {}1{}\n", open("f("), open(")")),
            ),
            (
                FileKind::TerraformHcl,
                format!("x = {}\n", open("[for x in ")),
            ),
            (FileKind::TerraformHcl, format!("x = a{}\n", open(".b[0]"))),
            (FileKind::TerraformHcl, format!("x = a{}\n", open("[*]"))),
            (
                FileKind::TerraformHcl,
                format!("x = \"{}\"\n", open("%{ if a }")),
            ),
            (FileKind::TerraformHcl, format!("x = {}1\n", open("a || "))),
            // Just under the inline threshold of bracket levels, then as deep
            // as the parser goes with levels the estimate does not count.
            (
                FileKind::TerraformHcl,
                format!("x = {}{}1\n", "[for x in ".repeat(15), open("!")),
            ),
            (
                FileKind::TerraformHcl,
                format!("x = {}{}1\n", "[for x in ".repeat(15), open("a ? b : -")),
            ),
            (
                FileKind::TerraformHcl,
                format!("module \"m\" {{\n  source = {}\n}}\n", open("[")),
            ),
            (
                FileKind::TerraformLock,
                format!("provider \"a\" {{\n  hashes = {}\n}}\n", open("[")),
            ),
            (
                FileKind::TerraformJson,
                format!("{}{}", open("["), open("]")),
            ),
            (
                FileKind::TerraformJson,
                format!("{{\"module\": {}", open("{\"a\": ")),
            ),
            (
                FileKind::TerraformJson,
                format!("{{\"module\": {}{}}}", open("["), open("]")),
            ),
        ];
        for (kind, input) in inputs {
            let _ = extract(kind, input.as_bytes());
        }
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            /// No input panics, and every span lies inside the input.
            #[test]
            fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                for kind in [
                    FileKind::TerraformHcl,
                    FileKind::TerraformJson,
                    FileKind::TerraformLock,
                    FileKind::TerraformTest,
                    FileKind::TerraformStack,
                    FileKind::TerragruntJson,
                ] {
                    match extract(kind, &bytes) {
                        Ok(deps) => for d in deps {
                            prop_assert!(d.span.start <= d.span.end && d.span.end <= bytes.len());
                        },
                        Err(e) => prop_assert!(e.offset <= bytes.len()),
                    }
                }
            }

            /// Generated code and Terragrunt's JSON map spans back into
            /// the file: never into the middle of a character.
            #[test]
            fn generated_and_json_spans_stay_on_characters(
                value in "[a-zé€\"${}\\\n ./?=-]{0,40}",
            ) {
                let heredoc = format!(
                    "generate \"g\" {{\n  path = \"g.tf\"\n  contents = <<-EOF\n    module \"m\" {{\n      source = \"é€{value}\"\n    }}\n  EOF\n}}\n"
                );
                let json = format!(
                    "{{\"terraform\": {{\"source\": {}}}}}",
                    serde_json::to_string(&format!("é€{value}")).unwrap()
                );
                for (kind, text) in [(FileKind::Terragrunt, heredoc), (FileKind::TerragruntJson, json)] {
                    match extract(kind, text.as_bytes()) {
                        Ok(deps) => for d in deps {
                            for span in [Some(d.span), d.source.as_ref().map(|s| s.span)].into_iter().flatten() {
                                prop_assert!(span.start <= span.end && span.end <= text.len());
                                prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
                            }
                        },
                        Err(e) => prop_assert!(text.is_char_boundary(e.offset)),
                    }
                }
            }

            #[test]
            fn never_panics_on_hcl_like_text(text in "[a-z\"{}=\\[\\]\\n $#/.*%~<>-]{0,200}") {
                let text = format!("module \"m\" {{\n{text}\n}}\nterraform {{\n required_providers {{\n{text}\n}}\n}}\n");
                for kind in [FileKind::TerraformHcl, FileKind::TerraformLock] {
                    if let Err(e) = extract(kind, text.as_bytes()) {
                        prop_assert!(e.offset <= text.len());
                    }
                }
            }
        }
    }
}
