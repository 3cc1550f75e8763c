use super::urls;
use super::*;
use crate::extract::FileKind;
use crate::model::{line_col, Kind, PinState};

const SAM_APP: &str = include_str!("../../../../../tests/fixtures/cloudformation/sam-app.yaml");
const NESTED: &str =
    include_str!("../../../../../tests/fixtures/cloudformation/nested-stacks.yaml");
const JSON: &str = include_str!("../../../../../tests/fixtures/cloudformation/template.json");
const WORKFLOW: &str =
    include_str!("../../../../../tests/fixtures/cloudformation/github-workflow.yml");
const K8S: &str = include_str!("../../../../../tests/fixtures/cloudformation/k8s-deployment.yaml");
const HELM: &str =
    include_str!("../../../../../tests/fixtures/cloudformation/helm-deployment.yaml");
const SERVERLESS: &str =
    include_str!("../../../../../tests/fixtures/cloudformation/serverless.yml");
const BROKEN: &str =
    include_str!("../../../../../tests/fixtures/cloudformation/broken-template.yaml");

#[derive(Debug, PartialEq, Eq)]
struct Fact {
    kind: Kind,
    key: String,
    name: String,
    source: Option<String>,
    version: Option<String>,
    pin: PinState,
}

fn fact(
    kind: Kind,
    key: &str,
    name: &str,
    source: &str,
    version: Option<&str>,
    pin: Option<&str>,
) -> Fact {
    Fact {
        kind,
        key: key.to_owned(),
        name: name.to_owned(),
        source: Some(source.to_owned()),
        version: version.map(str::to_owned),
        pin: match pin {
            None => PinState::Pinned,
            Some(reason) => PinState::Unpinned(reason.to_owned()),
        },
    }
}

fn deps(text: &str) -> Vec<Dependency> {
    let deps =
        extract(text).unwrap_or_else(|e| panic!("{} at {:?}", e.message, line_col(text, e.offset)));
    for dep in &deps {
        assert!(dep.span.start <= dep.span.end && dep.span.end <= text.len());
        for spanned in [&dep.source, &dep.version].into_iter().flatten() {
            assert!(spanned.span.start <= spanned.span.end && spanned.span.end <= text.len());
            assert!(text.is_char_boundary(spanned.span.start));
        }
    }
    deps
}

fn facts(text: &str) -> Vec<Fact> {
    deps(text)
        .into_iter()
        .map(|d| Fact {
            kind: d.kind,
            source: d.source_str().map(str::to_owned),
            version: d.version_str().map(str::to_owned),
            key: d.key,
            name: d.name,
            pin: d.pin,
        })
        .collect()
}

fn slice(text: &str, span: crate::model::Span) -> &str {
    &text[span.start..span.end]
}

fn dep<'d>(deps: &'d [Dependency], key: &str) -> &'d Dependency {
    deps.iter()
        .find(|d| d.key == key)
        .unwrap_or_else(|| panic!("no {key}"))
}

fn err(text: &str) -> ExtractError {
    match extract(text) {
        Ok(deps) => panic!("expected an error, got {deps:?}"),
        Err(e) => e,
    }
}

const NOT_RESOLVED: &str = "cannot be resolved statically";

#[test]
fn sam_application() {
    let unresolved_ref = format!("`!Ref PowertoolsLayerArn` {NOT_RESOLVED}");
    assert_eq!(
        facts(SAM_APP),
        vec![
            fact(
                Kind::Plugin,
                "Transform.AWS::Serverless-2016-10-31",
                "AWS::Serverless-2016-10-31",
                "AWS::Serverless-2016-10-31",
                None,
                None
            ),
            fact(
                Kind::Plugin,
                "Globals.Function.Layers[0]",
                "Globals.Function",
                "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2",
                Some("68"),
                None
            ),
            fact(
                Kind::Plugin,
                "Globals.Function.Layers[1]",
                "Globals.Function",
                "arn:${AWS::Partition}:lambda:${AWS::Region}:580247275435:layer:LambdaInsightsExtension",
                Some("38"),
                None
            ),
            fact(
                Kind::Plugin,
                "Resources.OrdersFunction.Layers[0]",
                "OrdersFunction",
                "arn:aws:lambda:eu-west-1:123456789012:layer:datadog-extension",
                None,
                Some("layer ARN without a version")
            ),
            fact(
                Kind::Plugin,
                "Resources.OrdersFunction.Layers[1]",
                "OrdersFunction",
                "!Ref PowertoolsLayerArn",
                None,
                Some(&unresolved_ref)
            ),
            fact(
                Kind::Stack,
                "Resources.Authorizer",
                "Authorizer",
                "arn:aws:serverlessrepo:us-east-1:123456789012:applications/jwt-authorizer",
                Some("1.4.2"),
                None
            ),
            fact(
                Kind::Stack,
                "Resources.Monitoring",
                "Monitoring",
                "arn:aws:serverlessrepo:us-east-1:123456789012:applications/lambda-monitoring",
                None,
                Some("no SemanticVersion")
            ),
            fact(
                Kind::Stack,
                "Resources.Alarms",
                "Alarms",
                "arn:aws:serverlessrepo:us-east-1:${AWS::AccountId}:applications/alarms",
                Some("1.10"),
                Some("SemanticVersion 1.10 is not one exact version")
            ),
        ]
    );
    let deps = deps(SAM_APP);
    let layer = dep(&deps, "Globals.Function.Layers[0]");
    assert_eq!(
        slice(SAM_APP, layer.span),
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68"
    );
    assert_eq!(slice(SAM_APP, layer.version.as_ref().unwrap().span), "68");
    assert_eq!(line_col(SAM_APP, layer.span.start), (18, 9));
    // Through `!Sub`: the version still has its own span.
    let insights = dep(&deps, "Globals.Function.Layers[1]");
    assert!(slice(SAM_APP, insights.source.as_ref().unwrap().span).starts_with("!Sub arn:"));
    assert_eq!(
        slice(SAM_APP, insights.version.as_ref().unwrap().span),
        "38"
    );
    let authorizer = dep(&deps, "Resources.Authorizer");
    assert_eq!(slice(SAM_APP, authorizer.span), "Authorizer");
    assert_eq!(
        slice(SAM_APP, authorizer.version.as_ref().unwrap().span),
        "1.4.2"
    );
    let alarms = dep(&deps, "Resources.Alarms");
    assert_eq!(
        slice(SAM_APP, alarms.version.as_ref().unwrap().span),
        "1.10"
    );
}

