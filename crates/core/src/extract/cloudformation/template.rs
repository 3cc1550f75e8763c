//! The dependencies a template declares.

use std::collections::HashSet;

use super::super::Deps;
use super::tree::Node;
use super::urls;
use super::values::{call, render, resolve, short, Lit, Val};
use crate::extract::image_ref;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// Whether a document's root makes it a template: a top-level
/// `AWSTemplateFormatVersion`, or a `Resources` mapping with at least one
/// resource of a known kind of type.
pub(super) fn is_template(root: &Node) -> bool {
    if root.entries().is_none() {
        return false;
    }
    if root.entry("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources")
        .and_then(Node::entries)
        .is_some_and(|resources| {
            resources.iter().any(|(_, resource)| {
                resource
                    .get("Type")
                    .and_then(Node::as_str)
                    .is_some_and(urls::is_template_type)
            })
        })
}

/// A template's dependencies, in file order.
pub(super) fn extract(root: &Node) -> Result<Vec<Dependency>, ExtractError> {
    let mut x = Extractor {
        deps: Deps::default(),
        logical_ids: HashSet::new(),
    };
    if let Some((_, transform)) = root.entry("Transform") {
        x.transforms(transform)?;
    }
    if let Some(resources) = root.get("Resources") {
        if let Some(entries) = resources.entries() {
            x.logical_ids = entries
                .iter()
                .filter_map(|(k, _)| k.as_str().map(str::to_owned))
                .collect();
        }
        x.resources(resources, "Resources")?;
    }
    if let Some(globals) = root.get("Globals") {
        x.globals(globals)?;
    }
    x.walk(root, &mut String::new())?;
    let mut deps = x.deps.finish();
    deps.sort_by_key(|dep| dep.span.start);
    Ok(deps)
}

struct Extractor {
    deps: Deps,
    /// The template's own resources: a layer `!Ref` to one is not a
    /// third-party dependency.
    logical_ids: HashSet<String>,
}

fn dependency(kind: Kind, key: String, name: &str, span: Span) -> Dependency {
    Dependency::new(Ecosystem::CloudFormation, kind, key, name.to_owned(), span)
}

fn error(message: impl Into<String>, node: &Node) -> ExtractError {
    ExtractError::new(message, node.span.start)
}

/// What a resource says about one of its properties.
enum Prop<'n> {
    Found(&'n Node),
    /// `Properties` is itself an intrinsic function (`!If [...]`).
    Opaque(&'n Node),
    /// Absent, but `Fn::Transform` may supply it.
    Injected,
    Missing,
}

fn prop<'n>(id: &str, body: &'n Node, name: &str) -> Result<Prop<'n>, ExtractError> {
    let Some(properties) = body.get("Properties") else {
        return Ok(if body.entry("Fn::Transform").is_some() {
            Prop::Injected
        } else {
            Prop::Missing
        });
    };
    if call(properties).is_some() {
        return Ok(Prop::Opaque(properties));
    }
    if properties.is_null() {
        return Ok(Prop::Missing);
    }
    if properties.entries().is_none() {
        return Err(error(
            format!("resource {id}: Properties must be a mapping"),
            properties,
        ));
    }
    Ok(match properties.get(name) {
        Some(value) => Prop::Found(value),
        None if properties.entry("Fn::Transform").is_some() => Prop::Injected,
        None => Prop::Missing,
    })
}

impl Extractor {
    fn push(&mut self, dep: Dependency) -> Result<(), ExtractError> {
        self.deps.push(dep, |dep| {
            format!(
                "{} is declared twice (CloudFormation rejects this)",
                dep.key
            )
        })
    }

