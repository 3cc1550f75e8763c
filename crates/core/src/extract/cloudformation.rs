//! CloudFormation and SAM templates, YAML (short-form tags `!Ref`, `!Sub`,
//! ...) or JSON.
//!
//! Every `*.yaml`, `*.yml`, `*.json` and `*.template` file comes here, so a
//! template is recognised by its content: a top-level
//! `AWSTemplateFormatVersion`, or a top-level `Resources` mapping with a
//! resource whose `Type` is `AWS::...`, `Alexa::...`, `Custom::...` or a
//! registry type (`Org::Svc::Name`, `Org::Svc::Name::MODULE`). Anything
//! else is not ours and yields nothing, valid YAML/JSON or not: a file that
//! mentions neither `AWSTemplateFormatVersion` nor `Resources` (nor has an
//! escape that could spell them) is not even parsed. A file that does
//! mention them but does not parse fails closed: it may be a broken
//! template. So do, in a template, a repeated key, a value of the wrong
//! shape where a dependency is declared, nesting deeper than we read
//! safely, and YAML aliases that could expand without bound.
//!
//! | Construct | Kind | Key | Source / version | Pinned when |
//! |---|---|---|---|---|
//! | `AWS::CloudFormation::Stack` `TemplateURL` | stack | `Resources.<Id>` | URL without query / `versionId` | S3 URL with `versionId=` |
//! | `AWS::Serverless::Application` `Location: URL` | stack | `Resources.<Id>` | as `TemplateURL` | as `TemplateURL` |
//! | `AWS::CloudFormation::ResourceVersion` / `HookVersion` `SchemaHandlerPackage` | plugin | `Resources.<Id>` | as `TemplateURL` | as `TemplateURL` |
//! | `AWS::CloudFormation::ModuleVersion` `ModulePackage` | module | `Resources.<Id>` | as `TemplateURL` | as `TemplateURL` |
//! | `AWS::CloudFormation::TypeActivation` | plugin | `Resources.<Id>` | `PublicTypeArn` (or `PublisherId/TypeName`) / `MajorVersion` | `AutoUpdate: false`, a `MajorVersion`, no `VersionBump` |
//! | `AWS::Serverless::Application` `Location: {ApplicationId, SemanticVersion}` | stack | `Resources.<Id>` | ApplicationId / SemanticVersion | SemanticVersion is one exact version |
//! | `Type: Org::Svc::Name::MODULE` | module | `Resources.<Id>` | type name | never (default version) |
//! | `Type: Org::Svc::Name` (not `AWS`, `Alexa`, `Custom`) | plugin | `Resources.<Id>` | type name | never (default version) |
//! | top-level `Transform` entry | plugin | `Transform.<Name>` | name | AWS-managed transform |
//! | `Fn::Transform` / `!Transform` (a macro) | plugin | `<path>.Fn::Transform` | name | AWS-managed transform |
//! | `Fn::Transform` `AWS::Include` `Location` | stack | `<path>.Fn::Transform` | as `TemplateURL` | as `TemplateURL` |
//! | Lambda / SAM function `Layers`, `Globals.Function.Layers` | plugin | `<owner>.Layers[i]` | ARN without version / version | numeric version |
//!
//! A dependency's span is its logical id (a layer's or a transform's: the
//! entry); its source and version spans are the value as written.
//!
//! Not resolved, deliberately: a value given by an intrinsic function
//! (`!Ref Param`, `!Sub https://${Bucket}...`, `!If`, `Fn::Join` with a
//! `!Ref`) is a dependency whose source is the function in canonical short
//! form (`!Sub https://${Bucket}/x.yaml`, the same for `Fn::Sub:` and
//! JSON) and whose pin says it cannot be resolved statically; parameters,
//! conditions and mappings are never evaluated. What is static is read: a
//! `Fn::Sub` whose only variables are the pseudo parameters
//! `AWS::Region`, `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix` (the
//! string as written), a `Fn::Join` of such parts. A local `TemplateURL` /
//! `Location` (`./nested.yaml`, for `sam package`) and a layer `!Ref` /
//! `!GetAtt` to a resource of the same template are not third-party:
//! skipped. `Fn::ForEach` loops are not expanded (their resources keep
//! their templated logical ids), and code locations (`CodeUri`,
//! `ContentUri`, `Code.S3Key`) and custom resources' `ServiceToken` are
//! not dependencies here.

mod guard;
mod template;
mod tree;
mod urls;
mod values;

#[cfg(test)]
mod tests;

use crate::model::{Dependency, ExtractError};

/// The stack the parser and the walks over its tree run on: they recurse
/// once per nesting level, and [`guard::check_yaml`] bounds the levels.
const STACK_SIZE: usize = 32 << 20;

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    if !guard::has_marker(text) && !guard::may_hide_marker(text) {
        return Ok(Vec::new());
    }
    // Failing closed on a file that does not parse is only right for what
    // looks like a template: a top-level marker key. A Helm template, a
    // tsconfig.json with comments, or a workflow that merely mentions
    // "Resources" is not ours to judge.
    let marked = guard::has_top_level_marker(text);
    match on_big_stack(|| analyse(text)) {
        Outcome::NotTemplate => Ok(Vec::new()),
        // It may be a broken template: fail closed. Without a marker it is
        // an ordinary file that is not ours to judge.
        Outcome::Unreadable(err) if marked => Err(err),
        Outcome::Unreadable(_) => Ok(Vec::new()),
        Outcome::Template(result) => result,
    }
}

enum Outcome {
    NotTemplate,
    Unreadable(ExtractError),
    Template(Result<Vec<Dependency>, ExtractError>),
}

fn on_big_stack(f: impl FnOnce() -> Outcome + Send) -> Outcome {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("cloudformation".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f);
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Outcome::Unreadable(ExtractError::new("the YAML parser failed on this file", 0))
            }),
            Err(err) => Outcome::Unreadable(ExtractError::new(
                format!("cannot start the template parser: {err}"),
                0,
            )),
        }
    })
}

fn analyse(text: &str) -> Outcome {
    let docs = if text.trim_start().starts_with('{') {
        match tree::from_json(text) {
            Ok(doc) => {
                if !template::is_template(&doc.root) {
                    return Outcome::NotTemplate;
                }
                if let Some(duplicate) = doc.duplicate {
                    return Outcome::Template(Err(duplicate));
                }
                vec![doc.root]
            }
            // CloudFormation reads what is not JSON as YAML, flow style
            // included; when that fails too, the JSON error is the one to show.
            Err(json_err) => match yaml(text) {
                Ok(docs) => docs,
                Err(_) => return Outcome::Unreadable(json_err),
            },
        }
    } else {
        match yaml(text) {
            Ok(docs) => docs,
            Err(err) => return Outcome::Unreadable(err),
        }
    };
    let docs: Vec<_> = docs.into_iter().filter(|doc| !doc.is_null()).collect();
    let Some(index) = docs.iter().position(template::is_template) else {
        return Outcome::NotTemplate;
    };
    if docs.len() > 1 {
        let other = &docs[if index == 0 { 1 } else { 0 }];
        return Outcome::Template(Err(ExtractError::new(
            "a template must be a single YAML document",
            other.span.start,
        )));
    }
    Outcome::Template(template::extract(&docs[index]))
}

fn yaml(text: &str) -> Result<Vec<tree::Node>, ExtractError> {
    guard::check_yaml(text)?;
    tree::from_yaml(text)
}
