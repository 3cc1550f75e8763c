//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).

use std::io::Write;

use iacgate_core::finding::{Finding, Severity};
use iacgate_core::rules::{self, Level};
use serde::Serialize;

use super::Report;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool,
    /// `verify` only: its pins that could not be checked, as tool
    /// execution notifications.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation<'a>>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// `security`, `supply-chain`, and the controls the rule serves
    /// (`nist-ssdf/PW.4.4`, `cis-sscs/3.1.7`: docs/compliance.md).
    tags: Vec<String>,
    /// GitHub code scanning ranks security alerts by this (0.0-10.0).
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    /// Stable across line moves: rule, file, dependency and new value.
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: &'a str,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "iacgate/v1")]
    iacgate: String,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    blocking: bool,
    needs_signoff: bool,
    signed_off: bool,
}

/// Where a code-scanning user reads about the tool: the project's home
/// (Cargo.toml `repository`).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

fn tags(rule: &str) -> Vec<String> {
    let controls = rules::controls(rule);
    ["security".to_owned(), "supply-chain".to_owned()]
        .into_iter()
        .chain(controls.ssdf.iter().map(|id| format!("nist-ssdf/{id}")))
        .chain(controls.cis.iter().map(|id| format!("cis-sscs/{id}")))
        .collect()
}

/// The "What it does" section of a rule's page, as one paragraph.
fn what_it_does(doc: &str) -> Option<String> {
    let (_, rest) = doc.split_once("## What it does\n")?;
    let section = rest.split("\n## ").next()?;
    let text = section.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Block | Level::SignOff => "error",
        Level::Warn => "warning",
    }
}

/// A rule's SARIF `name`: its id in PascalCase, never equal to the id
/// (validators require the two to differ, case aside).
fn display_name(id: &str) -> String {
    let name = title_case(id);
    if name.eq_ignore_ascii_case(id) {
        format!("{name}Dependency")
    } else {
        name
    }
}

fn title_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// FNV-1a, 64 bits: a stable fingerprint without a hashing dependency.
fn fingerprint(finding: &Finding) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let parts = [
        finding.rule.name,
        finding.file.as_str(),
        finding.kind.as_str(),
        finding.name.as_str(),
        finding.new.as_deref().unwrap_or_default(),
    ];
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

pub fn write(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let rules: Vec<Rule> = rules::ALL
        .iter()
        .map(|rule| Rule {
            id: rule.name,
            name: display_name(rule.name),
            short_description: Text {
                text: rule.summary.to_owned(),
            },
            full_description: Text {
                text: what_it_does(rule.doc).unwrap_or_else(|| rule.summary.to_owned()),
            },
            help: Help {
                text: rule.doc,
                markdown: rule.doc,
            },
            default_configuration: Configuration {
                level: level_name(rule.level),
            },
            properties: RuleProperties {
                tags: tags(rule.name),
                security_severity: match rule.level {
                    Level::Block => "8.0",
                    Level::SignOff => "6.0",
                    Level::Warn => "3.0",
                },
            },
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.rule.name,
            rule_index: rules::ALL
                .iter()
                .position(|r| r.name == f.rule.name)
                .unwrap_or(0),
            level: match f.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            },
            message: Text {
                text: if f.help.is_empty() {
                    f.message.clone()
                } else {
                    format!("{}\n{}", f.message, f.help)
                },
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: &f.file,
                        uri_base_id: "%SRCROOT%",
                    },
                    region: Region {
                        start_line: f.line,
                        start_column: f.column,
                        end_column: f.end_column,
                    },
                },
            }],
            partial_fingerprints: Fingerprints {
                iacgate: fingerprint(f),
            },
            suppressions: if f.suppressed {
                vec![Suppression { kind: "inSource" }]
            } else {
                Vec::new()
            },
            properties: ResultProperties {
                kind: f.kind.as_str(),
                name: &f.name,
                source: f.source.as_deref(),
                old: f.old.as_deref(),
                new: f.new.as_deref(),
                commit: f.commit.as_deref(),
                blocking: f.is_blocking(),
                needs_signoff: f.needs_signoff(),
                signed_off: f.signed_off,
            },
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "iacgate",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: report
                .unchecked
                .map(|list| {
                    vec![Invocation {
                        execution_successful: true,
                        tool_execution_notifications: list
                            .iter()
                            .map(|u| Notification {
                                level: "warning",
                                message: Text {
                                    text: format!(
                                        "{} ({}) was not checked: {}",
                                        u.name, u.remote, u.reason
                                    ),
                                },
                                locations: [Location {
                                    physical_location: PhysicalLocation {
                                        artifact_location: ArtifactLocation {
                                            uri: &u.file,
                                            uri_base_id: "%SRCROOT%",
                                        },
                                        region: Region {
                                            start_line: u.line,
                                            start_column: u.column,
                                            end_column: None,
                                        },
                                    },
                                }],
                            })
                            .collect(),
                    }]
                })
                .unwrap_or_default(),
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
