//! `iacgate init`: a starter policy that allowlists what a tree uses today.

use std::collections::BTreeSet;

use crate::extract::{extract, FileKind};
use crate::model::{Kind, PinState};
use crate::policy::normal_address;
use crate::source::ModuleSource;

/// What a tree depends on, in the normal form the allowlists match.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    pub modules: BTreeSet<String>,
    pub providers: BTreeSet<String>,
    /// GitHub Actions and reusable workflows, `owner/repo`.
    pub actions: BTreeSet<String>,
    /// Container image repositories, `docker.io/library/nginx`.
    pub images: BTreeSet<String>,
    /// Files that could not be read; the starter policy names them.
    pub unreadable: Vec<String>,
}

impl Inventory {
    /// Read every IaC file of a tree. Local modules are not dependencies.
    pub fn of_tree<'f>(files: impl IntoIterator<Item = (&'f str, &'f [u8])>) -> Inventory {
        let mut inventory = Inventory::default();
        for (path, bytes) in files {
            let Some(kind) = FileKind::classify(path) else {
                continue;
            };
            let Ok(deps) = extract(kind, bytes) else {
                inventory.unreadable.push(path.to_owned());
                continue;
            };
            // A local path is nothing to allow, even one that leaves the
            // repository.
            for dep in deps.into_iter().filter(|d| !d.local_path) {
                match dep.kind {
                    Kind::Module => {
                        let source = dep.source_str().and_then(|s| ModuleSource::parse(s).ok());
                        if let Some(source) = source.filter(|s| !s.is_local()) {
                            let address = normal_address(&source.address());
                            let repo = address
                                .split_once("//")
                                .map_or(address.as_str(), |(a, _)| a);
                            inventory.modules.insert(repo.to_owned());
                        }
                    }
                    Kind::Provider => {
                        let address = match dep.source_str() {
                            Some(s) => normal_address(s),
                            None => format!("hashicorp/{}", dep.name.to_ascii_lowercase()),
                        };
                        inventory.providers.insert(address);
                    }
                    Kind::Action => {
                        if let Some(source) = dep.source_str().filter(|s| !s.contains('$')) {
                            let repo: Vec<&str> = source.splitn(3, '/').take(2).collect();
                            inventory.actions.insert(repo.join("/"));
                        }
                    }
                    Kind::Image if matches!(dep.pin, PinState::Pinned | PinState::Tagged(_)) => {
                        if let Some(source) = dep.source_str() {
                            inventory.images.insert(source.to_owned());
                        }
                    }
                    _ => {}
                }
            }
        }
        inventory
    }

    /// The starter `.iacgate.toml`, every setting commented.
    pub fn starter_policy(&self) -> String {
        let list = |items: &BTreeSet<String>| -> String {
            if items.is_empty() {
                return "[]".to_owned();
            }
            let mut out = String::from("[\n");
            for item in items {
                out.push_str(&format!("  {},\n", toml_string(item)));
            }
            out.push(']');
            out
        };
        let mut text = String::from(STARTER_HEAD);
        text.push_str("\n[allow]\n");
        text.push_str(
            "# Module sources, matched on the normal address (docs/configuration.md):\n\
             # `*` matches anything, `/` included, so \"github.com/acme/*\" allows every\n\
             # repository of acme. An empty list means no allowlist.\n",
        );
        text.push_str(&format!("modules = {}\n", list(&self.modules)));
        text.push_str("# Provider sources; \"hashicorp/*\" allows every HashiCorp provider.\n");
        text.push_str(&format!("providers = {}\n", list(&self.providers)));
        if !self.actions.is_empty() {
            text.push_str(
                "# GitHub Actions and reusable workflows; \"actions/*\" allows GitHub's own.\n",
            );
            text.push_str(&format!("actions = {}\n", list(&self.actions)));
        }
        if !self.images.is_empty() {
            text.push_str(
                "# Container images, with their registry: nginx is docker.io/library/nginx.\n",
            );
            text.push_str(&format!("images = {}\n", list(&self.images)));
        }
        if !self.unreadable.is_empty() {
            text.push_str("# Not read (they do not parse today):\n");
            for path in &self.unreadable {
                text.push_str(&format!("#   {path}\n"));
            }
        }
        text.push_str(STARTER_TAIL);
        text
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const STARTER_HEAD: &str = "\
# iacgate policy (docs/configuration.md documents every key).
# Hooks read this file from the base revision, never from the change under
# test, so a change to it applies from the next change on, and needs a
# reviewer sign-off itself (rule policy-change).

[pinning]
# git = \"commit\"      # \"tag\": a version-looking tag (v1.2.3) counts as pinned
# registry = \"exact\"  # \"range\": a version constraint counts as pinned
# images = \"digest\"   # \"tag\": an image tag other than latest counts as pinned
# actions = \"commit\"  # \"tag\": an action's version tag (@v4) counts as pinned
";

const STARTER_TAIL: &str = "
[signoff]
# trailers = [\"Reviewed-by\", \"Approved-by\"]
# reviewers = []              # email globs, e.g. [\"*@example.com\"]; empty: anyone
# required = 1                # distinct reviewers needed
# distinct_from_author = true
# require_signed_commit = false
# require_signature = false   # only SSH-signed approvals count (docs/approvals.md)
# allowed_signers = \".iacgate/allowed_signers\"

[rules]
# new-dependency = \"warn\"     # off | warn | error | signoff

[paths]
# include = [\"**\"]
# exclude = [\"examples/**\"]
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn starter_policy_allows_what_the_tree_uses_and_parses() {
        let main = br#"
module "vpc" {
  source  = "registry.terraform.io/terraform-aws-modules/vpc/aws"
  version = "5.5.0"
}
module "net" {
  source = "git::https://github.com/acme/net.git//modules/core?ref=v1.0.0"
}
module "local" {
  source = "./local"
}
terraform {
  required_providers {
    aws    = { source = "hashicorp/aws", version = "~> 5.0" }
    random = "~> 3.0"
  }
}
"#;
        let inventory = Inventory::of_tree([("main.tf", &main[..]), ("bad.tf", b"module {")]);
        assert_eq!(
            inventory.modules.iter().collect::<Vec<_>>(),
            ["github.com/acme/net", "terraform-aws-modules/vpc/aws"]
        );
        assert_eq!(
            inventory.providers.iter().collect::<Vec<_>>(),
            ["hashicorp/aws", "hashicorp/random"]
        );
        assert_eq!(inventory.unreadable, ["bad.tf"]);
        let text = inventory.starter_policy();
        let policy = Policy::parse(&text).expect("the starter policy parses");
        assert!(policy
            .allow
            .modules
            .allows("github.com/acme/net//modules/core"));
        assert!(policy
            .allow
            .modules
            .allows("registry.terraform.io/terraform-aws-modules/vpc/aws"));
        assert!(!policy.allow.modules.allows("github.com/evil/net"));
        assert!(policy
            .allow
            .providers
            .allows("registry.terraform.io/hashicorp/random"));
    }
}
