//! `generate "NAME" { path = "x.tf" contents = <<EOF ... EOF }`: Terraform
//! code Terragrunt writes into the unit's module before it runs. When the
//! path is a Terraform file (`.tf`, `.tofu`, and their `.json` forms) the
//! contents are rendered as Terragrunt would (the interpolations this file
//! resolves put in, any other one a placeholder) and judged as a Terraform
//! file of the unit: a `module` it writes is a module call, a
//! `required_providers` entry a provider requirement.
//!
//! `file(PATH)` and `templatefile(PATH, vars)` read a file of the
//! repository (the template's interpolations are placeholders); the file
//! is read by the unit, so a change to it re-judges the unit. Contents
//! iacgate cannot read (a template directive, another function, a file
//! the tree does not have, text that does not parse once rendered)
//! are one dependency of the block, unpinned, so that adding or changing
//! them blocks; unchanged, they stay silent. Text that does not parse and
//! names no `module`, `terraform` or `provider` is no Terraform code that
//! declares a dependency, and is left alone.

use hcl::edit::expr::Expression;
use hcl::edit::structure::Block;
use hcl::edit::template::{Element, Template};

use super::Scope;
use crate::extract::terraform::{header_span, span_of};
use crate::extract::{terraform, terraform_json};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// What an interpolation this file cannot resolve renders to: a name, so
/// that it parses wherever a value may stand.
const PLACEHOLDER: &str = "iacgate_unresolved";

/// Generated Terraform code and the dependencies it declares, with spans
/// into the rendered text until [`Generated::located`] maps them.
pub(super) struct Generated {
    deps: Vec<Dependency>,
    rendered: String,
    /// `(rendered start, rendered end, file start, file end)` of each
    /// literal and interpolation, in rendered order.
    pieces: Vec<(usize, usize, usize, usize)>,
    /// The `contents` value, where nothing better is known.
    fallback: Span,
}

/// The generated Terraform code of one `generate` block: nothing when it
/// writes no Terraform file, the dependencies it declares (to be located
/// in the file's text), or one unreadable dependency.
pub(super) enum Output {
    Nothing,
    Code(Generated),
    Unreadable(Dependency),
}

/// The dependencies of `generate "NAME"`.
pub(super) fn read<'b>(block: &'b Block, scope: &mut Scope<'b>) -> Result<Output, ExtractError> {
    let [label] = block.labels.as_slice() else {
        return Err(ExtractError::new(
            "a generate block needs exactly one label (Terragrunt rejects this)",
            header_span(block).start,
        ));
    };
    let name = label.as_str();
    if let Some(disable) = block.body.get_attribute("disable") {
        if matches!(&disable.value, Expression::Bool(b) if *b.value()) {
            return Ok(Output::Nothing);
        }
    }
    let Some(contents) = block.body.get_attribute("contents") else {
        return Ok(Output::Nothing);
    };
    let contents = &contents.value;
    let fallback = span_of(contents, header_span(block));
    // An unresolvable path may be a Terraform file.
    let path = block
        .body
        .get_attribute("path")
        .and_then(|p| scope.string_of(&p.value).ok());
    let shown = path.as_deref().unwrap_or("a path iacgate cannot resolve");
    // The block as one dependency iacgate cannot judge, and why.
    let unpinned = |why: String| {
        let mut dep = Dependency::new(
            Ecosystem::Terragrunt,
            Kind::Module,
            format!("generate.{name}"),
            format!("generate.{name}"),
            header_span(block),
        );
        dep.source = Some(Spanned::new(format!("generate \"{name}\""), fallback));
        dep.pin = PinState::Unpinned(why);
        Output::Unreadable(dep)
    };
    let json = match path.as_deref() {
        Some(p) if p.ends_with(".tf.json") || p.ends_with(".tofu.json") => true,
        Some(p) if p.ends_with(".tf") || p.ends_with(".tofu") => false,
        // A lock file written at run time sets the hashes `init` accepts.
        Some(p) if p.rsplit('/').next() == Some(".terraform.lock.hcl") => {
            return Ok(unpinned(format!(
                "generate \"{name}\" writes the dependency lock file {shown}: the provider \
                 hashes `init` accepts would not be the ones committed and judged; commit the \
                 lock file instead"
            )));
        }
        Some(_) => return Ok(Output::Nothing),
        None => false,
    };
    let unreadable = |why: String| {
        unpinned(format!(
            "the Terraform code that generate \"{name}\" writes into {shown} cannot be read: \
             {why}; write it out as a literal heredoc, or commit the file"
        ))
    };
    let (rendered, pieces) = match render(contents, scope) {
        Ok(rendered) => rendered,
        Err(why) => return Ok(unreadable(why)),
    };
    let parsed = if json {
        terraform_json::extract(&rendered)
    } else {
        terraform::extract(&rendered)
    };
    let deps = match parsed {
        Ok(deps) => deps,
        Err(_) if !names_dependencies(&rendered) => return Ok(Output::Nothing),
        Err(e) => {
            return Ok(unreadable(format!(
                "once rendered it does not parse ({})",
                e.message
            )))
        }
    };
    let deps = deps
        .into_iter()
        .map(|mut dep| {
            dep.key = format!("generate.{name}/{}", dep.key);
            let built = [&dep.source, &dep.version]
                .into_iter()
                .flatten()
                .any(|v| v.value.contains(PLACEHOLDER));
            if built {
                dep.pin = PinState::Unpinned(format!(
                    "generate \"{name}\" builds it from an interpolation iacgate cannot resolve"
                ));
            } else if dep.kind == Kind::Module && dep.source.is_none() {
                dep.pin = PinState::Unpinned(format!(
                    "generate \"{name}\" writes module \"{}\" without a source into {shown}: an \
                     override of a module block iacgate does not see",
                    dep.name
                ));
            }
            dep
        })
        .collect();
    Ok(Output::Code(Generated {
        deps,
        rendered,
        pieces,
        fallback,
    }))
}