#[test]
fn nested_stacks() {
    let unresolved = |text: &str| format!("`{text}` {NOT_RESOLVED}");
    let s3_no_version = Some("S3 object without versionId");
    let join = "!Join [\"\", [https://, !Ref ArtifactBucket, .s3.amazonaws.com/queues.yaml]]";
    let deploy = "!If [BlueGreen, https://acme-cfn-templates.s3.amazonaws.com/deploy/blue-green.yaml, https://acme-cfn-templates.s3.amazonaws.com/deploy/rolling.yaml]";
    assert_eq!(
        facts(NESTED),
        vec![
            fact(
                Kind::Plugin,
                "Transform.AWS::LanguageExtensions",
                "AWS::LanguageExtensions",
                "AWS::LanguageExtensions",
                None,
                None
            ),
            fact(
                Kind::Plugin,
                "Transform.AcmeTagger",
                "AcmeTagger",
                "AcmeTagger",
                None,
                Some("a macro runs whatever its Lambda is now")
            ),
            fact(
                Kind::Stack,
                "Resources.Network",
                "Network",
                "https://acme-cfn-templates.s3.eu-west-1.amazonaws.com/network/v3/network.yaml",
                Some("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"),
                None
            ),
            fact(
                Kind::Stack,
                "Resources.Dns",
                "Dns",
                "https://s3.eu-west-1.amazonaws.com/acme-cfn-templates/dns/dns.yaml",
                None,
                s3_no_version
            ),
            fact(
                Kind::Stack,
                "Resources.Monitoring",
                "Monitoring",
                "https://raw.githubusercontent.com/acme/cfn-monitoring/main/monitoring.yaml",
                None,
                Some("not an S3 URL: its content can change")
            ),
            fact(
                Kind::Stack,
                "Resources.Data",
                "Data",
                "!Sub https://${ArtifactBucket}.s3.amazonaws.com/data/data.yaml",
                None,
                Some(&unresolved(&values::short(
                    "!Sub https://${ArtifactBucket}.s3.amazonaws.com/data/data.yaml",
                    60
                )))
            ),
            fact(
                Kind::Stack,
                "Resources.Cache",
                "Cache",
                "!Ref DataTemplateUrl",
                None,
                Some(&unresolved("!Ref DataTemplateUrl"))
            ),
            fact(
                Kind::Stack,
                "Resources.Queues",
                "Queues",
                join,
                None,
                Some(&unresolved(&values::short(join, 60)))
            ),
            fact(
                Kind::Stack,
                "Resources.Deploy",
                "Deploy",
                deploy,
                None,
                Some(&unresolved(&values::short(deploy, 60)))
            ),
            fact(
                Kind::Stack,
                "Resources.Audit",
                "Audit",
                "https://acme-audit-${AWS::Region}.s3.${AWS::Region}.${AWS::URLSuffix}/audit.yaml",
                Some("Qx.7hS0bW2w"),
                None
            ),
            fact(
                Kind::Stack,
                "Resources.Bucket.Properties.Fn::Transform",
                "AWS::Include",
                "s3://acme-cfn-snippets/bucket-properties.yaml",
                None,
                s3_no_version
            ),
            fact(
                Kind::Module,
                "Resources.Vpc",
                "Vpc",
                "Acme::Network::Vpc::MODULE",
                None,
                Some("registry modules follow their default version")
            ),
            fact(
                Kind::Plugin,
                "Resources.Cluster",
                "Cluster",
                "MongoDB::Atlas::Cluster",
                None,
                Some("third-party resource types follow their default version")
            ),
            fact(
                Kind::Plugin,
                "Resources.Fn::Transform",
                "AcmeStandardAlarms",
                "AcmeStandardAlarms",
                None,
                Some("a macro runs whatever its Lambda is now")
            ),
        ]
    );
    let deps = deps(NESTED);
    let network = dep(&deps, "Resources.Network");
    let source = network.source.as_ref().unwrap();
    assert!(slice(NESTED, source.span).starts_with("https://acme-cfn-templates.s3"));
    assert!(slice(NESTED, source.span).ends_with("?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"));
    assert_eq!(
        slice(NESTED, network.version.as_ref().unwrap().span),
        "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    );
    let monitoring = dep(&deps, "Resources.Monitoring");
    assert_eq!(
        slice(NESTED, monitoring.source.as_ref().unwrap().span),
        "\"https://raw.githubusercontent.com/acme/cfn-monitoring/main/monitoring.yaml\""
    );
    // An unresolved value spans the function as written, tag included.
    let queues = dep(&deps, "Resources.Queues");
    let written = slice(NESTED, queues.source.as_ref().unwrap().span);
    assert!(
        written.starts_with("Fn::Join:\n          - \"\""),
        "{written}"
    );
    assert!(
        written.ends_with("- \".s3.amazonaws.com/queues.yaml\""),
        "{written}"
    );
    let deploy_dep = dep(&deps, "Resources.Deploy");
    let written = slice(NESTED, deploy_dep.source.as_ref().unwrap().span);
    assert!(
        written.starts_with("!If\n") && written.ends_with("rolling.yaml"),
        "{written}"
    );
    let audit = dep(&deps, "Resources.Audit");
    assert_eq!(
        slice(NESTED, audit.version.as_ref().unwrap().span),
        "Qx.7hS0bW2w"
    );
    let include = dep(&deps, "Resources.Bucket.Properties.Fn::Transform");
    assert_eq!(slice(NESTED, include.span), "Fn::Transform");
    assert_eq!(line_col(NESTED, include.span.start), (79, 7));
}

#[test]
fn json_template() {
    let data = "!Sub https://${Bucket}.s3.amazonaws.com/data.json";
    let queues = "!Join [\"\", [https://, !Ref Bucket, .s3.amazonaws.com/queues.json]]";
    assert_eq!(
        facts(JSON),
        vec![
            fact(
                Kind::Plugin,
                "Transform.AWS::Serverless-2016-10-31",
                "AWS::Serverless-2016-10-31",
                "AWS::Serverless-2016-10-31",
                None,
                None
            ),
            fact(
                Kind::Stack,
                "Resources.Network",
                "Network",
                "https://acme-cfn-templates.s3.amazonaws.com/network.json",
                Some("a1b2c3d4e5"),
                None
            ),
            fact(
                Kind::Stack,
                "Resources.Data",
                "Data",
                data,
                None,
                Some(&format!("`{data}` {NOT_RESOLVED}"))
            ),
            fact(
                Kind::Stack,
                "Resources.Queues",
                "Queues",
                queues,
                None,
                Some(&format!("`{}` {NOT_RESOLVED}", values::short(queues, 60)))
            ),
            fact(
                Kind::Stack,
                "Resources.Authorizer",
                "Authorizer",
                "arn:aws:serverlessrepo:us-east-1:123456789012:applications/jwt-authorizer",
                Some("2.0.0-rc.1"),
                None
            ),
            fact(
                Kind::Plugin,
                "Resources.Handler.Layers[0]",
                "Handler",
                "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Node20-x",
                Some("112"),
                None
            ),
        ]
    );
    let deps = deps(JSON);
    let network = dep(&deps, "Resources.Network");
    assert_eq!(slice(JSON, network.span), "\"Network\"");
    assert_eq!(line_col(JSON, network.span.start), (9, 5));
    assert_eq!(
        slice(JSON, network.version.as_ref().unwrap().span),
        "a1b2c3d4e5"
    );
    let data = dep(&deps, "Resources.Data");
    assert_eq!(
        slice(JSON, data.source.as_ref().unwrap().span),
        "{\"Fn::Sub\": \"https://${Bucket}.s3.amazonaws.com/data.json\"}"
    );
}

/// The short form, the long form and JSON name an unresolved value alike,
/// and re-indenting changes nothing.
#[test]
fn forms_agree() {
    let head = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n";
    let short = format!("{head}      TemplateURL: !Join ['', ['https://', !Ref B, '/x.yaml']]\n");
    let long = format!(
        "{head}      TemplateURL:\n        Fn::Join:\n        - ''\n        - - https://\n          - Ref: B\n          - /x.yaml\n"
    );
    let json = r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"S": {"Type": "AWS::CloudFormation::Stack",
      "Properties": {"TemplateURL": {"Fn::Join": ["", ["https://", {"Ref": "B"}, "/x.yaml"]]}}}}}"#;
    let want = facts(&short);
    assert_eq!(
        want[0].source.as_deref(),
        Some("!Join [\"\", [https://, !Ref B, /x.yaml]]")
    );
    assert_eq!(facts(&long), want);
    assert_eq!(facts(json), want);

    // A `!Join` or `!Sub` of literals is the literal.
    let literal = format!(
        "{head}      TemplateURL: !Join ['', ['https://b.s3.amazonaws.com/', 'x.yaml?versionId=', 'v1']]\n"
    );
    let sub =
        format!("{head}      TemplateURL: !Sub 'https://b.s3.amazonaws.com/x.yaml?versionId=v1'\n");
    let plain =
        format!("{head}      TemplateURL: https://b.s3.amazonaws.com/x.yaml?versionId=v1\n");
    let want = facts(&plain);
    assert_eq!(want[0].pin, PinState::Pinned);
    assert_eq!(facts(&literal), want);
    assert_eq!(facts(&sub), want);
    // A `!Sub` with a variable that is not a pseudo parameter is not.
    let sub = format!(
        "{head}      TemplateURL: !Sub 'https://b.s3.amazonaws.com/${{Key}}?versionId=v1'\n"
    );
    assert!(matches!(&facts(&sub)[0].pin, PinState::Unpinned(r) if r.ends_with(NOT_RESOLVED)));
}

