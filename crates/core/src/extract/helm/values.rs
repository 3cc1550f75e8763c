//! A chart's `values.yaml`: the container images it sets.
//!
//! Only fields that clearly are an image are read, anywhere in the file
//! (under components, in lists): a key `image` whose value is
//! - a string that is an image reference (`nginx:1.27`, `ghcr.io/org/app@sha256:...`,
//!   a bare repository name such as `nginx`), or
//! - a mapping with a non-empty `repository`, and optionally `registry`,
//!   `tag` and `digest` (Bitnami's and `helm create`'s layout), read as
//!   `<registry>/<repository>:<tag>@<digest>`. An empty or missing `tag`
//!   is the chart's `appVersion`, as `helm create`'s templates write it
//!   (`{{ .Values.image.tag | default .Chart.AppVersion }}`).
//!
//! Not read: keys under free-form maps (`podAnnotations`, `labels`,
//! `nodeSelector`, `env`, ...), unless a template names `.<map>.image`.
//! With the chart in view ([`ChartView`]), a `digest` beside a tag pins only
//! where its templates may deploy it ([`ChartView::reads_digest`]); an
//! unquoted numeric `tag` is the text Helm renders ([`rendered_number`]).
//!
//! The key is `values.<path>` (`values.image`, `values.controller.image`,
//! `values.sidecars[0].image`); pins are those of any image reference
//! ([`crate::extract::image_ref`]).

use crate::extract::image_ref;
use crate::extract::yaml::{self as tree, Node, NodeKind};
use crate::model::{Dependency, Ecosystem, ExtractError, PinState, Span, Spanned};

/// The chart a `values.yaml` belongs to, as far as its values are read
/// against it (see [`extract_in`]).
pub(in crate::extract) struct ChartView {
    pub app_version: Option<String>,
    /// The names (or aliases) of its subcharts.
    pub subcharts: Vec<String>,
    /// The text of the files directly in its `templates/`; `None` when
    /// they could not be listed.
    pub templates: Option<String>,
}

impl ChartView {
    /// Whether Helm may deploy the `digest` of the image map at `path`
    /// (`values.image`): a template mentions `digest`, or hands the map
    /// whole to something else (`include "common.images.image" (dict
    /// "imageRoot" .Values.image)`, `toYaml .Values.image`), or the map
    /// sets a subchart's values, whose templates are not in view. Not when
    /// the templates are in view and read the map field by field with no
    /// word of a digest (`{{ .Values.image.repository }}:{{ .Values.image.tag }}`),
    /// nor when they cannot be listed.
    fn reads_digest(&self, path: &str) -> bool {
        let rest = path.strip_prefix("values.").unwrap_or(path);
        let first = rest.split(['.', '[']).next().unwrap_or_default();
        if self.subcharts.iter().any(|name| name == first) {
            return true;
        }
        let Some(templates) = &self.templates else {
            return false;
        };
        templates.to_ascii_lowercase().contains("digest")
            || (!rest.contains('[') && passed_whole(templates, &format!(".Values.{rest}")))
    }

    /// Whether a free-form map's `key.image` is what a template reads (then
    /// it may be an image after all): `podAnnotations.image` is a pod
    /// annotation unless a template names `.podAnnotations.image`.
    fn reads_under(&self, key: &str) -> bool {
        match &self.templates {
            Some(templates) => templates.contains(&format!(".{key}.image")),
            None => true,
        }
    }
}

/// Whether `text` names `reference` (`.Values.image`) other than as the
/// start of a longer one (`.Values.image.tag`, `.Values.images`).
fn passed_whole(text: &str, reference: &str) -> bool {
    text.match_indices(reference).any(|(at, _)| {
        !text[at + reference.len()..]
            .chars()
            .next()
            .is_some_and(|c| c == '.' || c == '_' || c.is_alphanumeric())
    })
}

/// Keys whose maps are free-form strings in Helm's and Kubernetes'
/// conventions (annotations, labels, node selectors, environment
/// variables): an `image` there is text, not an image.
fn is_free_form(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.ends_with("annotations")
        || lower.ends_with("labels")
        || matches!(
            lower.as_str(),
            "nodeselector" | "env" | "extraenv" | "envvars" | "extraenvvars"
        )
}

