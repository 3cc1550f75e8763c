//! `iacgate rules` and `iacgate explain`.

use std::io::Write;

use iacgate_core::rules;

pub fn list(out: &mut impl Write) -> std::io::Result<()> {
    let width = rules::ALL.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for rule in rules::ALL {
        writeln!(
            out,
            "{:width$}  {:8}  {}",
            rule.name,
            rule.level.as_str(),
            rule.summary
        )?;
    }
    writeln!(
        out,
        "\n`iacgate explain RULE` prints a rule's documentation."
    )
}

pub fn explain(name: &str, out: &mut impl Write) -> anyhow::Result<u8> {
    match rules::find(name) {
        Some(rule) => {
            out.write_all(rule.doc.as_bytes())?;
            Ok(crate::EXIT_OK)
        }
        None => {
            let known: Vec<&str> = rules::ALL.iter().map(|r| r.name).collect();
            anyhow::bail!(
                "no rule named `{name}`; the rules are: {}",
                known.join(", ")
            )
        }
    }
}