#[test]
fn not_templates() {
    for (name, text) in [
        ("workflow", WORKFLOW),
        ("k8s", K8S),
        ("helm", HELM),
        ("serverless", SERVERLESS),
        ("empty", ""),
        (
            "package.json",
            "{\"name\": \"x\", \"scripts\": {\"t\": \"a\\\\b\"}}",
        ),
        ("broken json", "{\"name\": \"x\\n\", "),
        ("broken yaml", "a: [\\\nb: }"),
        ("list", "- Resources: {}\n"),
        ("scalar", "Resources"),
        ("no resources", "Resources: {}\n"),
        ("other types", "Resources:\n  A:\n    Type: Foo\n"),
        (
            "comment",
            "# AWSTemplateFormatVersion is what makes a template\nkey: value\n",
        ),
    ] {
        assert_eq!(extract(text), Ok(vec![]), "{name}");
    }
    // Helm templates do not parse, and mention no marker: not even read.
    assert!(tree::from_yaml(HELM).is_err());
    assert!(!guard::has_marker(HELM) && !guard::has_marker(WORKFLOW) && !guard::has_marker(K8S));
}

#[test]
fn broken_template_fails_at_the_error() {
    let e = err(BROKEN);
    assert!(e.message.starts_with("YAML syntax error"), "{}", e.message);
    assert_eq!(line_col(BROKEN, e.offset).0, 8);

    let e = err("Resources:\n  Dns:\n    Type: AWS::CloudFormation::Stack\n     Properties:\n      TemplateURL: x\n");
    assert_eq!(line_col("", 0), (1, 1));
    assert!(
        e.message.contains("mapping values are not allowed"),
        "{}",
        e.message
    );

    let json = "{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {\n    \"A\": {\"Type\": \"AWS::SNS::Topic\"}\n";
    let e = err(json);
    assert!(e.message.starts_with("JSON syntax error"), "{}", e.message);
    assert!(e.offset <= json.len());
}

