//! CycloneDX 1.6 JSON (<https://cyclonedx.org/docs/1.6/json/>).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Component, Subject};
use crate::model::Kind;

const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

#[derive(Serialize)]
struct Bom<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<BomComponent<'a>>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    tools: Tools<'a>,
    component: BomComponent<'a>,
}

#[derive(Serialize)]
struct Tools<'a> {
    components: Vec<BomComponent<'a>>,
}

#[derive(Serialize)]
struct BomComponent<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence<'a>>,
}

impl<'a> BomComponent<'a> {
    fn new(ty: &'static str, name: &'a str) -> BomComponent<'a> {
        BomComponent {
            ty,
            bom_ref: None,
            name,
            version: None,
            hashes: Vec::new(),
            purl: None,
            properties: Vec::new(),
            evidence: None,
        }
    }
}

#[derive(Serialize)]
struct Hash<'a> {
    alg: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct Property<'a> {
    name: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct Evidence<'a> {
    occurrences: Vec<Occurrence<'a>>,
}

#[derive(Serialize)]
struct Occurrence<'a> {
    location: &'a str,
}

#[derive(Serialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

/// The root's `bom-ref`: component refs always hold an ecosystem field
/// and a `|`, so this one cannot collide with them.
const ROOT_REF: &str = "repository";

pub(super) fn render(subject: &Subject, components: &[Component]) -> String {
    let mut root = BomComponent::new("application", subject.name);
    root.bom_ref = Some(ROOT_REF.to_owned());
    root.version = subject.commit;
    let mut tool = BomComponent::new("application", "iacgate");
    tool.version = Some(subject.tool_version);
    let bom = Bom {
        schema: SCHEMA,
        bom_format: "CycloneDX",
        spec_version: "1.6",
        version: 1,
        metadata: Metadata {
            tools: Tools {
                components: vec![tool],
            },
            component: root,
        },
        components: components.iter().map(component).collect(),
        dependencies: vec![Dependency {
            reference: ROOT_REF.to_owned(),
            depends_on: components.iter().map(Component::bom_ref).collect(),
        }],
    };
    super::to_json(&bom)
}

fn component(c: &Component) -> BomComponent<'_> {
    let ty = match c.id.kind {
        Kind::Image => "container",
        _ => "library",
    };
    let mut out = BomComponent::new(ty, &c.name);
    out.bom_ref = Some(c.bom_ref());
    out.version = c.id.version.as_deref();
    out.hashes = c
        .sha256
        .iter()
        .map(|hex| Hash {
            alg: "SHA-256",
            content: hex,
        })
        .collect();
    out.purl = c.purl.as_deref();
    out.properties = properties(c);
    out.evidence = Some(Evidence {
        occurrences: c
            .files
            .iter()
            .map(|path| Occurrence { location: path })
            .collect(),
    });
    out
}

/// iacgate's own facts, in the `iacgate:` namespace, sorted.
fn properties(c: &Component) -> Vec<Property<'_>> {
    let mut properties = vec![
        Property {
            name: "iacgate:ecosystem",
            value: c.id.ecosystem.as_str(),
        },
        Property {
            name: "iacgate:kind",
            value: c.id.kind.as_str(),
        },
    ];
    properties.extend(each("iacgate:constraint", &c.constraints));
    properties.extend(c.other_hashes.iter().map(|hash| Property {
        name: if hash.starts_with("h1:") {
            "iacgate:h1"
        } else {
            "iacgate:hash"
        },
        value: hash,
    }));
    properties.extend(each("iacgate:source", &c.sources));
    properties.extend(each("iacgate:version-comment", &c.comments));
    properties.sort_by(|a, b| (a.name, a.value).cmp(&(b.name, b.value)));
    properties
}

fn each<'c>(
    name: &'static str,
    values: &'c BTreeSet<String>,
) -> impl Iterator<Item = Property<'c>> {
    values.iter().map(move |value| Property { name, value })
}