    /// `Transform: name` or `Transform: [name, ...]`.
    fn transforms(&mut self, transform: &Node) -> Result<(), ExtractError> {
        let entries = match transform.items() {
            Some(items) if call(transform).is_none() => items,
            _ if transform.is_null() => return Ok(()),
            _ => std::slice::from_ref(transform),
        };
        for entry in entries {
            if let Some(name) = entry.as_str() {
                let mut dep =
                    dependency(Kind::Plugin, format!("Transform.{name}"), name, entry.span);
                dep.source = Some(Spanned::new(name.to_owned(), entry.span));
                dep.pin = transform_pin(name);
                self.push(dep)?;
            } else if entry.entries().is_some() && call(entry).is_none() {
                // `{Name: AWS::Include, Parameters: {...}}`
                let name = transform_name(entry)?;
                self.named_transform(format!("Transform.{name}"), entry.span, entry)?;
            } else {
                return Err(error(
                    "Transform must be a macro name or a list of macro names",
                    entry,
                ));
            }
        }
        Ok(())
    }

    /// A `Fn::Transform` value `{Name: ..., Parameters: {...}}`.
    fn named_transform(
        &mut self,
        key: String,
        span: Span,
        value: &Node,
    ) -> Result<(), ExtractError> {
        // A list of transforms, each applied in turn (as in AWS's own
        // macro examples).
        if let Some(items) = value.items().filter(|_| value.local_tag().is_none()) {
            for (i, item) in items.iter().enumerate() {
                self.named_transform(format!("{key}[{i}]"), item.span, item)?;
            }
            return Ok(());
        }
        let name = transform_name(value)?;
        let name_node = value.get("Name").unwrap_or(value);
        if name == "AWS::Include" {
            let location = value
                .get("Parameters")
                .and_then(|parameters| parameters.get("Location"))
                .ok_or_else(|| error("AWS::Include needs Parameters.Location", value))?;
            let dep = dependency(Kind::Stack, key, name, span);
            return self.url(dep, location, "AWS::Include Location");
        }
        let mut dep = dependency(Kind::Plugin, key, name, span);
        dep.source = Some(Spanned::new(name.to_owned(), name_node.span));
        dep.pin = transform_pin(name);
        self.push(dep)
    }

    fn resources(&mut self, resources: &Node, prefix: &str) -> Result<(), ExtractError> {
        if resources.is_null() {
            return Ok(());
        }
        // Not `call`: `{Fn::Transform: ...}` or one `Fn::ForEach::` is a
        // mapping of resources too.
        let Some(entries) = resources
            .entries()
            .filter(|_| resources.local_tag().is_none())
        else {
            return Err(error(
                format!("{prefix} must be a mapping of logical ids to resources"),
                resources,
            ));
        };
        for (id_node, body) in entries {
            let Some(id) = id_node.as_str() else {
                return Err(error("a logical id must be a string", id_node));
            };
            if id == "Fn::Transform" {
                // Found by `walk`.
                continue;
            }
            if id.starts_with("Fn::ForEach::") {
                // AWS::LanguageExtensions: [Identifier, Collection, {OutputKey: OutputValue}]
                match body.items() {
                    Some([_, _, output]) if output.entries().is_some() => {
                        self.resources(output, &format!("{prefix}.{id}"))?;
                    }
                    _ => {
                        return Err(error(
                            format!(
                                "{id} must be [Identifier, Collection, {{OutputKey: OutputValue}}]"
                            ),
                            body,
                        ))
                    }
                }
                continue;
            }
            self.resource(id, id_node, body, prefix)?;
        }
        Ok(())
    }

