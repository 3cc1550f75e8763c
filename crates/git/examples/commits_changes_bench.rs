//! Times `Repo::new_commits` + `Repo::commits_changes` over a generated
//! history (a benchmark, not a test):
//!
//! ```text
//! cargo run --release -p iacgate-git --example commits_changes_bench [COMMITS]
//! ```
//!
//! The repository (built with `git fast-import`) has 200 stacks of
//! `main.tf` + `.terraform.lock.hcl` and 400 other files; each commit
//! changes one or two `.tf` files and, every third commit, a README.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use iacgate_git::{Known, Repo};

const PATHSPECS: &[&str] = &[":(glob)**/*.tf", ":(glob)**/.terraform.lock.hcl"];

fn main() {
    let commits: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("COMMITS must be a number"))
        .unwrap_or(1000);
    for key in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
    ] {
        std::env::remove_var(key);
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("repo");
    git(
        tmp.path(),
        &["init", "-q", "-b", "main", dir.to_str().unwrap()],
    );

    // One root commit with every file, then `commits` small ones.
    let mut stream = Vec::new();
    let mut mark = 0;
    let mut blob = |stream: &mut Vec<u8>, data: &str| {
        mark += 1;
        write!(stream, "blob\nmark :{mark}\ndata {}\n{data}\n", data.len()).unwrap();
        mark
    };
    let module = |stack: usize, version: usize| {
        format!(
            "module \"vpc_{stack}\" {{\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.{version}.0\"\n}}\n"
        )
    };
    let mut root = Vec::new();
    for stack in 0..200 {
        root.push((
            format!("stacks/s{stack}/main.tf"),
            blob(&mut stream, &module(stack, 0)),
        ));
        root.push((
            format!("stacks/s{stack}/.terraform.lock.hcl"),
            blob(&mut stream, &format!("provider \"registry.terraform.io/hashicorp/aws\" {{\n  version = \"5.{stack}.0\"\n}}\n")),
        ));
        root.push((
            format!("stacks/s{stack}/README.md"),
            blob(&mut stream, "readme\n"),
        ));
        root.push((format!("src/f{stack}.py"), blob(&mut stream, "print(1)\n")));
    }
    let mut time = 1_700_000_000u64;
    let mut commit = |stream: &mut Vec<u8>,
                      files: &[(String, usize)],
                      message: &str,
                      first: bool| {
        time += 60;
        write!(
            stream,
            "commit refs/heads/main\nauthor A <a@example.com> {time} +0000\ncommitter A <a@example.com> {time} +0000\ndata {}\n{message}\n",
            message.len()
        )
        .unwrap();
        if first {
            stream.extend_from_slice(b"deleteall\n");
        }
        for (path, mark) in files {
            writeln!(stream, "M 100644 :{mark} {path}").unwrap();
        }
    };
    commit(&mut stream, &root, "root", true);
    for i in 0..commits {
        let mut files = Vec::new();
        let stack = (i * 7) % 200;
        files.push((
            format!("stacks/s{stack}/main.tf"),
            blob(&mut stream, &module(stack, i + 1)),
        ));
        if i % 2 == 0 {
            let other = (i * 13 + 5) % 200;
            files.push((
                format!("stacks/s{other}/extra.tf"),
                blob(&mut stream, &format!("# {i}\n")),
            ));
        }
        if i % 3 == 0 {
            files.push((
                format!("stacks/s{stack}/README.md"),
                blob(&mut stream, &format!("readme {i}\n")),
            ));
        }
        commit(&mut stream, &files, &format!("change {i}"), false);
    }
    let mut import = Command::new("git")
        .current_dir(&dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    import.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(import.wait().unwrap().success());
    git(&dir, &["reset", "-q", "--hard", "main"]);

    std::env::set_current_dir(&dir).unwrap();
    let repo = Repo::open_from_env().expect("open");
    for round in 0..5 {
        let start = Instant::now();
        // HEAD~<commits> is the root commit: every other commit is new.
        let ids = repo
            .new_commits("HEAD", Known::Commit(&format!("HEAD~{commits}")))
            .unwrap();
        let listed = start.elapsed();
        let changes = repo.commits_changes(&ids, PATHSPECS).unwrap();
        let total = start.elapsed();
        let files: usize = changes.iter().map(|c| c.changes.len()).sum();
        println!(
            "round {round}: {} commits, {files} file changes: new_commits {:.1} ms, commits_changes {:.1} ms, total {:.1} ms",
            ids.len(),
            listed.as_secs_f64() * 1e3,
            (total - listed).as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3
        );
    }
    std::env::set_current_dir(tmp.path()).unwrap();
}

fn git(cwd: &std::path::Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}
