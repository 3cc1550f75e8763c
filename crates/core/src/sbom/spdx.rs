//! SPDX 2.3 JSON (<https://spdx.github.io/spdx-spec/v2.3/>).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{fnv1a, purl, Component, Subject};
use crate::model::Kind;

const NOASSERTION: &str = "NOASSERTION";
/// Used when [`Subject::created`] is absent, so that output is reproducible.
const EPOCH: &str = "1970-01-01T00:00:00Z";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
/// Package ids of components always end in `-<16 hex>`; this one does not.
const ROOT_ID: &str = "SPDXRef-Repository";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: &'a str,
    document_namespace: String,
    creation_info: CreationInfo<'a>,
    packages: Vec<Package<'a>>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct CreationInfo<'a> {
    created: &'a str,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package<'a> {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<&'a str>,
    download_location: &'a str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum<'a>>,
    license_concluded: &'static str,
    license_declared: &'static str,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef<'a>>,
    primary_package_purpose: &'static str,
}

impl<'a> Package<'a> {
    fn new(spdx_id: String, name: &'a str) -> Package<'a> {
        Package {
            spdx_id,
            name,
            version_info: None,
            download_location: NOASSERTION,
            files_analyzed: false,
            checksums: Vec::new(),
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION,
            copyright_text: NOASSERTION,
            source_info: None,
            comment: None,
            external_refs: Vec::new(),
            primary_package_purpose: "LIBRARY",
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum<'a> {
    algorithm: &'static str,
    checksum_value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef<'a> {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

pub(super) fn render(subject: &Subject, components: &[Component]) -> String {
    let name = match subject.name.trim() {
        "" => "repository",
        name => name,
    };
    let mut root = Package::new(ROOT_ID.to_owned(), name);
    root.version_info = subject.commit;
    root.primary_package_purpose = "SOURCE";
    let ids = package_ids(components);
    let mut packages = vec![root];
    packages.extend(components.iter().zip(&ids).map(|(c, id)| package(c, id)));
    let mut relationships = vec![Relationship {
        spdx_element_id: DOCUMENT_ID.to_owned(),
        relationship_type: "DESCRIBES",
        related_spdx_element: ROOT_ID.to_owned(),
    }];
    relationships.extend(ids.iter().map(|id| Relationship {
        spdx_element_id: ROOT_ID.to_owned(),
        relationship_type: "DEPENDS_ON",
        related_spdx_element: id.clone(),
    }));
    let document = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: DOCUMENT_ID,
        name,
        document_namespace: namespace(name, subject.commit, components),
        creation_info: CreationInfo {
            created: subject.created.unwrap_or(EPOCH),
            creators: vec![format!("Tool: iacgate-{}", subject.tool_version)],
        },
        packages,
        relationships,
    };
    super::to_json(&document)
}

/// `https://spdx.org/spdxdocs/iacgate/NAME-COMMIT`, or with a hash of the
/// components in place of the commit: the same tree, the same namespace;
/// another tree, another.
fn namespace(name: &str, commit: Option<&str>, components: &[Component]) -> String {
    let tail = match commit.map(str::trim).filter(|c| !c.is_empty()) {
        Some(commit) => purl::encode(commit),
        None => {
            let mut contents = String::new();
            for c in components {
                contents.push_str(&c.bom_ref());
                for file in &c.files {
                    contents.push('\n');
                    contents.push_str(file);
                }
                contents.push('\n');
            }
            format!("content-{:016x}", fnv1a(&contents))
        }
    };
    format!(
        "https://spdx.org/spdxdocs/iacgate/{}-{tail}",
        purl::encode(name)
    )
}

/// `SPDXRef-<name>-<version>-<hash of the bom-ref>`: readable, only
/// `[A-Za-z0-9.-]`, stable, and unique (a clash of hashes gets a suffix).
fn package_ids(components: &[Component]) -> Vec<String> {
    let mut used = BTreeSet::new();
    components
        .iter()
        .map(|c| {
            let mut readable = c.name.clone();
            if let Some(version) = &c.id.version {
                readable.push('-');
                readable.push_str(version);
            }
            let base = format!(
                "SPDXRef-{}-{:016x}",
                id_text(&readable),
                fnv1a(&c.bom_ref())
            );
            let mut id = base.clone();
            let mut n = 2;
            while !used.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            id
        })
        .collect()
}

/// Runs of characters outside `[A-Za-z0-9.]` as one `-`, at most 60 long.
fn id_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches('-');
    match out {
        "" => "package".to_owned(),
        out => out.to_owned(),
    }
}

fn package<'c>(c: &'c Component, id: &str) -> Package<'c> {
    let mut package = Package::new(id.to_owned(), &c.name);
    package.version_info = c.id.version.as_deref();
    if let Some(download) = &c.download {
        package.download_location = download;
    }
    package.checksums = c
        .sha256
        .iter()
        .map(|hex| Checksum {
            algorithm: "SHA256",
            checksum_value: hex,
        })
        .collect();
    let files: Vec<&str> = c.files.iter().map(String::as_str).collect();
    package.source_info = Some(format!("declared in {}", files.join(", ")));
    package.comment = Some(comment(c));
    if let Some(purl) = &c.purl {
        package.external_refs.push(ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: purl,
        });
    }
    if c.id.kind == Kind::Image {
        package.primary_package_purpose = "CONTAINER";
    }
    package
}

/// The facts CycloneDX carries as properties, one `name: value` per line
/// with the same names (`iacgate:h1: h1:...`).
fn comment(c: &Component) -> String {
    let mut lines = vec![
        format!("iacgate:ecosystem: {}", c.id.ecosystem.as_str()),
        format!("iacgate:kind: {}", c.id.kind.as_str()),
    ];
    let mut add = |name: &str, values: &BTreeSet<String>| {
        lines.extend(values.iter().map(|v| format!("{name}: {v}")));
    };
    add("iacgate:constraint", &c.constraints);
    add("iacgate:source", &c.sources);
    add("iacgate:version-comment", &c.comments);
    for hash in &c.other_hashes {
        let name = if hash.starts_with("h1:") {
            "iacgate:h1"
        } else {
            "iacgate:hash"
        };
        lines.push(format!("{name}: {hash}"));
    }
    lines.join("\n")
}