    fn resource(
        &mut self,
        id: &str,
        id_node: &Node,
        body: &Node,
        prefix: &str,
    ) -> Result<(), ExtractError> {
        if body.entries().is_none() || body.local_tag().is_some() {
            return Err(error(
                format!("resource {id} must be a mapping with a Type"),
                body,
            ));
        }
        // `Type: !Rain::Module <path or URL>`: AWS Rain inlines that
        // module's template before deploying; a URL is fetched.
        // (In JSON: `"Type": {"Rain::Module": "<path>"}`.)
        let rain = body.get("Type").and_then(|t| match t.local_tag() {
            Some("Rain::Module") => Some(t),
            _ => t.entries().and_then(|_| t.get("Rain::Module")),
        });
        if let Some(type_node) = rain {
            let Some(target) = type_node.scalar() else {
                return Err(error(
                    format!("resource {id}: !Rain::Module needs a path or URL"),
                    type_node,
                ));
            };
            if urls::is_local_path(&target.value) {
                return Ok(());
            }
            let mut dep = dependency(Kind::Stack, format!("{prefix}.{id}"), id, id_node.span);
            dep.source = Some(Spanned::new(target.value.clone(), type_node.span));
            dep.pin = PinState::Unpinned("a Rain module fetched from a URL can change".into());
            return self.push(dep);
        }
        let type_name = match body.get("Type") {
            Some(type_node) => match type_node.as_str() {
                Some(type_name) => (type_name, type_node),
                None => {
                    return Err(error(
                        format!("resource {id}: Type must be a literal string"),
                        type_node,
                    ))
                }
            },
            None if body.entry("Fn::Transform").is_some() => return Ok(()),
            None => return Err(error(format!("resource {id} has no Type"), id_node)),
        };
        let (type_name, type_node) = type_name;
        let key = format!("{prefix}.{id}");
        match type_name {
            "AWS::CloudFormation::Stack" => {
                let dep = dependency(Kind::Stack, key, id, id_node.span);
                self.property_url(dep, id, id_node, body, type_name, "TemplateURL")
            }
            // A stack set's template may be inline (TemplateBody) instead.
            "AWS::CloudFormation::StackSet" => match prop(id, body, "TemplateURL")? {
                Prop::Found(value) => {
                    let dep = dependency(Kind::Stack, key, id, id_node.span);
                    self.url(dep, value, "TemplateURL")
                }
                _ => Ok(()),
            },
            // Registering an extension: CloudFormation runs the handler
            // code (or expands the module) from the package, so the
            // package is pinned only as a versioned S3 object.
            "AWS::CloudFormation::ResourceVersion" | "AWS::CloudFormation::HookVersion" => {
                let dep = dependency(Kind::Plugin, key, id, id_node.span);
                self.property_url(dep, id, id_node, body, type_name, "SchemaHandlerPackage")
            }
            "AWS::CloudFormation::ModuleVersion" => {
                let dep = dependency(Kind::Module, key, id, id_node.span);
                self.property_url(dep, id, id_node, body, type_name, "ModulePackage")
            }
            "AWS::CloudFormation::TypeActivation" => self.activation(key, id, id_node, body),
            "AWS::ECS::TaskDefinition" => {
                if let Prop::Found(list) = prop(id, body, "ContainerDefinitions")? {
                    for (i, item) in list.items().unwrap_or_default().iter().enumerate() {
                        if let Some(image) = item.get("Image") {
                            self.image(format!("{key}.ContainerDefinitions[{i}]"), id, image)?;
                        }
                    }
                }
                Ok(())
            }
            "AWS::Batch::JobDefinition" => {
                if let Prop::Found(container) = prop(id, body, "ContainerProperties")? {
                    if let Some(image) = container.get("Image") {
                        self.image(format!("{key}.ContainerProperties"), id, image)?;
                    }
                }
                Ok(())
            }
            "AWS::Serverless::Application" => self.application(key, id, id_node, body),
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
                let image = match prop(id, body, "Code")? {
                    Prop::Found(code) => code.get("ImageUri"),
                    _ => None,
                };
                let image = image.or(match prop(id, body, "ImageUri")? {
                    Prop::Found(uri) => Some(uri),
                    _ => None,
                });
                if let Some(image) = image {
                    self.image(format!("{key}.ImageUri"), id, image)?;
                }
                match prop(id, body, "Layers")? {
                    Prop::Found(layers) => self.layers(&key, id, layers),
                    Prop::Opaque(properties) => {
                        let dep =
                            dependency(Kind::Plugin, format!("{key}.Layers"), id, id_node.span);
                        self.unresolved(dep, render(properties), properties.span)
                    }
                    Prop::Injected | Prop::Missing => Ok(()),
                }
            }
            _ if urls::is_module_type(type_name) => {
                let mut dep = dependency(Kind::Module, key, id, id_node.span);
                dep.source = Some(Spanned::new(type_name.to_owned(), type_node.span));
                dep.pin =
                    PinState::Unpinned("registry modules follow their default version".into());
                self.push(dep)
            }
            _ if urls::is_third_party_type(type_name) => {
                let mut dep = dependency(Kind::Plugin, key, id, id_node.span);
                dep.source = Some(Spanned::new(type_name.to_owned(), type_node.span));
                dep.pin = PinState::Unpinned(
                    "third-party resource types follow their default version".into(),
                );
                self.push(dep)
            }
            _ => Ok(()),
        }
    }

    /// A container image a resource runs, when it is written as a literal
    /// (an image built from parameters or `!Sub` of the account's registry
    /// is the deployment's choice, not the template's).
    fn image(&mut self, key: String, name: &str, value: &Node) -> Result<(), ExtractError> {
        let Val::Lit(lit) = resolve(value) else {
            return Ok(());
        };
        let mut dep = image_ref::dependency(
            Ecosystem::CloudFormation,
            key,
            lit.span,
            &Spanned::new(lit.value.clone(), lit.span),
        );
        if dep.name.is_empty() {
            dep.name = name.to_owned();
        }
        self.push(dep)
    }

    /// A required URL property of a resource (`TemplateURL`).
    fn property_url(
        &mut self,
        dep: Dependency,
        id: &str,
        id_node: &Node,
        body: &Node,
        type_name: &str,
        name: &str,
    ) -> Result<(), ExtractError> {
        match prop(id, body, name)? {
            Prop::Found(value) => self.url(dep, value, name),
            Prop::Opaque(properties) => self.unresolved(dep, render(properties), properties.span),
            Prop::Injected => Ok(()),
            Prop::Missing => Err(error(
                format!("{type_name} {id} has no Properties.{name}"),
                id_node,
            )),
        }
    }

    /// A template URL: its object is the source, its `versionId` the
    /// version; pinned only as a versioned S3 object.
    fn url(&mut self, mut dep: Dependency, value: &Node, what: &str) -> Result<(), ExtractError> {
        let lit = match resolve(value) {
            Val::Lit(lit) => lit,
            Val::Opaque { text, span } => return self.unresolved(dep, text, span),
            Val::NotString => {
                return Err(error(
                    format!("{}: {what} must be a string", dep.name),
                    value,
                ))
            }
        };
        if urls::is_local_path(&lit.value) {
            // A file next to the template, uploaded by `sam package`: not a
            // third-party dependency, unless it leaves the repository
            // (placed once the file's path is known: `crate::local`).
            if !crate::local::may_leave(&lit.value) {
                return Ok(());
            }
            dep.source = Some(Spanned::new(lit.value.clone(), lit.span));
            dep.local_path = true;
            dep.pin = PinState::Derived;
            return self.push(dep);
        }
        let url = urls::url(&lit.value);
        dep.source = Some(Spanned::new(
            lit.value[url.base.clone()].to_owned(),
            lit.span,
        ));
        dep.version = url
            .version_id
            .clone()
            .map(|range| Spanned::new(lit.value[range.clone()].to_owned(), lit.sub(range)));
        dep.pin = if !url.s3 {
            PinState::Unpinned("not an S3 URL: its content can change".into())
        } else if url.version_ids > 1 {
            PinState::Unpinned("versionId is given more than once".into())
        } else if url.version_id.is_none() {
            PinState::Unpinned("S3 object without versionId".into())
        } else {
            PinState::Pinned
        };
        self.push(dep)
    }

    /// `AWS::CloudFormation::TypeActivation`: a public third-party
    /// extension activated in the account, by `PublicTypeArn` or
    /// `PublisherId` + `TypeName`. It stays at one version only with
    /// `AutoUpdate: false` (the default is true: each new minor version
    /// replaces it) and a `MajorVersion`; a `VersionBump` moves it to the
    /// newest version on every update.
    fn activation(
        &mut self,
        key: String,
        id: &str,
        id_node: &Node,
        body: &Node,
    ) -> Result<(), ExtractError> {
        let mut dep = dependency(Kind::Plugin, key, id, id_node.span);
        let field = |name: &str| -> Result<Option<&Node>, ExtractError> {
            Ok(match prop(id, body, name)? {
                Prop::Found(value) => Some(value),
                _ => None,
            })
        };
        if let Prop::Opaque(properties) = prop(id, body, "PublicTypeArn")? {
            return self.unresolved(dep, render(properties), properties.span);
        }
        let source = match (
            field("PublicTypeArn")?,
            field("PublisherId")?,
            field("TypeName")?,
        ) {
            (Some(arn), _, _) => resolve(arn),
            (None, Some(publisher), Some(name)) => match (resolve(publisher), resolve(name)) {
                (Val::Lit(p), Val::Lit(n)) => Val::Lit(Lit {
                    value: format!("{}/{}", p.value, n.value),
                    span: n.span,
                    at: None,
                }),
                (Val::Opaque { text, span }, _) | (_, Val::Opaque { text, span }) => {
                    Val::Opaque { text, span }
                }
                _ => Val::NotString,
            },
            _ => {
                return Err(error(
                    format!(
                        "AWS::CloudFormation::TypeActivation {id} needs Properties.PublicTypeArn, \
                         or PublisherId and TypeName"
                    ),
                    id_node,
                ))
            }
        };
        let lit = match source {
            Val::Lit(lit) => lit,
            Val::Opaque { text, span } => return self.unresolved(dep, text, span),
            Val::NotString => {
                return Err(error(
                    format!("{id}: PublicTypeArn, PublisherId and TypeName must be strings"),
                    id_node,
                ))
            }
        };
        dep.source = Some(Spanned::new(lit.value.clone(), lit.span));
        let literal = |node: Option<&Node>| match node.map(resolve) {
            Some(Val::Lit(lit)) => Some(lit),
            _ => None,
        };
        let auto_update = field("AutoUpdate")?;
        let major = literal(field("MajorVersion")?);
        let bump = field("VersionBump")?;
        if let Some(major) = &major {
            dep.version = Some(Spanned::new(major.value.clone(), major.span));
        }
        let updates_itself =
            !literal(auto_update).is_some_and(|v| v.value.eq_ignore_ascii_case("false"));
        dep.pin = if updates_itself {
            PinState::Unpinned(match auto_update {
                None => "AutoUpdate defaults to true: each new minor version of the extension \
                         replaces it"
                    .into(),
                Some(_) => "AutoUpdate is not false: each new minor version of the extension \
                            replaces it"
                    .into(),
            })
        } else if bump.is_some() {
            PinState::Unpinned("VersionBump moves it to the newest version on every update".into())
        } else if major.is_none() {
            PinState::Unpinned("no MajorVersion: the newest version is activated".into())
        } else {
            PinState::Pinned
        };
        self.push(dep)
    }

    /// A value only the deployment knows: reported as such.
    fn unresolved(
        &mut self,
        mut dep: Dependency,
        text: String,
        span: Span,
    ) -> Result<(), ExtractError> {
        dep.pin = PinState::Unpinned(format!(
            "`{}` cannot be resolved statically",
            short(&text, 60)
        ));
        dep.source = Some(Spanned::new(text, span));
        dep.version = None;
        self.push(dep)
    }

    /// `AWS::Serverless::Application` `Location`: a template URL, or a SAR
    /// application `{ApplicationId, SemanticVersion}`.
    fn application(
        &mut self,
        key: String,
        id: &str,
        id_node: &Node,
        body: &Node,
    ) -> Result<(), ExtractError> {
        let mut dep = dependency(Kind::Stack, key, id, id_node.span);
        let location = match prop(id, body, "Location")? {
            Prop::Found(location) => location,
            Prop::Opaque(properties) => {
                return self.unresolved(dep, render(properties), properties.span)
            }
            Prop::Injected => return Ok(()),
            Prop::Missing => {
                return Err(error(
                    format!("AWS::Serverless::Application {id} has no Properties.Location"),
                    id_node,
                ))
            }
        };
        if location.entries().is_none() || call(location).is_some() {
            return self.url(dep, location, "Location");
        }
        let application_id = location
            .get("ApplicationId")
            .ok_or_else(|| error(format!("{id}: Location needs an ApplicationId"), location))?;
        let mut unpinned = None;
        match resolve(application_id) {
            Val::Lit(lit) => dep.source = Some(Spanned::new(lit.value, lit.span)),
            Val::Opaque { text, span } => {
                unpinned = Some(format!(
                    "`{}` cannot be resolved statically",
                    short(&text, 60)
                ));
                dep.source = Some(Spanned::new(text, span));
            }
            Val::NotString => {
                return Err(error(
                    format!("{id}: ApplicationId must be a string"),
                    application_id,
                ))
            }
        }
        let version = location.get("SemanticVersion").filter(|v| !v.is_null());
        let reason = match version.map(resolve) {
            None => Some("no SemanticVersion".to_owned()),
            Some(Val::Lit(Lit { value, span, .. })) => {
                let reason = (!urls::is_exact_semver(&value))
                    .then(|| format!("SemanticVersion {value} is not one exact version"));
                dep.version = Some(Spanned::new(value, span));
                reason
            }
            Some(Val::Opaque { text, .. }) => Some(format!(
                "`{}` cannot be resolved statically",
                short(&text, 60)
            )),
            Some(Val::NotString) => {
                return Err(error(
                    format!("{id}: SemanticVersion must be a string"),
                    version.unwrap_or(location),
                ))
            }
        };
        dep.pin = match unpinned.or(reason) {
            Some(reason) => PinState::Unpinned(reason),
            None => PinState::Pinned,
        };
        self.push(dep)
    }

    /// SAM `Globals.Function.Layers`.
    fn globals(&mut self, globals: &Node) -> Result<(), ExtractError> {
        if globals.is_null() {
            return Ok(());
        }
        if globals.entries().is_none() {
            return Err(error("Globals must be a mapping", globals));
        }
        let Some(function) = globals.get("Function").filter(|f| !f.is_null()) else {
            return Ok(());
        };
        if function.entries().is_none() {
            return Err(error("Globals.Function must be a mapping", function));
        }
        match function.get("Layers") {
            Some(layers) => self.layers("Globals.Function", "Globals.Function", layers),
            None => Ok(()),
        }
    }

    /// Lambda layer version ARNs: pinned by their version number.
    fn layers(&mut self, owner: &str, name: &str, layers: &Node) -> Result<(), ExtractError> {
        if layers.is_null() {
            return Ok(());
        }
        let items = match layers.items() {
            Some(items) if call(layers).is_none() => items,
            _ if call(layers).is_some() => {
                let dep = dependency(Kind::Plugin, format!("{owner}.Layers"), name, layers.span);
                return self.unresolved(dep, render(layers), layers.span);
            }
            _ => {
                return Err(error(
                    format!("{owner}: Layers must be a list of layer ARNs"),
                    layers,
                ))
            }
        };
        for (i, item) in items.iter().enumerate() {
            if self.is_own_resource(item) {
                continue;
            }
            let mut dep = dependency(
                Kind::Plugin,
                format!("{owner}.Layers[{i}]"),
                name,
                item.span,
            );
            let lit = match resolve(item) {
                Val::Lit(lit) => lit,
                Val::Opaque { text, span } => {
                    self.unresolved(dep, text, span)?;
                    continue;
                }
                Val::NotString => {
                    return Err(error(
                        format!("{owner}: Layers[{i}] must be a layer version ARN"),
                        item,
                    ))
                }
            };
            match urls::layer_arn(&lit.value) {
                Some((source_end, version)) => {
                    dep.source = Some(Spanned::new(lit.value[..source_end].to_owned(), lit.span));
                    dep.pin = match &version {
                        None => PinState::Unpinned("layer ARN without a version".into()),
                        Some(v) if lit.value[v.clone()].bytes().all(|b| b.is_ascii_digit()) => {
                            PinState::Pinned
                        }
                        Some(v) => PinState::Unpinned(format!(
                            "layer version {} is not a number",
                            &lit.value[v.clone()]
                        )),
                    };
                    dep.version =
                        version.map(|v| Spanned::new(lit.value[v.clone()].to_owned(), lit.sub(v)));
                }
                None => {
                    dep.source = Some(Spanned::new(lit.value.clone(), lit.span));
                    dep.pin = PinState::Unpinned("not a Lambda layer version ARN".into());
                }
            }
            self.push(dep)?;
        }
        Ok(())
    }

    /// `!Ref MyLayer` / `!GetAtt MyLayer.X` naming a resource of this
    /// template.
    fn is_own_resource(&self, node: &Node) -> bool {
        let Some(call) = call(node) else {
            return false;
        };
        let arg = call.arg.node;
        let target = match call.name {
            "Ref" => arg.scalar().map(|s| s.value.as_str()),
            "GetAtt" => match arg.items() {
                Some([resource, ..]) => resource.as_str(),
                _ => arg.scalar().and_then(|s| s.value.split('.').next()),
            },
            _ => None,
        };
        target.is_some_and(|t| self.logical_ids.contains(t))
    }

    /// Every `Fn::Transform` (and `!Transform`), wherever it is: at the top
    /// level, among the resources, in properties. Its key is its path.
    fn walk(&mut self, node: &Node, path: &mut String) -> Result<(), ExtractError> {
        let len = path.len();
        if node.local_tag() == Some("Transform") {
            self.named_transform(transform_key(path), node.span, node)?;
        }
        if let Some(entries) = node.entries() {
            for (key, value) in entries {
                let name = key.scalar().map_or("?", |s| s.value.as_str());
                if name == "Fn::Transform" && key.local_tag().is_none() {
                    self.named_transform(transform_key(path), key.span, value)?;
                }
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                self.walk(value, path)?;
                path.truncate(len);
            }
        } else if let Some(items) = node.items() {
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                self.walk(item, path)?;
                path.truncate(len);
            }
        }
        Ok(())
    }
}

/// `Resources.Bucket.Properties.Fn::Transform`.
fn transform_key(path: &str) -> String {
    if path.is_empty() {
        "Fn::Transform".to_owned()
    } else {
        format!("{path}.Fn::Transform")
    }
}

fn transform_name(value: &Node) -> Result<&str, ExtractError> {
    if value.entries().is_none() {
        return Err(error(
            "Fn::Transform must be a mapping {Name: ..., Parameters: {...}} or a list of them",
            value,
        ));
    }
    value
        .get("Name")
        .and_then(Node::as_str)
        .ok_or_else(|| error("Fn::Transform needs a Name that is a literal string", value))
}

fn transform_pin(name: &str) -> PinState {
    if urls::is_aws_transform(name) {
        PinState::Pinned
    } else {
        PinState::Unpinned("a macro runs whatever its Lambda is now".into())
    }
}
