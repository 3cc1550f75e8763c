//! `iacgate init`: write a starter policy from what the repository uses.

use anyhow::Context;
use iacgate_core::extract::FileKind;
use iacgate_core::init::Inventory;
use iacgate_core::policy::POLICY_FILE;
use iacgate_git::Repo;

use crate::EXIT_OK;

pub fn run() -> anyhow::Result<u8> {
    let repo = Repo::open_from_env()?;
    let root = repo
        .workdir()
        .context("`iacgate init` needs a work tree (this repository is bare)")?;
    let target = root.join(POLICY_FILE);
    if target.exists() {
        anyhow::bail!(
            "{} already exists; iacgate init never overwrites a policy",
            target.display()
        );
    }
    // The tree as the next commit would record it: tracked files only.
    let files = repo.index_files_where(|path| FileKind::classify(path).is_some())?;
    let inventory = Inventory::of_tree(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    std::fs::write(&target, inventory.starter_policy())
        .with_context(|| format!("cannot write {}", target.display()))?;
    let mut out = anstream::stdout();
    use std::io::Write;
    writeln!(
        out,
        "iacgate: wrote {} from {} IaC files: {} module sources and {} providers allowed",
        target.display(),
        files.len(),
        inventory.modules.len(),
        inventory.providers.len()
    )?;
    for path in &inventory.unreadable {
        writeln!(
            out,
            "iacgate: could not read {path}; its dependencies are not listed"
        )?;
    }
    writeln!(
        out,
        "iacgate: review it, then commit it with a reviewer's trailer (a policy change needs a sign-off):\n  git add {POLICY_FILE} && git commit -m \"Add iacgate policy\" --trailer \"Reviewed-by: Name <email>\""
    )?;
    Ok(EXIT_OK)
}
