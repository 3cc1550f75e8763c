//! What users see: the human output, snapshot-tested.

use crate::util::{TestRepo, SHA};

fn staged(files: &[(&str, &str)], change: &[(&str, &str)]) -> TestRepo {
    let repo = TestRepo::new();
    for (path, text) in files {
        repo.write(path, text);
    }
    if !files.is_empty() {
        repo.commit_all("base");
    }
    for (path, text) in change {
        repo.write(path, text).stage(&[path]);
    }
    repo
}

#[test]
fn unpinned_branch() {
    let repo = staged(
        &[],
        &[(
            "stacks/app/main.tf",
            "module \"app\" {\n  source = \"git::https://github.com/acme/app.git?ref=main\"\n}\n",
        )],
    );
    let run = repo.iacgate(&["check", "--staged"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn version_change_in_pre_commit_and_with_a_message() {
    let before = "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";
    let repo = staged(
        &[("main.tf", before)],
        &[("main.tf", &before.replace("5.4.0", "5.5.0"))],
    );
    let hook = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(hook.code, 0);
    insta::assert_snapshot!("version_change_pre_commit", hook.stderr);
    let check = repo.iacgate(&["check", "--staged"]);
    assert_eq!(check.code, 1);
    insta::assert_snapshot!("version_change_no_message", check.stderr);
    repo.write("MSG", "bump\n\nReviewed-by: Bob <bob@example.com>\n");
    let signed = repo.iacgate(&["check", "--staged", "--message", "MSG"]);
    assert_eq!(signed.code, 0);
    insta::assert_snapshot!("version_change_signed_off", signed.stderr);
}

#[test]
fn source_change_lock_tamper_and_new_dependency() {
    let lock = "provider \"registry.terraform.io/hashicorp/aws\" {\n  version     = \"5.31.0\"\n  constraints = \"~> 5.0\"\n  hashes = [\n    \"h1:aaaa\",\n    \"zh:bbbb\",\n  ]\n}\n";
    let main = "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";
    let repo = staged(
        &[("main.tf", main), (".terraform.lock.hcl", lock)],
        &[
            (
                "main.tf",
                &format!(
                    "{}\nmodule \"web\" {{\n  source = \"github.com/acme/web?ref={SHA}\"\n}}\n",
                    main.replace("terraform-aws-modules/vpc", "terraform-aws-module/vpc")
                ),
            ),
            (".terraform.lock.hcl", &lock.replace("h1:aaaa", "h1:cccc")),
        ],
    );
    let run = repo.iacgate(&["check", "--staged"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn parse_error() {
    let repo = staged(
        &[],
        &[(
            "main.tf",
            "module \"vpc\" {\n  source = \"acme/vpc/aws\"\n  version = \n}\n",
        )],
    );
    let run = repo.iacgate(&["check", "--staged"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr);
}

/// Colours on a terminal, never with NO_COLOR, never into a pipe. `script`
/// (util-linux) gives the binary a real pseudo-terminal.
#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let repo = staged(
        &[],
        &[("main.tf", "module \"x\" {\n  source = \"acme/x/aws\"\n}\n")],
    );
    let on_tty = |no_color: bool| {
        let mut cmd = repo.command("script");
        cmd.args([
            "-qec",
            &format!("{} check --staged", crate::util::bin().display()),
            "/dev/null",
        ]);
        cmd.env("TERM", "xterm-256color")
            .env_remove("CLICOLOR_FORCE");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        crate::util::Run::from(cmd.output().expect("script"))
    };
    let coloured = on_tty(false);
    assert_eq!(coloured.code, 1, "{}", coloured.stdout);
    assert!(coloured.stdout.contains("\u{1b}["), "{}", coloured.stdout);
    assert!(coloured.stdout.contains("error"));
    let plain = on_tty(true);
    assert!(plain.stdout.contains("error[unpinned]"), "{}", plain.stdout);
    assert!(!plain.stdout.contains("\u{1b}["), "{}", plain.stdout);
    let mut piped = repo.command(crate::util::bin());
    piped.args(["check", "--staged"]).env_remove("NO_COLOR");
    let piped = crate::util::Run::from(piped.output().unwrap());
    assert!(!piped.stderr.contains("\u{1b}["), "{}", piped.stderr);
}
