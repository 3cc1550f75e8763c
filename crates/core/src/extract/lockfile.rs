//! `.terraform.lock.hcl`: one `provider "ADDRESS"` block per locked provider,
//! with its selected `version`, the `constraints` it was selected under and
//! the `hashes` of its packages.

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Body};

use super::terraform::{body_literal, header_span, literal, single_label, span_of, with_body};
use super::Deps;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, Spanned};
use crate::source::without_public_registry;

/// Lock file text -> one [`Kind::Lock`] dependency per `provider` block.
pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    with_body(text, walk)
}

fn walk(body: &Body) -> Result<Vec<Dependency>, ExtractError> {
    let mut deps = Deps::default();
    for block in body.get_blocks("provider") {
        let dep = entry(block)?;
        deps.push(dep, |dep| {
            format!(
                "duplicate lock entry for provider \"{}\" (Terraform rejects this)",
                dep.name
            )
        })?;
    }
    Ok(deps.finish())
}

fn entry(block: &Block) -> Result<Dependency, ExtractError> {
    let (address, address_span) = single_label(block, "lock file provider")?;
    let owner = format!("lock entry for provider \"{address}\"");
    let header = header_span(block);
    // Keyed without the public registry's host: a lock entry that moves from
    // registry.terraform.io to registry.opentofu.org is the same provider
    // from another place, not a removal and an unrelated addition.
    let mut dep = Dependency::new(
        Ecosystem::Terraform,
        Kind::Lock,
        without_public_registry(&address.to_lowercase()).to_owned(),
        address.to_owned(),
        header,
    );
    dep.source = Some(Spanned::new(address.to_owned(), address_span));
    dep.version = match body_literal(&block.body, "version", &owner)? {
        Some(version) => Some(version),
        None => {
            return Err(ExtractError::new(
                format!("{owner} has no version"),
                header.start,
            ))
        }
    };
    dep.constraints = body_literal(&block.body, "constraints", &owner)?.map(|c| c.value);
    if let Some(hashes) = block.body.get_attribute("hashes") {
        let Expression::Array(array) = &hashes.value else {
            return Err(ExtractError::new(
                format!("{owner}: hashes must be a list of strings"),
                span_of(&hashes.value, header).start,
            ));
        };
        for hash in array.iter() {
            let hash = literal(hash, &format!("{owner}: every hash"))?;
            dep.hashes.push(hash.value);
        }
    }
    Ok(dep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::line_col;

    const LOCK: &str = r#"# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = ">= 5.0.0, ~> 5.31"
  hashes = [
    "h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
    "zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
    "zh:2fe4884cb9642f48a5889f8dff8f5f511418a18537a9dfa77ada3bcdad391e4e",
    "zh:36d8bdd72fe61d816d0049c179f495bc6f1e54d8d7b07c45b62e5e1696882a89",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.0"
  hashes = [
    "h1:R5Ucn26riKIEijcsiOMBR3uOAjuOMfI1x7XvH4P6B1w=",
    "zh:03360ed3ecd31e8c5dac9c95fe0858be50f3e9a0d0c654b5e504109c2159287d",
  ]
}

provider "registry.opentofu.org/Integrations/GitHub" {
  version     = "6.2.1"
  constraints = "6.2.1"
}
"#;

    #[test]
    fn real_lock_file() {
        let deps = extract(LOCK).unwrap();
        assert_eq!(deps.len(), 3);
        let aws = &deps[0];
        assert_eq!(aws.kind, Kind::Lock);
        assert_eq!(aws.key, "hashicorp/aws");
        assert_eq!(aws.name, "registry.terraform.io/hashicorp/aws");
        assert_eq!(aws.version_str(), Some("5.31.0"));
        assert_eq!(aws.constraints.as_deref(), Some(">= 5.0.0, ~> 5.31"));
        assert_eq!(aws.hashes.len(), 4);
        assert_eq!(
            aws.hashes[0],
            "h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA="
        );
        assert!(aws.hashes[1..].iter().all(|h| h.starts_with("zh:")));
        assert_eq!(
            &LOCK[aws.span.start..aws.span.end],
            "provider \"registry.terraform.io/hashicorp/aws\""
        );
        assert_eq!(line_col(LOCK, aws.span.start), (4, 1));
        let source = aws.source.as_ref().unwrap();
        assert_eq!(
            &LOCK[source.span.start..source.span.end],
            "\"registry.terraform.io/hashicorp/aws\""
        );
        let version = aws.version.as_ref().unwrap();
        assert_eq!(&LOCK[version.span.start..version.span.end], "\"5.31.0\"");
        assert_eq!(line_col(LOCK, version.span.start), (5, 17));

        let random = &deps[1];
        assert_eq!(random.constraints, None);
        assert_eq!(random.hashes.len(), 2);

        let github = &deps[2];
        assert_eq!(github.key, "integrations/github");
        assert_eq!(github.name, "registry.opentofu.org/Integrations/GitHub");
        assert_eq!(
            github.source_str(),
            Some("registry.opentofu.org/Integrations/GitHub")
        );
        assert!(github.hashes.is_empty());
    }

    #[test]
    fn crlf_lock_file() {
        let text = LOCK.replace('\n', "\r\n");
        let deps = extract(&text).unwrap();
        assert_eq!(deps[0].hashes, extract(LOCK).unwrap()[0].hashes);
        let version = deps[0].version.as_ref().unwrap();
        assert_eq!(&text[version.span.start..version.span.end], "\"5.31.0\"");
    }

    #[test]
    fn other_blocks_are_ignored() {
        let text = "module \"x\" {\n  source = var.y\n}\nprovider \"registry.terraform.io/hashicorp/null\" {\n  version = \"3.2.2\"\n}\n";
        assert_eq!(extract(text).unwrap().len(), 1);
    }

    #[test]
    fn malformed_entries_are_errors() {
        let cases = [
            ("provider \"a/b/c\" {\n  version = 5\n}\n", "version must be a literal string", (2, 13)),
            ("provider \"a/b/c\" {\n  version = \"1.0.0\"\n  hashes = \"h1:x\"\n}\n", "hashes must be a list of strings", (3, 12)),
            ("provider \"a/b/c\" {\n  version = \"1.0.0\"\n  hashes = [\n    \"h1:x\",\n    42,\n  ]\n}\n", "every hash must be a literal string", (5, 5)),
            ("provider \"a/b/c\" {\n  version = \"1.0.0\"\n  hashes = [\"h1:${x}\"]\n}\n", "every hash must be a literal string", (3, 13)),
            ("provider \"a/b/c\" {\n  version = \"1.0.0\"\n  constraints = [\"1\"]\n}\n", "constraints must be a literal string", (3, 17)),
            ("provider \"a/b/c\" {\n  hashes = []\n}\n", "has no version", (1, 1)),
            ("provider {\n  version = \"1\"\n}\n", "exactly one label", (1, 1)),
            ("provider \"a/b/c\" {\n  version = \"1\"\n}\nprovider \"A/B/C\" {\n  version = \"1\"\n}\n", "duplicate lock entry", (4, 1)),
            ("provider \"a/b/c\" {\n  version = \"1\"\n", "HCL syntax error", (2, 16)),
        ];
        for (text, message, at) in cases {
            let e = extract(text).expect_err(text);
            assert!(e.message.contains(message), "{text}: {}", e.message);
            assert_eq!(line_col(text, e.offset), at, "{text}: {}", e.message);
        }
    }
}
