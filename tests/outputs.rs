//! Whole-tree outputs: `scan`, `sbom` (CycloneDX, SPDX) and SARIF, on a
//! fixture tree, checked by the formats' own validators (installed from
//! npm and PyPI under target/).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::{TestRepo, SHA};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A small infrastructure repository with one problem of each state rule.
fn fixture_tree() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        ".iacgate.toml",
        "[allow]\nmodules = [\"terraform-aws-modules/*\"]\n",
    );
    repo.write(
        "stacks/net/main.tf",
        &format!(
            "module \"vpc\" {{\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"~> 5.0\"\n}}\n\n\
             module \"dns\" {{\n  source = \"git::https://github.com/acme/tf-dns.git?ref={SHA}\"\n}}\n\n\
             module \"pinned\" {{\n  source  = \"terraform-aws-modules/s3-bucket/aws\"\n  version = \"4.1.2\"\n}}\n"
        ),
    );
    repo.write(
        "stacks/net/versions.tf",
        "terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"~> 5.0\"\n    }\n    random = {\n      source  = \"hashicorp/random\"\n      version = \"~> 3.6\"\n    }\n  }\n}\n",
    );
    repo.write(
        "stacks/net/.terraform.lock.hcl",
        "provider \"registry.terraform.io/hashicorp/aws\" {\n  version     = \"5.31.0\"\n  constraints = \"~> 5.0\"\n  hashes = [\n    \"h1:Q1pbsNDjqDmJ0ZdLkuFdnqdnv6UQUvfPtLPPDgUcaAA=\",\n    \"zh:0f8b8c2b3a1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f\",\n  ]\n}\n",
    );
    repo.write("stacks/broken/main.tf", "module \"x\" {\n  source = \n}\n");
    repo.write(
        ".github/workflows/ci.yml",
        &format!(
            "on: push\npermissions: write-all\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA} # v4.2.2\n      - uses: hashicorp/setup-terraform@v3\n"
        ),
    );
    repo.write(
        "Dockerfile",
        &format!("FROM golang:1.23@{DIGEST} AS build\nRUN make\n\nFROM alpine:3.20\nCOPY --from=build /app /app\n"),
    );
    repo.write("README.md", "# infra\n");
    repo.commit_all("infrastructure");
    repo
}

#[test]
fn scan_lists_exactly_the_problems_of_the_tree() {
    let repo = fixture_tree();
    let run = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let mut found = run.rules();
    found.sort();
    let mut want: Vec<(String, String, u64)> = [
        (".github/workflows/ci.yml", "pipeline-permissions", 2),
        (".github/workflows/ci.yml", "unpinned", 8),
        ("Dockerfile", "unpinned", 4),
        ("stacks/broken/main.tf", "parse-error", 2),
        ("stacks/net/main.tf", "not-allowed", 7),
        ("stacks/net/main.tf", "unpinned", 3),
        ("stacks/net/versions.tf", "lock-mismatch", 8),
    ]
    .iter()
    .map(|(file, rule, line)| ((*rule).to_owned(), (*file).to_owned(), *line))
    .collect();
    want.sort();
    assert_eq!(found, want, "{}", run.stdout);

    // The same tree from a revision, and from a directory on disk.
    let rev = repo.iacgate(&["scan", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(rev.rules().len(), want.len(), "{}", rev.stdout);
    let dir = repo.iacgate(&["scan", ".", "--format", "json"]);
    assert_eq!(dir.rules().len(), want.len(), "{}", dir.stdout);
}

#[test]
fn scan_of_a_clean_tree_passes() {
    let repo = TestRepo::new();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.5.0\"\n}\n",
    )
    .commit_all("pinned");
    let run = repo.iacgate(&["scan"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("ok (1 IaC file)"), "{}", run.stderr);
}

#[test]
fn sbom_is_byte_identical_for_the_same_commit_and_works_in_a_bare_repository() {
    let repo = fixture_tree();
    for format in ["cyclonedx", "spdx"] {
        let first = repo.iacgate(&["sbom", "--format", format]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        // A file that does not parse is named, not silently dropped.
        assert!(
            first.stderr.contains("stacks/broken/main.tf:2:"),
            "{}",
            first.stderr
        );
        let second = repo.iacgate(&["sbom", "--format", format]);
        assert_eq!(first.stdout, second.stdout, "{format} differs between runs");
    }
    let cdx = repo.iacgate(&["sbom", "--format", "cyclonedx"]).json();
    let purls: Vec<&str> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    for want in [
        "pkg:terraform/hashicorp/aws@5.31.0",
        "pkg:terraform/terraform-aws-modules/s3-bucket/aws@4.1.2",
        &format!("pkg:github/actions/checkout@{SHA}"),
        &format!("pkg:github/acme/tf-dns@{SHA}"),
    ] {
        assert!(purls.contains(&want), "{want} not in {purls:?}");
    }
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(cdx["metadata"]["component"]["version"], head.trim());

    // The same commit, pushed to a bare repository: the same components.
    let bare = repo.bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    let out = Command::new(crate::util::bin())
        .args(["sbom", "--rev", "main", "--format", "cyclonedx"])
        .current_dir(bare.path())
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_bare: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_bare["components"], cdx["components"]);
}

// ---- the formats' own validators --------------------------------------

const SARIF_MULTITOOL: &str = "@microsoft/sarif-multitool@5.7.0";
const CYCLONEDX_LIB: &str = "cyclonedx-python-lib[json-validation]==11.12.0";
const SPDX_TOOLS: &str = "spdx-tools==0.8.5";

fn target_tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The SARIF multitool's executable, installed from npm once.
fn sarif_multitool() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let dir = target_tmp().join("sarif-multitool");
        let exe = dir.join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
        if !exe.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            let status = Command::new("npm")
                .args(["install", "-q", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(SARIF_MULTITOOL)
                .status()
                .expect("npm is needed to validate SARIF");
            assert!(status.success(), "npm install {SARIF_MULTITOOL} failed");
        }
        // npm may skip the package's postinstall, which makes it executable.
        use std::os::unix::fs::PermissionsExt;
        let mut perms = std::fs::metadata(&exe)
            .expect("Sarif.Multitool")
            .permissions();
        perms.set_mode(0o755);
        std::fs::set_permissions(&exe, perms).unwrap();
        exe
    })
}