#[test]
fn crlf() {
    let text = SAM_APP.replace('\n', "\r\n");
    assert_eq!(facts(&text), facts(SAM_APP));
    let deps = deps(&text);
    let layer = dep(&deps, "Globals.Function.Layers[0]");
    assert_eq!(slice(&text, layer.version.as_ref().unwrap().span), "68");
    assert_eq!(line_col(&text, layer.span.start), (18, 9));
    let alarms = dep(&deps, "Resources.Alarms");
    assert_eq!(slice(&text, alarms.version.as_ref().unwrap().span), "1.10");

    let text = NESTED.replace('\n', "\r\n");
    assert_eq!(facts(&text), facts(NESTED));
    let json = JSON.replace('\n', "\r\n");
    assert_eq!(facts(&json), facts(JSON));
}

#[test]
fn bom_and_non_ascii_through_the_file_kind() {
    let text = SAM_APP.replace("orders-api:", "commandes-api (é, ü, 日本):");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let deps = crate::extract::extract(FileKind::CloudFormation, &bytes).unwrap();
    let layer = deps
        .iter()
        .find(|d| d.key == "Globals.Function.Layers[0]")
        .unwrap();
    let version = layer.version.as_ref().unwrap();
    assert_eq!(&bytes[version.span.start..version.span.end], b"68");
    let authorizer = deps
        .iter()
        .find(|d| d.key == "Resources.Authorizer")
        .unwrap();
    assert_eq!(
        &bytes[authorizer.span.start..authorizer.span.end],
        b"Authorizer"
    );
}

#[test]
fn duplicates_fail_at_the_second() {
    let yaml = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Network:\n    Type: AWS::SNS::Topic\n  Network:\n    Type: AWS::SQS::Queue\n";
    let e = err(yaml);
    assert_eq!(line_col(yaml, e.offset), (5, 3), "{}", e.message);
    assert!(e.message.contains("duplicate"), "{}", e.message);

    let json = "{\"Resources\": {\"A\": {\"Type\": \"AWS::SNS::Topic\"},\n \"A\": {\"Type\": \"AWS::SQS::Queue\"}}}";
    let e = err(json);
    assert_eq!(line_col(json, e.offset), (2, 2), "{}", e.message);
    // In a JSON file that is not a template, not our business.
    assert_eq!(
        extract("{\"a\": 1, \"a\": 2, \"Resources\": 3}"),
        Ok(vec![])
    );

    let transforms =
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: [AcmeTagger, AcmeTagger]\n";
    let e = err(transforms);
    assert_eq!(&transforms[e.offset..e.offset + 12], "AcmeTagger]\n");
}

#[test]
fn template_errors() {
    let head = "AWSTemplateFormatVersion: '2010-09-09'\n";
    let cases = [
        ("Resources: [a]\n", "Resources must be a mapping", "[a]"),
        ("Resources:\n  A: 1\n", "resource A must be a mapping", "1"),
        ("Resources:\n  A:\n    Properties: {}\n", "resource A has no Type", "A:"),
        ("Resources:\n  A:\n    Type: !Ref T\n", "Type must be a literal string", "!Ref T"),
        (
            "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n",
            "AWS::CloudFormation::Stack A has no Properties.TemplateURL",
            "A:",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: [x]\n",
            "TemplateURL must be a string",
            "[x]",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties: 3\n",
            "Properties must be a mapping",
            "3",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: {SemanticVersion: 1.0.0}\n",
            "Location needs an ApplicationId",
            "{Sem",
        ),
        (
            "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Layers: arn:aws:lambda:x\n",
            "Layers must be a list",
            "arn:",
        ),
        ("Transform: [[a]]\n", "Transform must be", "[a]"),
        ("Transform: {a: b}\n", "needs a Name", "{a: b}"),
        (
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      Fn::Transform: {Parameters: {}}\n",
            "needs a Name",
            "{Parameters",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      Fn::Transform: {Name: AWS::Include}\n",
            "AWS::Include needs Parameters.Location",
            "{Name",
        ),
        (
            "Resources:\n  Fn::ForEach::Topics: [T, [a, b]]\n",
            "Fn::ForEach::Topics must be",
            "[T,",
        ),
        ("Globals: [x]\n", "Globals must be a mapping", "[x]"),
    ];
    for (body, message, at) in cases {
        let text = format!("{head}{body}");
        let e = err(&text);
        assert!(e.message.contains(message), "{body}: {}", e.message);
        assert!(
            text[e.offset..].starts_with(at),
            "{body}: {} at {:?}",
            e.message,
            &text[e.offset..]
        );
    }
    let e = err("AWSTemplateFormatVersion: '2010-09-09'\n---\nResources: {}\n");
    assert!(e.message.contains("single YAML document"), "{}", e.message);
}