/// The images of a chart's `values.yaml`, read against its chart.
pub(in crate::extract) fn extract_in(
    text: &str,
    chart: &ChartView,
) -> Result<Vec<Dependency>, ExtractError> {
    extract_with(text, chart.app_version.as_deref(), Some(chart))
}

/// The images of a `values.yaml` with no chart in view: a digest is taken
/// to be deployed.
#[cfg(test)]
pub(in crate::extract) fn extract(
    text: &str,
    app_version: Option<&str>,
) -> Result<Vec<Dependency>, ExtractError> {
    extract_with(text, app_version, None)
}

fn extract_with(
    text: &str,
    app_version: Option<&str>,
    chart: Option<&ChartView>,
) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = tree::load(text)? else {
        return Ok(Vec::new());
    };
    if !root.is_map() && !root.is_null() {
        return Err(ExtractError::new(
            "a chart's values.yaml must be a YAML mapping",
            root.span.start,
        ));
    }
    let mut deps = Vec::new();
    let mut path = "values".to_owned();
    walk(&root, &mut path, app_version, chart, &mut deps)?;
    super::super::number_repeated_keys(&mut deps);
    Ok(deps)
}

fn walk(
    node: &Node,
    path: &mut String,
    app_version: Option<&str>,
    chart: Option<&ChartView>,
    deps: &mut Vec<Dependency>,
) -> Result<(), ExtractError> {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                let Some(name) = key.key_text() else { continue };
                // `podAnnotations: {image: built-by-ci}` is an annotation.
                if is_free_form(name) && chart.is_none_or(|chart| !chart.reads_under(name)) {
                    continue;
                }
                let len = path.len();
                path.push('.');
                path.push_str(name);
                if name == "image" {
                    if let Some(dep) = image(path, key.span, value, app_version, chart)? {
                        deps.push(dep);
                        path.truncate(len);
                        continue;
                    }
                }
                walk(value, path, app_version, chart, deps)?;
                path.truncate(len);
            }
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, app_version, chart, deps)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// A scalar's text, `None` for null, a list or a mapping.
fn scalar(node: &Node) -> Option<Spanned<String>> {
    match &node.kind {
        NodeKind::Scalar(s) if node.tag.is_none() => Some(Spanned::new(s.text.clone(), node.span)),
        _ => None,
    }
}

/// A pin's reason, with a note on how the value was read.
fn with_note(pin: PinState, note: &str) -> PinState {
    match pin {
        PinState::Tagged(why) => PinState::Tagged(format!("{why} ({note})")),
        PinState::Unpinned(why) => PinState::Unpinned(format!("{why} ({note})")),
        pin => pin,
    }
}

/// How Helm renders a plain (unquoted, untagged) scalar that YAML reads
/// as a number: Helm parses values with sigs.k8s.io/yaml (go-yaml v2's
/// resolution, underscores dropped, `0x`/`0o`/`0b`/leading-`0` integers),
/// through JSON into a float64, which a template prints as Go's `%v`
/// does (`1.10` -> `1.1`, `10` -> `10`, `1234567` -> `1.234567e+06`).
/// `None` for a string (or a quoted, tagged or non-scalar node).
pub(super) fn rendered_number(node: &Node) -> Option<String> {
    let NodeKind::Scalar(s) = &node.kind else {
        return None;
    };
    if s.quoted || s.str_tag || node.tag.is_some() {
        return None;
    }
    go_number(&s.text).map(go_float)
}

