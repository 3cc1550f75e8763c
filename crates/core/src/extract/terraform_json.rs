//! Terraform/OpenTofu JSON syntax (`*.tf.json`, `*.tofu.json`).
//!
//! The same declarations as the native syntax, with the same keys:
//! `{"module": {"vpc": {"source": ..., "version": ...}}}`,
//! `{"terraform": {"required_providers": {"aws": {...} | "~> 5.0"}}}`,
//! `{"provider": {"aws": {...} | [{...}, {"alias": "east", ...}]}}`.
//! Wherever Terraform takes an object of blocks it also takes an array of
//! such objects, and `"//"` properties are comments.

use jsonc_parser::ast::{Object, ObjectProp, ObjectPropName, StringLit, Value};
use jsonc_parser::common::Ranged;

use super::{parse_strict_json, Deps};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, Span, Spanned};

/// Terraform JSON -> dependencies (offsets into `text`).
pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let parsed = parse_strict_json(text)?;
    let root = match &parsed {
        Some(Value::Object(root)) => root,
        Some(other) => {
            return Err(ExtractError::new(
                "a Terraform JSON file must hold one JSON object",
                other.start(),
            ))
        }
        None => {
            return Err(ExtractError::new(
                "empty file: a Terraform JSON file must hold one JSON object",
                0,
            ))
        }
    };
    let mut deps = Deps::default();
    for prop in &root.properties {
        match name(prop) {
            "module" => modules(&prop.value, &mut deps)?,
            "terraform" => terraform(&prop.value, &mut deps)?,
            "provider" => providers(&prop.value, &mut deps)?,
            _ => {}
        }
    }
    Ok(deps.finish())
}

fn name<'p>(prop: &'p ObjectProp) -> &'p str {
    match &prop.name {
        ObjectPropName::String(lit) => &lit.value,
        ObjectPropName::Word(word) => word.value,
    }
}

fn name_span(prop: &ObjectProp) -> Span {
    match &prop.name {
        ObjectPropName::String(lit) => span(lit),
        ObjectPropName::Word(word) => span(word),
    }
}

fn span(node: &impl Ranged) -> Span {
    Span::new(node.start(), node.end())
}

/// Properties that are not `"//"` comments.
fn props<'o, 'a>(object: &'o Object<'a>) -> impl Iterator<Item = &'o ObjectProp<'a>> {
    object.properties.iter().filter(|prop| name(prop) != "//")
}

/// A block-type value: an object, or an array of objects.
fn objects<'v, 'a>(value: &'v Value<'a>, what: &str) -> Result<Vec<&'v Object<'a>>, ExtractError> {
    match value {
        Value::Object(object) => Ok(vec![object]),
        Value::Array(array) => array
            .elements
            .iter()
            .map(|element| match element {
                Value::Object(object) => Ok(object),
                other => Err(not_an_object(other, what)),
            })
            .collect(),
        other => Err(not_an_object(other, what)),
    }
}

fn not_an_object(value: &Value, what: &str) -> ExtractError {
    ExtractError::new(
        format!("{what} must be a JSON object (or an array of objects)"),
        value.start(),
    )
}

/// The bodies of the blocks with one label `prop`: `"vpc": {...}` is one
/// block whose declaration span is the label; `"vpc": [{...}, {...}]` is one
/// block per element, each spanning its object.
fn labelled_bodies<'p, 'a>(
    prop: &'p ObjectProp<'a>,
    what: &str,
) -> Result<Vec<(&'p Object<'a>, Span)>, ExtractError> {
    Ok(match &prop.value {
        Value::Object(body) => vec![(body, name_span(prop))],
        value => objects(value, what)?
            .into_iter()
            .map(|body| (body, span(body)))
            .collect(),
    })
}

/// The string value of property `key` of a block body, if present. It must
/// be a plain string: not another JSON type, not given twice, and without
/// template sequences (`${`, `%{`), which Terraform would not take literally.
fn string(body: &Object, key: &str, owner: &str) -> Result<Option<Spanned<String>>, ExtractError> {
    let mut found = None;
    for prop in body.properties.iter().filter(|prop| name(prop) == key) {
        if found.is_some() {
            return Err(ExtractError::new(
                format!("{owner}: {key} is given twice"),
                name_span(prop).start,
            ));
        }
        found = Some(literal(&prop.value, &format!("{owner}: {key}"))?);
    }
    Ok(found)
}