#[test]
fn more_constructs() {
    let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform:
  - Name: AWS::Include
    Parameters:
      Location: s3://snippets/common.yaml?versionId=v7
Resources:
  Local:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/stack.yaml
  FromS3Scheme:
    Type: AWS::Serverless::Application
    Properties:
      Location: s3://acme-sar/app.yaml?versionId=abc
  Range:
    Type: AWS::Serverless::Application
    Properties:
      Location:
        ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/a
        SemanticVersion: "~1.2.0"
  Conditional:
    Type: AWS::CloudFormation::Stack
    Properties: !If [C, {TemplateURL: https://a.s3.amazonaws.com/x.yaml}, !Ref AWS::NoValue]
  Website:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: http://acme.s3-website-us-east-1.amazonaws.com/x.yaml?versionId=1
  Twice:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://a.s3.amazonaws.com/x.yaml?versionId=1&versionId=2
  Fn::ForEach::Queues:
    - Name
    - [Orders, Billing]
    - ${Name}Stack:
        Type: AWS::CloudFormation::Stack
        Properties:
          TemplateURL: !Sub https://a.s3.amazonaws.com/${Name}.yaml
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers: !If [C, [arn:aws:lambda:us-east-1:1:layer:a:1], []]
  Tagged:
    Type: AWS::SNS::Topic
    Properties:
      Tags: !Transform {Name: AcmeTags, Parameters: {}}
"#;
    let facts = facts(text);
    let keys: Vec<&str> = facts.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "Transform.AWS::Include",
            "Resources.FromS3Scheme",
            "Resources.Range",
            "Resources.Conditional",
            "Resources.Website",
            "Resources.Twice",
            "Resources.Fn::ForEach::Queues.${Name}Stack",
            "Resources.Fn.Layers",
            "Resources.Tagged.Properties.Tags.Fn::Transform",
        ]
    );
    let pins: Vec<&PinState> = facts.iter().map(|f| &f.pin).collect();
    assert_eq!(pins[0], &PinState::Pinned);
    assert_eq!(
        facts[0].source.as_deref(),
        Some("s3://snippets/common.yaml")
    );
    assert_eq!(pins[1], &PinState::Pinned);
    assert_eq!(
        pins[2],
        &PinState::Unpinned("SemanticVersion ~1.2.0 is not one exact version".into())
    );
    assert!(matches!(pins[3], PinState::Unpinned(r) if r.starts_with("`!If [C, {TemplateURL:")));
    assert_eq!(
        pins[4],
        &PinState::Unpinned("not an S3 URL: its content can change".into())
    );
    assert_eq!(
        pins[5],
        &PinState::Unpinned("versionId is given more than once".into())
    );
    assert_eq!(
        facts[6].source.as_deref(),
        Some("!Sub https://a.s3.amazonaws.com/${Name}.yaml")
    );
    assert_eq!(
        facts[7].source.as_deref(),
        Some("!If [C, [arn:aws:lambda:us-east-1:1:layer:a:1], []]")
    );
    assert_eq!(facts[8].source.as_deref(), Some("AcmeTags"));
    assert_eq!(facts[8].kind, Kind::Plugin);
}

#[test]
fn aliases_in_a_template() {
    let text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: &url https://a.s3.amazonaws.com/x.yaml?versionId=1\n      Tags: &tags [{Key: team, Value: core}]\n  B:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: *url\n      Tags: *tags\n";
    let deps = deps(text);
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[0].source_str(), deps[1].source_str());
    assert_eq!(deps[1].version_str(), Some("1"));
    assert_eq!(deps[1].pin, PinState::Pinned);
    assert_eq!(slice(text, deps[1].source.as_ref().unwrap().span), "*url");
}

#[test]
fn hidden_markers_are_found() {
    let json = r#"{"Re\u0073ources": {"S": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x.s3.amazonaws.com/a.yaml"}}}}"#;
    assert!(!guard::has_marker(json));
    assert_eq!(deps(json).len(), 1);
    let body = ":\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://x.s3.amazonaws.com/a.yaml\n";
    for key in [
        "\"Re\\x73ources\"",
        // An explicit key: implicit keys are one line.
        "? \"Resour\\\n  ces\"\n",
        "? \"Resour\\\r\n  ces\"\r\n",
    ] {
        let yaml = format!("{key}{body}");
        assert!(!guard::has_marker(&yaml), "{key}");
        assert_eq!(deps(&yaml).len(), 1, "{key}");
    }
    // Other escapes cannot make letters: such files are not even parsed.
    assert!(!guard::may_hide_marker(
        "run: grep -E '^v\\d+\\.\\d+$' | tee\n"
    ));
    // A shell line continuation could be one: the workflow is read, and is
    // not a template.
    assert!(guard::may_hide_marker(WORKFLOW));
}