/// go-yaml v2's reading of a plain scalar as a number, as a float64.
fn go_number(text: &str) -> Option<f64> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if !plain.starts_with(|c: char| c == '+' || c == '-' || c == '.' || c.is_ascii_digit()) {
        return None;
    }
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    // strconv.ParseInt(plain, 0, 64), then ParseUint.
    let lower = digits.to_ascii_lowercase();
    let int = if let Some(hex) = lower.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = lower.strip_prefix("0o") {
        u64::from_str_radix(oct, 8).ok()
    } else if let Some(bin) = lower.strip_prefix("0b") {
        u64::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<u64>().ok()
    } else {
        None
    };
    if let Some(int) = int {
        #[allow(clippy::cast_precision_loss)]
        let value = int as f64;
        return Some(if negative { -value } else { value });
    }
    // yaml.v2's float pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) if whole.is_empty() => !fraction.is_empty() && all_digits(fraction),
        Some(fraction) => all_digits(whole) && !whole.is_empty() && all_digits(fraction),
        None => !whole.is_empty() && all_digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    let value: f64 = plain.parse().ok()?;
    value.is_finite().then_some(value)
}

/// A float64 as Go's `fmt` prints it with `%v` (`%g`, shortest digits):
/// exponent form when the exponent is below -4 or at least 6.
fn go_float(value: f64) -> String {
    let exp_form = format!("{value:e}");
    let Some((mantissa, exponent)) = exp_form.split_once('e') else {
        return exp_form;
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return exp_form;
    };
    if value != 0.0 && !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        format!("{value}")
    }
}

/// A plain word that YAML or Helm reads as something other than a name.
fn is_keyword(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "~"
    ) || word.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Whether a string value of an `image` key clearly is an image reference.