/// Whether text names what declares a Terraform dependency.
fn names_dependencies(text: &str) -> bool {
    ["module", "terraform", "provider"]
        .iter()
        .any(|word| text.contains(word))
}

type Pieces = Vec<(usize, usize, usize, usize)>;

/// The text `contents` renders to, or why it cannot be known.
fn render<'b>(contents: &'b Expression, scope: &mut Scope<'b>) -> Result<(String, Pieces), String> {
    let at = span_of(contents, Span::default());
    match contents {
        Expression::String(s) => {
            let text = s.as_str().to_owned();
            Ok((text.clone(), vec![(0, text.len(), at.start, at.end)]))
        }
        Expression::StringTemplate(t) => template(t, scope, at),
        Expression::HeredocTemplate(h) => template(&h.template, scope, at),
        Expression::Parenthesis(p) => render(p.inner(), scope),
        // A file of the repository, as it is, or as a template whose
        // interpolations (the variables passed in) are placeholders.
        Expression::FuncCall(call)
            if !call.name.is_namespaced()
                && matches!(call.name.name.as_str(), "file" | "templatefile") =>
        {
            let Some(path) = call.args.iter().next() else {
                return Err("a call without a path".to_owned());
            };
            let (file, text) = scope.read_text(path)?;
            let text = if call.name.name.as_str() == "file" {
                text
            } else {
                template_file(&text).map_err(|why| format!("{file}: {why}"))?
            };
            if text.len() > MAX_RENDERED {
                return Err(format!("{file} is too long"));
            }
            Ok((text.clone(), vec![(0, text.len(), at.start, at.end)]))
        }
        other => match scope.string_of(other) {
            // `local.provider_code`, read from this file or an included one.
            Ok(text) => Ok((text.clone(), vec![(0, text.len(), at.start, at.end)])),
            Err(()) => Err(
                "it is an expression (a function's result, say) whose value is \
                            known only when Terragrunt runs"
                    .to_owned(),
            ),
        },
    }
}