#[test]
fn edge_shapes() {
    // YAML flow style starting with `{`: not JSON, read as YAML.
    let flow = "{AWSTemplateFormatVersion: 2010-09-09, Resources: {S: {Type: AWS::CloudFormation::Stack,\n  Properties: {TemplateURL: 'https://a.s3.amazonaws.com/x.yaml?versionId=7'}}}}\n";
    let deps_flow = deps(flow);
    assert_eq!(deps_flow.len(), 1);
    assert_eq!(deps_flow[0].pin, PinState::Pinned);
    assert_eq!(
        slice(flow, deps_flow[0].source.as_ref().unwrap().span),
        "'https://a.s3.amazonaws.com/x.yaml?versionId=7'"
    );
    assert_eq!(
        slice(flow, deps_flow[0].version.as_ref().unwrap().span),
        "7"
    );

    // Non-ASCII before the value: byte spans, in JSON and YAML.
    let json = "{\"Description\": \"Café ✓\", \"Resources\": {\"S\": {\"Type\": \"AWS::CloudFormation::Stack\", \"Properties\": {\"TemplateURL\": \"https://a.s3.amazonaws.com/x.yaml?versionId=v9\"}}}}";
    let yaml = "Description: Café ✓\nResources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://a.s3.amazonaws.com/x.yaml?versionId=v9\n";
    for text in [json, yaml] {
        let found = deps(text);
        assert_eq!(slice(text, found[0].version.as_ref().unwrap().span), "v9");
        assert_eq!(slice(text, found[0].span).trim_matches('"'), "S");
    }

    // Resources that are only a transform or a loop; empty sections.
    let only_transform =
        "AWSTemplateFormatVersion: x\nResources:\n  Fn::Transform:\n    Name: AcmeResources\n";
    assert_eq!(facts(only_transform)[0].key, "Resources.Fn::Transform");
    let only_loop = "AWSTemplateFormatVersion: x\nTransform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Apps:\n    - App\n    - [a, b]\n    - ${App}:\n        Type: AcmeCorp::Apps::App\n";
    assert_eq!(
        facts(only_loop)[1].key,
        "Resources.Fn::ForEach::Apps.${App}"
    );
    let snippet = "AWSTemplateFormatVersion: x\nResources:\n  Included:\n    Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./bucket.yaml}}\n";
    assert_eq!(facts(snippet), vec![]);
    assert_eq!(
        extract("AWSTemplateFormatVersion: x\nResources:\nGlobals:\n"),
        Ok(vec![])
    );
    assert_eq!(
        extract("AWSTemplateFormatVersion: x\nGlobals:\n  Function:\n    Layers:\n"),
        Ok(vec![])
    );
}