fn looks_like_image(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || is_keyword(value) {
        return false;
    }
    if image_ref::is_templated(value) {
        return true;
    }
    let Ok(parsed) = image_ref::parse(value) else {
        return false;
    };
    // Repository names are lower-case: `image: Always` is no image.
    let name = parsed.written.rsplit('/').next().unwrap_or_default();
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn image(
    key: &str,
    at: Span,
    value: &Node,
    app_version: Option<&str>,
    chart: Option<&ChartView>,
) -> Result<Option<Dependency>, ExtractError> {
    match &value.kind {
        NodeKind::Scalar(_) => {
            let Some(written) = scalar(value) else {
                return Ok(None);
            };
            if !looks_like_image(&written.value) {
                return Ok(None);
            }
            Ok(Some(image_ref::dependency(
                Ecosystem::Helm,
                key.to_owned(),
                at,
                &written,
            )))
        }
        NodeKind::Map(_) => {
            let field = |name: &str| -> Result<Option<Spanned<String>>, ExtractError> {
                Ok(value
                    .get(name, key)?
                    .and_then(|(_, node)| scalar(node))
                    .filter(|s| !s.value.trim().is_empty()))
            };
            let Some(repository) = field("repository")? else {
                return Ok(None);
            };
            let registry = field("registry")?;
            let mut digest = field("digest")?;
            let mut tag = field("tag")?;
            // Helm reads values as JSON numbers: an unquoted `1.10` is the
            // float 1.1, which a template renders `1.1`.
            let mut rendered_note = None;
            if let Some(node) = value.get("tag", key)?.map(|(_, node)| node) {
                if let (Some(written), Some(rendered)) = (tag.as_mut(), rendered_number(node)) {
                    if rendered != written.value.trim() {
                        rendered_note = Some(format!(
                            "the tag is written `{}` unquoted: YAML reads a number, which Helm \
                             renders `{rendered}`",
                            written.value.trim()
                        ));
                        written.value = rendered;
                    }
                }
            }
            let mut reference = String::new();
            if let Some(registry) = &registry {
                reference.push_str(registry.value.trim().trim_end_matches('/'));
                reference.push('/');
            }
            reference.push_str(repository.value.trim());
            let tag_value = tag
                .as_ref()
                .map(|t| t.value.trim().to_owned())
                .or_else(|| app_version.map(|v| v.trim().to_owned()))
                .filter(|t| !t.is_empty());
            if let Some(tag) = &tag_value {
                reference.push(':');
                reference.push_str(tag);
            }
            // A digest beside a tag pins only where Helm deploys it.
            let mut unread_digest = None;
            if let (Some(_), Some(tag)) = (&digest, &tag_value) {
                if chart.is_some_and(|chart| !chart.reads_digest(key)) {
                    digest = None;
                    unread_digest = Some(format!(
                        "the chart's templates never read its `digest`: Helm deploys the tag \
                         `{tag}`"
                    ));
                }
            }
            if let Some(digest) = &digest {
                reference.push('@');
                reference.push_str(digest.value.trim());
            }
            let mut dep = image_ref::dependency(
                Ecosystem::Helm,
                key.to_owned(),
                at,
                &Spanned::new(reference, repository.span),
            );
            // The version where it is written: the digest, the tag, or
            // (from appVersion) the repository it applies to.
            if let Some(version) = &mut dep.version {
                if let Some(d) = digest.as_ref().filter(|d| d.value.trim() == version.value) {
                    version.span = d.span;
                } else if let Some(t) = tag.as_ref().filter(|t| t.value.trim() == version.value) {
                    version.span = t.span;
                }
            }
            if tag.is_none() && tag_value.is_some() && digest.is_none() {
                dep.comment = Some("the tag is the chart's appVersion".to_owned());
            }
            if let Some(note) = unread_digest {
                dep.pin = with_note(dep.pin, &note);
            }
            if let Some(note) = rendered_note {
                if let Some(version) = &mut dep.version {
                    // The rendered tag, at the tag as written.
                    if let Some(t) = tag.as_ref() {
                        if version.value == t.value {
                            version.span = t.span;
                        }
                    }
                }
                dep.pin = with_note(dep.pin, &note);
                dep.comment = Some(note);
            }
            Ok(Some(dep))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PinState;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn rows(text: &str, app: Option<&str>) -> Vec<(String, String, Option<String>, String)> {
        extract(text, app)
            .unwrap()
            .into_iter()
            .map(|d| {
                let pin = match d.pin {
                    PinState::Pinned => "pinned",
                    PinState::Tagged(_) => "tagged",
                    PinState::Unpinned(_) => "unpinned",
                    PinState::Derived => "derived",
                };
                (
                    d.key,
                    d.source.map(|s| s.value).unwrap_or_default(),
                    d.version.map(|v| v.value),
                    pin.to_owned(),
                )
            })
            .collect()
    }

    fn row(
        key: &str,
        source: &str,
        version: Option<&str>,
        pin: &str,
    ) -> (String, String, Option<String>, String) {
        (
            key.to_owned(),
            source.to_owned(),
            version.map(str::to_owned),
            pin.to_owned(),
        )
    }

    #[test]
    fn images_in_every_layout() {
        let text = format!(
            "\
image:
  repository: nginx
  tag: latest
  pullPolicy: Always
controller:
  image:
    registry: registry.k8s.io
    repository: ingress-nginx/controller
    tag: v1.11.2
    digest: {DIGEST}
sidecar:
  image: busybox:1.36
worker:
  image: {{repository: ghcr.io/acme/worker, tag: ''}}
extraContainers:
  - name: a
    image: alpine
pullPolicy:
  image: Always
other:
  image: {{pullPolicy: Always}}
"
        );
        assert_eq!(
            rows(&text, Some("2.4.0")),
            vec![
                row(
                    "values.image",
                    "docker.io/library/nginx",
                    Some("latest"),
                    "unpinned"
                ),
                row(
                    "values.controller.image",
                    "registry.k8s.io/ingress-nginx/controller",
                    Some(DIGEST),
                    "pinned"
                ),
                row(
                    "values.sidecar.image",
                    "docker.io/library/busybox",
                    Some("1.36"),
                    "tagged"
                ),
                row(
                    "values.worker.image",
                    "ghcr.io/acme/worker",
                    Some("2.4.0"),
                    "tagged"
                ),
                row(
                    "values.extraContainers[0].image",
                    "docker.io/library/alpine",
                    None,
                    "unpinned"
                ),
            ]
        );
        // Spans: the repository for the source, the tag or digest for the version.
        let deps = extract(&text, None).unwrap();
        let at = |s: Span| &text[s.start..s.end];
        assert_eq!(at(deps[0].source.as_ref().unwrap().span), "nginx");
        assert_eq!(at(deps[0].version.as_ref().unwrap().span), "latest");
        assert_eq!(at(deps[1].version.as_ref().unwrap().span), DIGEST);
        assert_eq!(at(deps[0].span), "image");
        // Without appVersion an empty tag is no tag.
        assert_eq!(deps[3].version, None);
        assert!(matches!(deps[3].pin, PinState::Unpinned(_)));
    }

    #[test]
    fn nothing_that_is_not_clearly_an_image() {
        for text in [
            "",
            "# none\n",
            "replicaCount: 1\n",
            "image: true\n",
            "image: ''\n",
            "image: Always\n",
            "image:\n  repository: ''\n",
            "image:\n  pullPolicy: IfNotPresent\n",
            "image: [a, b]\n",
            "images: nginx:latest\n",
        ] {
            assert_eq!(rows(text, Some("1.0.0")), vec![], "{text:?}");
        }
    }

    #[test]
    fn numeric_tags_as_helm_renders_them() {
        let render = |text: &str| {
            let root = tree::load(&format!("t: {text}\n")).unwrap().unwrap();
            let (_, node) = root.get("t", "t").unwrap().unwrap();
            rendered_number(node)
        };
        for (written, helm) in [
            ("1.10", "1.1"),
            ("1.0", "1"),
            ("10", "10"),
            ("1.25", "1.25"),
            ("3.9", "3.9"),
            ("0.1", "0.1"),
            (".5", "0.5"),
            ("1234567", "1.234567e+06"),
            ("20240101", "2.0240101e+07"),
            ("123456", "123456"),
            ("0.00001", "1e-05"),
            ("007", "7"),
            ("08", "8"),
            ("0x1F", "31"),
            ("1_000", "1000"),
            ("1e3", "1000"),
            ("-1.50", "-1.5"),
        ] {
            assert_eq!(render(written).as_deref(), Some(helm), "{written}");
        }
        for string in [
            "\"1.10\"",
            "'1.10'",
            "!!str 1.10",
            "1.10.2",
            "v1.10",
            "1.25-alpine",
            "latest",
            "1e",
            "1.2e3.4",
            "0x",
            "1e400",
            "",
        ] {
            assert_eq!(render(string), None, "{string}");
        }
        // In an image: the rendered tag is the version, and the message says why.
        let text = "image:\n  repository: nginx\n  tag: 1.10\n";
        let deps = extract(text, None).unwrap();
        assert_eq!(deps[0].version.as_ref().unwrap().value, "1.1");
        assert_eq!(
            &text[deps[0].version.as_ref().unwrap().span.start
                ..deps[0].version.as_ref().unwrap().span.end],
            "1.10"
        );
        assert!(
            matches!(&deps[0].pin, PinState::Tagged(why) if why.contains("renders `1.1`")),
            "{:?}",
            deps[0].pin
        );
        assert!(deps[0].comment.as_deref().unwrap().contains("unquoted"));
        let quoted = extract("image:\n  repository: nginx\n  tag: \"1.10\"\n", None).unwrap();
        assert_eq!(quoted[0].version.as_ref().unwrap().value, "1.10");
        assert_eq!(quoted[0].comment, None);
    }

    fn view(templates: Option<&str>, subcharts: &[&str]) -> ChartView {
        ChartView {
            app_version: Some("1.25.3".to_owned()),
            subcharts: subcharts.iter().map(|s| (*s).to_owned()).collect(),
            templates: templates.map(str::to_owned),
        }
    }

    fn pins(text: &str, chart: &ChartView) -> Vec<(String, Option<String>, String)> {
        extract_in(text, chart)
            .unwrap()
            .into_iter()
            .map(|d| {
                let pin = match &d.pin {
                    PinState::Pinned => "pinned".to_owned(),
                    PinState::Tagged(why) => format!("tagged: {why}"),
                    PinState::Unpinned(why) => format!("unpinned: {why}"),
                    PinState::Derived => "derived".to_owned(),
                };
                (d.key, d.version.map(|v| v.value), pin)
            })
            .collect()
    }

    #[test]
    fn a_digest_pins_only_where_the_templates_may_deploy_it() {
        let values = format!("image:\n  repository: nginx\n  tag: latest\n  digest: {DIGEST}\n");
        let scaffold = "image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n";
        let got = pins(&values, &view(Some(scaffold), &[]));
        assert_eq!(got[0].1.as_deref(), Some("latest"));
        assert!(
            got[0].2.starts_with("unpinned") && got[0].2.contains("never read its `digest`"),
            "{got:?}"
        );
        // No tag: the appVersion the template defaults to.
        let no_tag = format!("image:\n  repository: nginx\n  digest: {DIGEST}\n");
        let got = pins(&no_tag, &view(Some(scaffold), &[]));
        assert_eq!(got[0].1.as_deref(), Some("1.25.3"));
        // Templates that cannot be listed: the tag, fail-closed.
        assert_eq!(
            pins(&values, &view(None, &[]))[0].1.as_deref(),
            Some("latest")
        );
        for reads in [
            "image: \"{{ .Values.image.repository }}@{{ .Values.image.digest }}\"\n",
            "{{- if .Values.image.digest }}@{{ . }}{{ end }}\n",
            // Bitnami: the map handed whole to the common library's helper.
            "image: {{ include \"common.images.image\" (dict \"imageRoot\" .Values.image \"global\" .Values.global) }}\n",
            "image: {{ toYaml .Values.image }}\n",
            "{{- with .Values.image }}{{ .repository }}{{ end }}\n",
        ] {
            assert_eq!(
                pins(&values, &view(Some(reads), &[])),
                [("values.image".to_owned(), Some(DIGEST.to_owned()), "pinned".to_owned())],
                "{reads}"
            );
        }
        // `.Values.images` or `.Values.image.tag` is not the map whole.
        assert!(!passed_whole(
            ".Values.images .Values.image.tag",
            ".Values.image"
        ));
        // A subchart's values: its own templates decide, out of view.
        let sub = format!("redis:\n  image:\n    repository: bitnami/redis\n    tag: 7.2.4\n    digest: {DIGEST}\n");
        assert_eq!(pins(&sub, &view(Some(scaffold), &["redis"]))[0].2, "pinned");
        assert_ne!(pins(&sub, &view(Some(scaffold), &[]))[0].2, "pinned");
        // A digest alone is what is deployed either way.
        let only = format!("image: nginx@{DIGEST}\n");
        assert_eq!(pins(&only, &view(Some(scaffold), &[]))[0].2, "pinned");
    }

    #[test]
    fn free_form_maps_hold_no_images() {
        let chart = view(
            Some("metadata:\n  annotations: {{ toYaml .Values.podAnnotations | nindent 4 }}\n"),
            &[],
        );
        for text in [
            "podAnnotations:\n  image: \"built-by-ci\"\n",
            "commonLabels:\n  image: nginx\n",
            "labels:\n  image: web\n",
            "annotations:\n  image: nginx:latest\n",
            "nodeSelector:\n  image: gpu\n",
            "env:\n  image: alpine\n",
            "controller:\n  extraEnv:\n    image: alpine\n",
        ] {
            assert_eq!(pins(text, &chart), vec![], "{text:?}");
        }
        // A template that reads `.podAnnotations.image` makes it one.
        let reads = view(Some("image: {{ .Values.podAnnotations.image }}\n"), &[]);
        assert_eq!(
            pins("podAnnotations:\n  image: evil/miner\n", &reads).len(),
            1
        );
        // Images beside them are still read.
        let text =
            "podAnnotations:\n  image: built-by-ci\nimage:\n  repository: nginx\n  tag: latest\n";
        assert_eq!(pins(text, &chart)[0].0, "values.image");
    }

    #[test]
    fn malformed_fails_closed() {
        assert!(extract("image: [\n", None).is_err());
        assert!(extract("- a\n", None).is_err());
        assert!(extract("a: 1\n---\nb: 2\n", None).is_err());
    }
}