fn template<'b>(
    template: &'b Template,
    scope: &mut Scope<'b>,
    whole: Span,
) -> Result<(String, Pieces), String> {
    let elements: Vec<&Element> = template.iter().collect();
    let strips = |i: usize, after: bool| match elements.get(i) {
        Some(Element::Interpolation(interp)) if after => interp.strip.strip_end(),
        Some(Element::Interpolation(interp)) => interp.strip.strip_start(),
        _ => false,
    };
    let mut out = String::new();
    let mut pieces = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let at = span_of(*element, whole);
        let start = out.len();
        match element {
            Element::Literal(literal) => {
                let mut s = literal.as_str();
                if i > 0 && strips(i - 1, true) {
                    s = s.trim_start();
                }
                if strips(i + 1, false) {
                    s = s.trim_end();
                }
                out.push_str(s);
            }
            Element::Interpolation(interp) => match scope.string_of(&interp.expr) {
                Ok(value) => out.push_str(&value),
                Err(()) => out.push_str(PLACEHOLDER),
            },
            Element::Directive(_) => {
                return Err("it holds a template directive (`%{ if }`, `%{ for }`)".to_owned())
            }
        }
        if out.len() > MAX_RENDERED {
            return Err("it is too long".to_owned());
        }
        pieces.push((start, out.len(), at.start, at.end));
    }
    Ok((out, pieces))
}

/// A `templatefile()` template rendered with every interpolation a
/// placeholder (the variables are not resolved); a directive cannot be.
fn template_file(text: &str) -> Result<String, String> {
    let template = hcl::edit::parser::parse_template(text)
        .map_err(|e| format!("the template does not parse ({})", e.message()))?;
    let mut out = String::new();
    for element in template.iter() {
        match element {
            Element::Literal(literal) => out.push_str(literal.as_str()),
            Element::Interpolation(_) => out.push_str(PLACEHOLDER),
            Element::Directive(_) => {
                return Err("the template holds a directive (`%{ if }`, `%{ for }`)".to_owned())
            }
        }
        if out.len() > MAX_RENDERED {
            return Err("it is too long".to_owned());
        }
    }
    Ok(out)
}

/// Generated code larger than this is not judged (it blocks).
const MAX_RENDERED: usize = 1 << 20;

impl Generated {
    /// The dependencies, with every span in `text` (the file): at the same
    /// line of a literal as in the rendered code, at an interpolation's
    /// place for what it put in.
    pub(super) fn located(self, text: &str) -> Vec<Dependency> {
        let map = |offset: usize| self.map(offset, text);
        let span = |span: Span| {
            let start = super::floor_boundary(text, map(span.start));
            let end = super::ceil_boundary(text, map(span.end.saturating_sub(1)).max(start) + 1);
            Span::new(start, end.max(start))
        };
        let mut deps = self.deps.clone();
        for dep in &mut deps {
            dep.span = span(dep.span);
            if let Some(source) = &mut dep.source {
                source.span = span(source.span);
            }
            if let Some(version) = &mut dep.version {
                version.span = span(version.span);
            }
        }
        deps
    }

    /// The dependencies, every span `at` (code written in another file).
    pub(super) fn at(self, at: Span) -> Vec<Dependency> {
        let mut deps = self.deps;
        for dep in &mut deps {
            dep.span = at;
        }
        deps
    }

    fn map(&self, offset: usize, text: &str) -> usize {
        let i = self.pieces.partition_point(|p| p.0 <= offset);
        let Some(&(start, end, file_start, file_end)) =
            i.checked_sub(1).and_then(|i| self.pieces.get(i))
        else {
            return self.fallback.start;
        };
        let inside = self
            .rendered
            .get(start..offset.min(end).max(start))
            .unwrap_or_default();
        let Some(file) = text.get(file_start..file_end) else {
            return self.fallback.start;
        };
        // The same line of the literal, the same column where it has one.
        let lines = inside.matches('\n').count();
        let column = inside.len() - inside.rfind('\n').map_or(0, |n| n + 1);
        let mut line_start = 0;
        for _ in 0..lines {
            match file[line_start..].find('\n') {
                Some(n) => line_start += n + 1,
                None => return file_start,
            }
        }
        let line_end = file[line_start..]
            .find('\n')
            .map_or(file.len(), |n| line_start + n);
        let mut at = (line_start + column).min(line_end.max(line_start));
        while !file.is_char_boundary(at) {
            at -= 1;
        }
        file_start + at
    }
}