/// A venv with the CycloneDX and SPDX validators, installed from PyPI once.
fn python_validators() -> &'static PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let venv = target_tmp().join("sbom-venv");
        let bin = venv.join("bin");
        if !bin.join("pyspdxtools").exists() {
            let status = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 is needed to validate SBOMs");
            assert!(status.success());
            let status = Command::new(bin.join("pip"))
                .args(["install", "-q", CYCLONEDX_LIB, SPDX_TOOLS])
                .status()
                .expect("pip");
            assert!(
                status.success(),
                "pip install {CYCLONEDX_LIB} {SPDX_TOOLS} failed"
            );
        }
        bin
    })
}

fn write_out(name: &str, text: &str) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn validate_sarif(path: &Path) {
    let out = Command::new(sarif_multitool())
        .args(["validate"])
        .arg(path)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains(": error ") && !text.contains(": warning "),
        "the SARIF validator reports problems:\n{text}"
    );
}

#[test]
fn sarif_of_check_and_scan_validates() {
    let repo = fixture_tree();
    let scan = repo.iacgate(&["scan", "--format", "sarif"]);
    assert_eq!(scan.code, 1);
    validate_sarif(&write_out("scan.sarif", &scan.stdout));

    repo.write(
        "stacks/net/main.tf",
        &repo.read("stacks/net/main.tf").replace("4.1.2", "4.2.0"),
    )
    .commit_all("bump s3-bucket");
    let check = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "sarif"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let sarif = check.json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 12);
    assert!(region["endColumn"].as_u64() > region["startColumn"].as_u64());
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let version_change = rules.iter().find(|r| r["id"] == "version-change").unwrap();
    let tags: Vec<&str> = version_change["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.contains(&"nist-ssdf/PW.4.4") && tags.contains(&"cis-sscs/1.1.3"),
        "{tags:?}"
    );
    validate_sarif(&write_out("check.sarif", &check.stdout));
}

#[test]
fn sbom_documents_validate() {
    let repo = fixture_tree();
    let bin = python_validators();
    let cdx = repo.iacgate(&["sbom", "--format", "cyclonedx"]);
    let path = write_out("sbom.cdx.json", &cdx.stdout);
    let script = "import sys\n\
        from cyclonedx.validation.json import JsonStrictValidator\n\
        from cyclonedx.schema import SchemaVersion\n\
        error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
        print(error if error is not None else 'valid')\n\
        sys.exit(1 if error is not None else 0)\n";
    let out = Command::new(bin.join("python"))
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "CycloneDX 1.6 validation failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let spdx = repo.iacgate(&["sbom", "--format", "spdx"]);
    let path = write_out("sbom.spdx.json", &spdx.stdout);
    let out = Command::new(bin.join("pyspdxtools"))
        .arg("-i")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "SPDX 2.3 validation failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