fn literal(value: &Value, subject: &str) -> Result<Spanned<String>, ExtractError> {
    match value {
        Value::StringLit(lit) if is_plain(lit) => Ok(Spanned::new(lit.value.to_string(), span(lit))),
        Value::StringLit(lit) => Err(ExtractError::new(
            format!("{subject} must be a literal string (Terraform does not allow template sequences like ${{...}} here)"),
            lit.start(),
        )),
        other => Err(ExtractError::new(
            format!("{subject} must be a JSON string"),
            other.start(),
        )),
    }
}

fn is_plain(lit: &StringLit) -> bool {
    !lit.value.contains("${") && !lit.value.contains("%{")
}

/// A test file in JSON (`*.tftest.json`, `*.tofutest.json`):
/// `{"run": {"NAME": {"module": {"source": ..., "version": ...}}}}`, keyed
/// as the native form (`run.NAME.module`).
pub(super) fn extract_test(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let parsed = parse_strict_json(text)?;
    let root = match &parsed {
        Some(Value::Object(root)) => root,
        Some(other) => {
            return Err(ExtractError::new(
                "a Terraform test file in JSON must hold one JSON object",
                other.start(),
            ))
        }
        None => return Ok(Vec::new()),
    };
    let mut deps = Deps::default();
    for prop in props(root).filter(|prop| name(prop) == "run") {
        for runs in objects(&prop.value, "\"run\"")? {
            for run in props(runs) {
                let label = name(run);
                let owner = format!("run \"{label}\": module");
                for (body, _) in labelled_bodies(run, &owner)? {
                    let modules: Vec<&ObjectProp> =
                        props(body).filter(|prop| name(prop) == "module").collect();
                    let module = match modules.as_slice() {
                        [] => continue,
                        [one] => *one,
                        [_, second, ..] => {
                            return Err(ExtractError::new(
                                format!(
                                "run \"{label}\": a second module block (Terraform rejects this)"
                            ),
                                name_span(second).start,
                            ))
                        }
                    };
                    let bodies = objects(&module.value, &owner)?;
                    let [module_body] = bodies.as_slice() else {
                        return Err(ExtractError::new(
                            format!("run \"{label}\": one module block"),
                            name_span(module).start,
                        ));
                    };
                    let mut dep = Dependency::new(
                        Ecosystem::Terraform,
                        Kind::Module,
                        format!("run.{label}.module"),
                        format!("run.{label}"),
                        name_span(module),
                    );
                    dep.source = string(module_body, "source", &owner)?;
                    dep.version = string(module_body, "version", &owner)?;
                    deps.push(dep, |_| {
                        format!("duplicate run \"{label}\": a run block name must be unique in its test file (Terraform rejects this)")
                    })?;
                }
            }
        }
    }
    Ok(deps.finish())
}

fn modules(value: &Value, deps: &mut Deps) -> Result<(), ExtractError> {
    for object in objects(value, "\"module\"")? {
        for prop in props(object) {
            let label = name(prop);
            let owner = format!("module \"{label}\"");
            for (body, at) in labelled_bodies(prop, &owner)? {
                let mut dep = Dependency::new(
                    Ecosystem::Terraform,
                    Kind::Module,
                    format!("module.{label}"),
                    label.to_owned(),
                    at,
                );
                dep.source = string(body, "source", &owner)?;
                dep.version = string(body, "version", &owner)?;
                deps.push(dep, |_| {
                    format!("duplicate module \"{label}\": a module call name must be unique (Terraform rejects this)")
                })?;
            }
        }
    }
    Ok(())
}

fn terraform(value: &Value, deps: &mut Deps) -> Result<(), ExtractError> {
    for object in objects(value, "\"terraform\"")? {
        for requirements in object
            .properties
            .iter()
            .filter(|prop| name(prop) == "required_providers")
        {
            for entries in objects(&requirements.value, "\"required_providers\"")? {
                for prop in props(entries) {
                    required_provider(prop, deps)?;
                }
            }
        }
    }
    Ok(())
}

