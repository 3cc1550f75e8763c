//! Reading the strings that name dependencies: template URLs, Lambda
//! layer ARNs, SAR semantic versions, resource type names.

use std::ops::Range;

/// A `TemplateURL` (or `Location`): a local path (`./nested.yaml`, which
/// `sam package` / `aws cloudformation package` upload) has no scheme.
pub(super) fn is_local_path(url: &str) -> bool {
    !url.contains("://")
}

/// A template URL split into what names the object and how it is pinned.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Url {
    /// Up to the query string or fragment.
    pub base: Range<usize>,
    /// The value of the first `versionId=` query parameter.
    pub version_id: Option<Range<usize>>,
    /// How many `versionId` parameters there are.
    pub version_ids: usize,
    pub s3: bool,
}

pub(super) fn url(text: &str) -> Url {
    let base_end = text.find(['?', '#']).unwrap_or(text.len());
    let mut url = Url {
        base: 0..base_end,
        version_id: None,
        version_ids: 0,
        s3: is_s3(&text[..base_end]),
    };
    if text[base_end..].starts_with('?') {
        let query_end = text[base_end..]
            .find('#')
            .map_or(text.len(), |i| base_end + i);
        let mut at = base_end + 1;
        for param in text[at..query_end].split('&') {
            if let Some(value) = param.strip_prefix("versionId=") {
                url.version_ids += 1;
                if url.version_id.is_none() && !value.is_empty() {
                    let start = at + "versionId=".len();
                    url.version_id = Some(start..start + value.len());
                }
            }
            at += param.len() + 1;
        }
    }
    url
}

/// `s3://BUCKET/KEY`, `https://BUCKET.s3[.-]REGION.amazonaws.com/KEY`,
/// `https://s3[.-]REGION.amazonaws.com/BUCKET/KEY` (also `.amazonaws.com.cn`
/// and `${AWS::URLSuffix}`); not the website endpoints, which serve only
/// the current version of an object.
pub(super) fn is_s3(base: &str) -> bool {
    let lower = base.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("s3://") {
        return rest
            .split_once('/')
            .is_some_and(|(bucket, key)| !bucket.is_empty() && !key.is_empty());
    }
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let Some((host, path)) = rest.split_once('/') else {
        return false;
    };
    if host.contains('@') {
        return false;
    }
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let Some(stem) = [".amazonaws.com", ".amazonaws.com.cn", ".${aws::urlsuffix}"]
        .iter()
        .find_map(|suffix| host.strip_suffix(suffix))
    else {
        return false;
    };
    let labels: Vec<&str> = stem.split('.').collect();
    let is_s3_label = |label: &str| {
        label == "s3" || (label.starts_with("s3-") && !label.starts_with("s3-website"))
    };
    match labels.iter().position(|label| is_s3_label(label)) {
        // Path style: the bucket is the first path segment.
        Some(0) => path
            .split_once('/')
            .is_some_and(|(bucket, key)| !bucket.is_empty() && !key.is_empty()),
        // Virtual-hosted style: the bucket is the host name before `s3`.
        Some(_) => !path.is_empty() && !labels.iter().any(|l| l.starts_with("s3-website")),
        None => false,
    }
}

/// A Lambda layer version ARN `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME[:VERSION]`
/// (fields may be `${AWS::Region}`-style placeholders): the end of the
/// part without the version, and the version.
pub(super) fn layer_arn(arn: &str) -> Option<(usize, Option<Range<usize>>)> {
    let fields = split_fields(arn);
    let field = |i: usize| fields.get(i).map(|r: &Range<usize>| &arn[r.clone()]);
    if field(0)? != "arn" || field(2)? != "lambda" || field(5)? != "layer" || field(6)?.is_empty() {
        return None;
    }
    match fields.len() {
        7 => Some((arn.len(), None)),
        8 => {
            let version = fields[7].clone();
            Some((version.start - 1, Some(version)))
        }
        _ => None,
    }
}

/// The `:`-separated fields of an ARN, a `${...}` placeholder being one
/// piece of a field even though `AWS::Region` has colons.
fn split_fields(arn: &str) -> Vec<Range<usize>> {
    let bytes = arn.as_bytes();
    let mut fields = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            i = arn[i..].find('}').map_or(bytes.len(), |end| i + end + 1);
            continue;
        }
        if bytes[i] == b':' {
            fields.push(start..i);
            start = i + 1;
        }
        i += 1;
    }
    fields.push(start..bytes.len());
    fields
}

/// `MAJOR.MINOR.PATCH` with an optional pre-release and build: one exact
/// version, which is all a SAR `SemanticVersion` may pin to.
pub(super) fn is_exact_semver(version: &str) -> bool {
    let (version, build) = match version.split_once('+') {
        Some((v, build)) => (v, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let identifiers = |s: &str| {
        s.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(identifiers)
        && build.is_none_or(identifiers)
}

/// `Org::Service::Name::MODULE`: a registry module.
pub(super) fn is_module_type(type_name: &str) -> bool {
    let parts: Vec<&str> = type_name.split("::").collect();
    parts.len() == 4 && parts[3] == "MODULE" && parts[..3].iter().all(|p| is_type_part(p))
}

/// `Org::Service::Name` from a publisher other than AWS: a registry
/// resource type (`MongoDB::Atlas::Cluster`, a private type).
pub(super) fn is_third_party_type(type_name: &str) -> bool {
    let parts: Vec<&str> = type_name.split("::").collect();
    parts.len() == 3
        && parts.iter().all(|p| is_type_part(p))
        && !matches!(parts[0], "AWS" | "Alexa" | "Custom")
}

/// A resource type that makes the file a template.
pub(super) fn is_template_type(type_name: &str) -> bool {
    type_name.starts_with("AWS::")
        || type_name.starts_with("Alexa::")
        || type_name.starts_with("Custom::")
        || is_third_party_type(type_name)
        || is_module_type(type_name)
}

fn is_type_part(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Transforms AWS runs itself, versioned by name.
pub(super) fn is_aws_transform(name: &str) -> bool {
    matches!(
        name,
        "AWS::Serverless-2016-10-31"
            | "AWS::LanguageExtensions"
            | "AWS::Include"
            | "AWS::CodeDeployBlueGreen"
            | "AWS::SecretsManager-2020-07-23"
            | "AWS::SecretsManager-2024-09-16"
            | "AWS::ServiceCatalog"
    )
}