#[test]
fn billion_laughs_fail_closed() {
    let mut values = String::from("AWSTemplateFormatVersion: '2010-09-09'\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        values.push_str(&format!(
            "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let e = err(&values);
    assert!(e.message.contains("alias"), "{}", e.message);

    // Through mapping keys, which saphyr's budget does not weigh.
    let mut keys = String::from("AWSTemplateFormatVersion: '2010-09-09'\nl0: &l0 {a: 1, b: 2}\n");
    for i in 1..40 {
        let p = i - 1;
        keys.push_str(&format!("l{i}: &l{i} {{? [*l{p}] : 1, ? [[*l{p}]] : 2}}\n"));
    }
    let e = err(&keys);
    assert!(e.message.contains("alias"), "{}", e.message);
    for variant in [
        "AWSTemplateFormatVersion: x\na: &a {b: c}\nd: {*a : 1}\n",
        "AWSTemplateFormatVersion: x\na: &a {b: c}\nd: {[*a,\n *a]: 1}\n",
        "AWSTemplateFormatVersion: x\na: &a {b: c}\n? [*a]\n: 1\n",
    ] {
        assert!(err(variant).message.contains("alias"), "{variant}");
    }
    // Without a marker, not ours: nothing is even parsed.
    assert_eq!(
        extract(&keys.replace("AWSTemplateFormatVersion", "x")),
        Ok(vec![])
    );
}

#[test]
fn deep_nesting_fails_closed() {
    let n = 100_000;
    let marker = "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::SNS::Topic\nx: ";
    let inputs = [
        format!("{marker}\n{}x\n", "- ".repeat(n)),
        format!("{marker}\n{}x\n", "? ".repeat(n)),
        format!("{marker}{}{}\n", "[".repeat(n), "]".repeat(n)),
        format!("{marker}{}\n", "{a: ".repeat(n)),
        format!("{{\"Resources\": {}{}}}", "[".repeat(n), "]".repeat(n)),
        (0..2_000).fold(String::from("Resources:\n"), |mut s, i| {
            s.push_str(&" ".repeat(i + 2));
            s.push_str("a:\n");
            s
        }),
    ];
    for input in &inputs {
        assert!(extract(input).is_err());
    }
    // As deep as the guard lets through: read, not overflowed.
    let deep = format!(
        "{marker}\n{}{}x{}\n",
        "- ".repeat(240),
        "[".repeat(250),
        "]".repeat(250)
    );
    assert_eq!(extract(&deep), Ok(vec![]));
}

#[test]
fn url_forms() {
    for (url, s3) in [
        ("s3://bucket/key.yaml", true),
        ("s3://bucket/", false),
        ("https://bucket.s3.amazonaws.com/key.yaml", true),
        ("https://bucket.s3.eu-west-1.amazonaws.com/k/e/y.yaml", true),
        ("https://bucket.s3-eu-west-1.amazonaws.com/key.yaml", true),
        ("https://my.dotted.bucket.s3.amazonaws.com/key.yaml", true),
        ("https://s3.amazonaws.com/bucket/key.yaml", true),
        ("https://s3.eu-west-1.amazonaws.com/bucket/key.yaml", true),
        ("https://s3-eu-west-1.amazonaws.com/bucket/key.yaml", true),
        (
            "https://s3.cn-north-1.amazonaws.com.cn/bucket/key.yaml",
            true,
        ),
        ("HTTPS://Bucket.S3.AmazonAWS.com/key.yaml", true),
        ("https://bucket.s3.amazonaws.com:443/key.yaml", true),
        ("https://s3.amazonaws.com/bucket", false),
        ("https://bucket.s3.amazonaws.com/", false),
        (
            "https://bucket.s3-website-us-east-1.amazonaws.com/key.yaml",
            false,
        ),
        (
            "https://bucket.s3.amazonaws.com.evil.example/key.yaml",
            false,
        ),
        (
            "https://s3.amazonaws.com@evil.example/bucket/key.yaml",
            false,
        ),
        (
            "https://evil.example/bucket.s3.amazonaws.com/key.yaml",
            false,
        ),
        ("https://example.com/key.yaml", false),
        ("ftp://bucket.s3.amazonaws.com/key.yaml", false),
    ] {
        assert_eq!(urls::is_s3(url), s3, "{url}");
    }
    let text = "https://b.s3.amazonaws.com/k.yaml?x=1&versionId=abc#frag";
    let url = urls::url(text);
    assert_eq!(&text[url.base.clone()], "https://b.s3.amazonaws.com/k.yaml");
    assert_eq!(&text[url.version_id.unwrap()], "abc");
    assert_eq!(
        urls::url("https://b.s3.amazonaws.com/k?versionId=").version_id,
        None
    );
    assert!(urls::is_local_path("./nested.yaml") && urls::is_local_path("nested/x.yaml"));
    assert!(!urls::is_local_path("s3://b/k"));
}

#[test]
fn layer_arns_and_versions() {
    let arn = "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:12";
    let (end, version) = urls::layer_arn(arn).unwrap();
    assert_eq!(
        &arn[..end],
        "arn:aws:lambda:us-east-1:123456789012:layer:my-layer"
    );
    assert_eq!(&arn[version.unwrap()], "12");
    let sub = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer:x:3";
    let (end, version) = urls::layer_arn(sub).unwrap();
    assert_eq!(
        &sub[..end],
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer:x"
    );
    assert_eq!(&sub[version.unwrap()], "3");
    let unversioned = "arn:aws:lambda:us-east-1:1:layer:x";
    assert_eq!(
        urls::layer_arn(unversioned),
        Some((unversioned.len(), None))
    );
    for bad in [
        "arn:aws:lambda:us-east-1:1:function:x:1",
        "x",
        "arn:aws:lambda:r:1:layer:",
        "arn:aws:lambda:r:1:layer:x:1:2",
    ] {
        assert_eq!(urls::layer_arn(bad), None, "{bad}");
    }
    for (version, exact) in [
        ("1.0.0", true),
        ("10.20.30", true),
        ("1.0.0-rc.1", true),
        ("1.0.0+build.5", true),
        ("1.0", false),
        ("1.10", false),
        ("v1.0.0", false),
        ("~1.0.0", false),
        ("1.0.x", false),
        ("1.0.0-", false),
        ("", false),
    ] {
        assert_eq!(urls::is_exact_semver(version), exact, "{version}");
    }
    assert!(urls::is_module_type("Acme::Net::Vpc::MODULE"));
    assert!(!urls::is_module_type("Acme::Net::MODULE"));
    assert!(urls::is_third_party_type("MongoDB::Atlas::Cluster"));
    assert!(!urls::is_third_party_type("AWS::S3::Bucket"));
    assert!(!urls::is_third_party_type("Custom::Thing::X"));
    assert!(!urls::is_third_party_type("Acme::Net::Vpc::MODULE"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const HEADS: [&str; 3] = [
        "AWSTemplateFormatVersion: x\n",
        "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ",
        "{\"Resources\": {\"A\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {\"Layers\": ",
    ];

    fn check(text: &str) -> Result<(), TestCaseError> {
        match extract(text) {
            Ok(deps) => {
                for d in deps {
                    prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                    for s in [&d.source, &d.version].into_iter().flatten() {
                        prop_assert!(s.span.start <= s.span.end && s.span.end <= text.len());
                    }
                }
            }
            Err(e) => prop_assert!(e.offset <= text.len()),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let text = String::from_utf8_lossy(&bytes);
            check(&text)?;
            for head in HEADS {
                check(&format!("{head}{text}"))?;
            }
        }

        #[test]
        fn never_panics_on_yaml_like_text(
            text in "[A-Za-z:!&*?|>#'\"\\[\\]{},. \n\t$\\\\-]{0,200}",
            head in 0..3usize,
        ) {
            check(&format!("{}{text}", HEADS[head]))?;
            check(&format!("AWSTemplateFormatVersion: x\nResources:\n  A:\n{text}"))?;
        }
    }
}

#[test]
fn stack_sets_and_the_images_resources_run_are_read() {
    let digest = "a".repeat(64);
    let text = format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      TemplateURL: https://b.s3.amazonaws.com/x.yaml\n  Inline:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      TemplateBody: '{{}}'\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: app\n          Image: evil/app:latest\n        - Name: own\n          Image: !Sub '${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.amazonaws.com/app:${{Tag}}'\n  Job:\n    Type: AWS::Batch::JobDefinition\n    Properties:\n      ContainerProperties:\n        Image: busybox@sha256:{digest}\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      PackageType: Image\n      Code:\n        ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest\n");
    let deps = extract(&text).unwrap();
    let rows: Vec<(&str, Kind, bool)> = deps
        .iter()
        .map(|d| (d.key.as_str(), d.kind, matches!(d.pin, PinState::Pinned)))
        .collect();
    assert_eq!(
        rows,
        [
            ("Resources.Set", Kind::Stack, false),
            ("Resources.Task.ContainerDefinitions[0]", Kind::Image, false),
            ("Resources.Job.ContainerProperties", Kind::Image, true),
            ("Resources.Fn.ImageUri", Kind::Image, false),
        ]
    );
}

#[test]
fn rain_modules_and_lists_of_transforms() {
    let text = "Resources:\n  Net:\n    Type: !Rain::Module ../modules/vpc.yml\n  Remote:\n    Type: !Rain::Module https://example.com/m.yml\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        Fn::Transform:\n          - Name: Date\n          - Name: AWS::Include\n            Parameters:\n              Location: s3://b/x.yaml\n";
    let deps = extract(text).unwrap();
    let keys: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "Resources.Remote",
            "Resources.B.Properties.Tags.Fn::Transform[0]",
            "Resources.B.Properties.Tags.Fn::Transform[1]",
        ]
    );
    let json = r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Net": {"Type": {"Rain::Module": "../m/vpc.yml"}}, "R": {"Type": {"Rain::Module": "https://e.com/m.yml"}}}}"#;
    let keys: Vec<String> = extract(json).unwrap().into_iter().map(|d| d.key).collect();
    assert_eq!(keys, ["Resources.R"]);
}

#[test]
fn extension_registration_and_activation() {
    let text = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Handler:\n    \
                Type: AWS::CloudFormation::ResourceVersion\n    Properties:\n      TypeName: Acme::Tools::Thing\n      \
                SchemaHandlerPackage: s3://vendor-bucket/acme-tools-thing.zip\n  Pinned:\n    \
                Type: AWS::CloudFormation::ResourceVersion\n    Properties:\n      TypeName: Acme::Tools::Other\n      \
                SchemaHandlerPackage: s3://vendor-bucket/other.zip?versionId=abc\n  Local:\n    \
                Type: AWS::CloudFormation::ResourceVersion\n    Properties:\n      TypeName: Acme::Tools::Local\n      \
                SchemaHandlerPackage: ./handler.zip\n  Mod:\n    Type: AWS::CloudFormation::ModuleVersion\n    \
                Properties:\n      ModuleName: Acme::Net::Vpc::MODULE\n      ModulePackage: s3://vendor-bucket/vpc-module.zip\n  \
                Ext:\n    Type: AWS::CloudFormation::TypeActivation\n    Properties:\n      \
                PublicTypeArn: arn:aws:cloudformation:us-east-1::type/resource/0123456789abcdef/Vendor-Tools-Thing\n      \
                AutoUpdate: true\n  Quiet:\n    Type: AWS::CloudFormation::TypeActivation\n    Properties:\n      \
                PublisherId: 0123456789abcdef\n      TypeName: Vendor::Tools::Thing\n      Type: RESOURCE\n      \
                AutoUpdate: false\n      MajorVersion: 2\n  Default:\n    Type: AWS::CloudFormation::TypeActivation\n    \
                Properties:\n      PublisherId: 0123456789abcdef\n      TypeName: Vendor::Tools::Thing2\n      MajorVersion: 2\n  \
                NoMajor:\n    Type: AWS::CloudFormation::TypeActivation\n    Properties:\n      PublisherId: p\n      \
                TypeName: V::T::N\n      AutoUpdate: false\n  Param:\n    Type: AWS::CloudFormation::TypeActivation\n    \
                Properties:\n      PublicTypeArn: !Ref Arn\n      AutoUpdate: false\n      MajorVersion: 1\n";
    let got = facts(text);
    let pins: Vec<(&str, Kind, Option<&str>, bool)> = got
        .iter()
        .map(|f| {
            (
                f.key.as_str(),
                f.kind,
                f.source.as_deref(),
                f.pin == PinState::Pinned,
            )
        })
        .collect();
    assert_eq!(
        pins,
        [
            (
                "Resources.Handler",
                Kind::Plugin,
                Some("s3://vendor-bucket/acme-tools-thing.zip"),
                false
            ),
            (
                "Resources.Pinned",
                Kind::Plugin,
                Some("s3://vendor-bucket/other.zip"),
                true
            ),
            (
                "Resources.Mod",
                Kind::Module,
                Some("s3://vendor-bucket/vpc-module.zip"),
                false
            ),
            (
                "Resources.Ext",
                Kind::Plugin,
                Some("arn:aws:cloudformation:us-east-1::type/resource/0123456789abcdef/Vendor-Tools-Thing"),
                false
            ),
            (
                "Resources.Quiet",
                Kind::Plugin,
                Some("0123456789abcdef/Vendor::Tools::Thing"),
                true
            ),
            (
                "Resources.Default",
                Kind::Plugin,
                Some("0123456789abcdef/Vendor::Tools::Thing2"),
                false
            ),
            ("Resources.NoMajor", Kind::Plugin, Some("p/V::T::N"), false),
            ("Resources.Param", Kind::Plugin, Some("!Ref Arn"), false),
        ]
    );
    assert_eq!(got[4].version.as_deref(), Some("2"));
    assert!(matches!(&got[0].pin, PinState::Unpinned(w) if w.contains("versionId")));
    assert!(matches!(&got[5].pin, PinState::Unpinned(w) if w.contains("defaults to true")));
    // Fail closed on what cannot be judged.
    let e = extract("Resources:\n  A:\n    Type: AWS::CloudFormation::TypeActivation\n    Properties:\n      AutoUpdate: false\n")
        .unwrap_err();
    assert!(e.message.contains("PublicTypeArn"), "{}", e.message);
    let e = extract("Resources:\n  A:\n    Type: AWS::CloudFormation::ModuleVersion\n    Properties:\n      ModuleName: A::B::C::MODULE\n")
        .unwrap_err();
    assert!(e.message.contains("ModulePackage"), "{}", e.message);
}