fn required_provider(prop: &ObjectProp, deps: &mut Deps) -> Result<(), ExtractError> {
    let local_name = name(prop);
    let owner = format!("required_providers \"{local_name}\"");
    let mut dep = Dependency::new(
        Ecosystem::Terraform,
        Kind::Provider,
        format!("provider.{local_name}"),
        local_name.to_owned(),
        name_span(prop),
    );
    match &prop.value {
        // Legacy shorthand `"aws": "~> 5.0"`: a version constraint only.
        Value::StringLit(_) => {
            dep.version = Some(literal(&prop.value, &format!("{owner}: version"))?);
        }
        Value::Object(entry) => {
            dep.source = string(entry, "source", &owner)?;
            dep.version = string(entry, "version", &owner)?;
        }
        other => {
            return Err(ExtractError::new(
                format!(
                    "{owner} must be an object {{\"source\": \"...\", \"version\": \"...\"}} \
                     or a version string"
                ),
                other.start(),
            ))
        }
    }
    deps.push(dep, |_| {
        format!("duplicate required provider \"{local_name}\" (Terraform rejects this)")
    })
}

/// Legacy provider configurations with a `version`; others are skipped.
fn providers(value: &Value, deps: &mut Deps) -> Result<(), ExtractError> {
    for object in objects(value, "\"provider\"")? {
        for prop in props(object) {
            let provider = name(prop);
            let owner = format!("provider \"{provider}\"");
            for (body, at) in labelled_bodies(prop, &owner)? {
                let Some(version) = string(body, "version", &owner)? else {
                    continue;
                };
                let alias = string(body, "alias", &owner)?;
                let key = match &alias {
                    Some(alias) => format!("provider-block.{provider}.{}", alias.value),
                    None => format!("provider-block.{provider}"),
                };
                let mut dep = Dependency::new(
                    Ecosystem::Terraform,
                    Kind::Provider,
                    key,
                    provider.to_owned(),
                    at,
                );
                dep.version = Some(version);
                deps.push(dep, |_| match &alias {
                    Some(alias) => format!(
                        "duplicate provider configuration \"{provider}\" with alias \"{}\" (Terraform rejects this)",
                        alias.value
                    ),
                    None => format!(
                        "duplicate default provider configuration \"{provider}\" (Terraform rejects this)"
                    ),
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::line_col;

    type Fact = (Kind, String, String, Option<String>, Option<String>);

    fn facts(text: &str) -> Vec<Fact> {
        extract(text)
            .unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
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
            .collect()
    }

    fn fact(
        kind: Kind,
        key: &str,
        name: &str,
        source: Option<&str>,
        version: Option<&str>,
    ) -> Fact {
        (
            kind,
            key.to_owned(),
            name.to_owned(),
            source.map(str::to_owned),
            version.map(str::to_owned),
        )
    }

    const MAIN_TF_JSON: &str = r#"{
  "//": "Generated by cdktf. Do not edit.",
  "terraform": {
    "required_version": ">= 1.5.0",
    "required_providers": {
      "//": "pinned by the lock file",
      "aws": {
        "source": "hashicorp/aws",
        "version": "~> 5.0"
      },
      "random": "~> 3.6"
    },
    "backend": {"s3": {"bucket": "acme-tfstate"}}
  },
  "provider": {
    "aws": [
      {"region": "eu-west-1"},
      {"alias": "east", "region": "us-east-1", "version": "~> 4.0"}
    ]
  },
  "module": {
    "vpc": {
      "//": "network",
      "source": "terraform-aws-modules/vpc/aws",
      "version": "5.5.0",
      "cidr": "10.0.0.0/16",
      "azs": ["eu-west-1a"]
    },
    "eks": {
      "source": "git::https://github.com/acme/eks.git?ref=3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
      "cluster_name": "${local.name}-eks"
    }
  },
  "resource": {
    "aws_s3_bucket": {"logs": {"bucket": "${var.x}", "module": {"m": {"source": 1}}}}
  }
}
"#;

    #[test]
    fn object_form() {
        assert_eq!(
            facts(MAIN_TF_JSON),
            vec![
                fact(Kind::Provider, "provider.aws", "aws", Some("hashicorp/aws"), Some("~> 5.0")),
                fact(Kind::Provider, "provider.random", "random", None, Some("~> 3.6")),
                fact(Kind::Provider, "provider-block.aws.east", "aws", None, Some("~> 4.0")),
                fact(Kind::Module, "module.vpc", "vpc", Some("terraform-aws-modules/vpc/aws"), Some("5.5.0")),
                fact(Kind::Module, "module.eks", "eks", Some("git::https://github.com/acme/eks.git?ref=3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"), None),
            ]
        );
        let deps = extract(MAIN_TF_JSON).unwrap();
        let vpc = &deps[3];
        assert_eq!(&MAIN_TF_JSON[vpc.span.start..vpc.span.end], "\"vpc\"");
        assert_eq!(line_col(MAIN_TF_JSON, vpc.span.start), (22, 5));
        let version = vpc.version.as_ref().unwrap();
        assert_eq!(
            &MAIN_TF_JSON[version.span.start..version.span.end],
            "\"5.5.0\""
        );
        assert_eq!(line_col(MAIN_TF_JSON, version.span.start), (25, 18));
        let aws = &deps[0];
        assert_eq!(&MAIN_TF_JSON[aws.span.start..aws.span.end], "\"aws\"");
        let source = aws.source.as_ref().unwrap();
        assert_eq!(
            &MAIN_TF_JSON[source.span.start..source.span.end],
            "\"hashicorp/aws\""
        );
        let east = &deps[2];
        assert_eq!(line_col(MAIN_TF_JSON, east.span.start), (18, 7));
    }

    #[test]
    fn array_forms() {
        let text = r#"{
  "module": [
    {"vpc": {"source": "terraform-aws-modules/vpc/aws", "version": "5.5.0"}},
    {"dns": [{"source": "./dns"}]}
  ],
  "terraform": [
    {"required_providers": [{"aws": {"source": "hashicorp/aws"}}, {"null": "3.2.2"}]},
    {"required_providers": {"tls": {"version": "4.0.5"}}}
  ],
  "provider": [{"google": {"version": "4.0.0"}}]
}"#;
        assert_eq!(
            facts(text),
            vec![
                fact(
                    Kind::Module,
                    "module.vpc",
                    "vpc",
                    Some("terraform-aws-modules/vpc/aws"),
                    Some("5.5.0")
                ),
                fact(Kind::Module, "module.dns", "dns", Some("./dns"), None),
                fact(
                    Kind::Provider,
                    "provider.aws",
                    "aws",
                    Some("hashicorp/aws"),
                    None
                ),
                fact(Kind::Provider, "provider.null", "null", None, Some("3.2.2")),
                fact(Kind::Provider, "provider.tls", "tls", None, Some("4.0.5")),
                fact(
                    Kind::Provider,
                    "provider-block.google",
                    "google",
                    None,
                    Some("4.0.0")
                ),
            ]
        );
        // A label whose value is an array: the span is that block's object.
        let deps = extract(text).unwrap();
        assert_eq!(
            &text[deps[1].span.start..deps[1].span.end],
            "{\"source\": \"./dns\"}"
        );
    }

    #[test]
    fn escapes_are_decoded_and_spans_are_raw() {
        let text = "{\"module\": {\"a\": {\"source\": \"git::https://example.com/a.git?ref=\\u0076\\/1\"}}}";
        let deps = extract(text).unwrap();
        let source = deps[0].source.as_ref().unwrap();
        assert_eq!(source.value, "git::https://example.com/a.git?ref=v/1");
        assert_eq!(
            &text[source.span.start..source.span.end],
            "\"git::https://example.com/a.git?ref=\\u0076\\/1\""
        );
    }

    #[test]
    fn crlf() {
        let text = MAIN_TF_JSON.replace('\n', "\r\n");
        let deps = extract(&text).unwrap();
        let version = deps[3].version.as_ref().unwrap();
        assert_eq!(&text[version.span.start..version.span.end], "\"5.5.0\"");
        assert_eq!(line_col(&text, version.span.start), (25, 18));
    }

    #[test]
    fn bad_values_are_errors() {
        let cases = [
            (
                "{\"module\": {\"vpc\": {\"source\": \"./vpc\", \"version\": 5}}}",
                "module \"vpc\": version must be a JSON string",
                "5",
            ),
            (
                "{\"module\": {\"vpc\": {\"source\": null}}}",
                "module \"vpc\": source must be a JSON string",
                "null",
            ),
            (
                "{\"module\": {\"vpc\": {\"source\": \"${var.src}\"}}}",
                "module \"vpc\": source must be a literal string",
                "\"${var.src}\"",
            ),
            (
                "{\"module\": {\"vpc\": {\"source\": \"a\", \"source\": \"b\"}}}",
                "source is given twice",
                "\"source\": \"b\"",
            ),
            (
                "{\"module\": {\"vpc\": \"./vpc\"}}",
                "module \"vpc\" must be a JSON object",
                "\"./vpc\"",
            ),
            (
                "{\"module\": [{\"vpc\": {}}, 1]}",
                "\"module\" must be a JSON object",
                "1",
            ),
            (
                "{\"module\": {\"vpc\": {\"source\": \"a\"}, \"vpc\": {\"source\": \"b\"}}}",
                "duplicate module \"vpc\"",
                "\"vpc\": {\"source\": \"b\"}",
            ),
            (
                "{\"module\": [{\"vpc\": {}}, {\"vpc\": {}}]}",
                "duplicate module \"vpc\"",
                "\"vpc\": {}}]",
            ),
            (
                "{\"terraform\": {\"required_providers\": {\"aws\": 5}}}",
                "required_providers \"aws\" must be an object",
                "5",
            ),
            (
                "{\"terraform\": {\"required_providers\": {\"aws\": {\"version\": [\"1\"]}}}}",
                "required_providers \"aws\": version must be a JSON string",
                "[\"1\"]",
            ),
            (
                "{\"terraform\": {\"required_providers\": 1}}",
                "\"required_providers\" must be a JSON object",
                "1",
            ),
            (
                "{\"terraform\": {\"required_providers\": {\"aws\": \"${var.v}\"}}}",
                "required_providers \"aws\": version must be a literal string",
                "\"${var.v}\"",
            ),
            (
                "{\"provider\": {\"aws\": {\"version\": true}}}",
                "provider \"aws\": version must be a JSON string",
                "true",
            ),
            (
                "{\"provider\": {\"aws\": [{\"version\": \"1\"}, {\"version\": \"2\"}]}}",
                "duplicate default provider configuration \"aws\"",
                "{\"version\": \"2\"}",
            ),
            ("[]", "must hold one JSON object", "[]"),
        ];
        for (text, message, at) in cases {
            let e = extract(text).expect_err(text);
            assert!(e.message.contains(message), "{text}: {}", e.message);
            assert!(
                text[e.offset..].starts_with(at),
                "{text}: {} at {}",
                e.message,
                &text[e.offset..]
            );
        }
    }

    #[test]
    fn strict_json() {
        let cases = [
            ("{\n  // comment\n  \"module\": {}\n}", 2),
            ("{\n  \"module\": {},\n}", 2),
            ("{\n  module: {}\n}", 2),
            ("{\n  \"module\": {'a': {}}\n}", 2),
            ("{\n  \"module\": {}\n}\n{}", 4),
            ("{\n  \"module\": {\n", 2),
            ("{\n  \"module\": {\"a\": {\"source\": 0x10}}\n}", 2),
            ("", 1),
            ("   ", 1),
        ];
        for (text, line) in cases {
            let e = extract(text).expect_err(text);
            assert_eq!(line_col(text, e.offset).0, line, "{text:?}: {}", e.message);
            assert!(!e.message.contains('\n'));
        }
        let e = extract("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert!(
            e.message.starts_with("JSON syntax error: "),
            "{}",
            e.message
        );
        assert_eq!(line_col("{\n  \"a\": 1,\n  \"b\" 2\n}", e.offset).0, 3);
    }

    #[test]
    fn empty_object_and_other_content() {
        assert_eq!(facts("{}"), vec![]);
        assert_eq!(
            facts("{\"variable\": {\"x\": {\"default\": \"${y}\"}}, \"locals\": [{\"a\": 1}]}"),
            vec![]
        );
    }

    #[test]
    fn test_files_in_json() {
        let text = r#"{"run": [{"a": {"module": {"source": "acme/x/aws", "version": "1.0.0"}}}, {"b": {"command": "plan"}}]}"#;
        let deps = extract_test(text).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "run.a.module");
        assert_eq!(deps[0].version_str(), Some("1.0.0"));
        for bad in [
            r#"{"run": {"a": {"module": {"source": "${var.x}"}}}}"#,
            r#"{"run": {"a": {"module": {"source": "./x"}}}, "x": 1, "run": {"a": {"module": {"source": "./x"}}}}"#,
            r#"{"run": {"a": {"module": [{"source": "./x"}, {"source": "./y"}]}}}"#,
            r#"["run"]"#,
        ] {
            assert!(extract_test(bad).is_err(), "{bad}");
        }
    }
}
