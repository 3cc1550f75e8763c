//! How git was asked to run the hook that runs us: whether the `git commit`
//! that runs commit-msg amends HEAD. git tells its hooks nothing about an
//! amend with `-m` (prepare-commit-msg hears "message", the author date it
//! exports is HEAD's, which a fresh commit in the same second shares), so
//! the answer is read from the arguments of the `git commit` process itself,
//! the nearest ancestor of this process that is git (Linux: `/proc`).

/// Whether the `git commit` that runs this hook amends; `None` when that
/// cannot be told here (no `/proc`, no git among the ancestors, or a git
/// alias whose expansion is not visible).
pub fn commit_amends() -> Option<bool> {
    let mut pid = parent_of(std::process::id())?;
    // git -> sh (the hook) -> a framework (pre-commit, lefthook) -> us.
    for _ in 0..8 {
        if pid <= 1 {
            return None;
        }
        let args = cmdline(pid)?;
        if is_git(&args) {
            return amends(&args);
        }
        pid = parent_of(pid)?;
    }
    None
}

fn cmdline(pid: u32) -> Option<Vec<String>> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn is_git(args: &[String]) -> bool {
    args.first().is_some_and(|a| {
        let name = a.rsplit(['/', '\\']).next().unwrap_or(a);
        name == "git" || name == "git.exe"
    })
}

/// Global options of git that take a value as the next argument.
const GLOBAL_WITH_VALUE: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--config-env",
];

/// `git commit` options that take a value as the next argument (when not
/// attached as `-mVALUE` or `--message=VALUE`).
const COMMIT_WITH_VALUE: &[&str] = &[
    "-m",
    "--message",
    "-F",
    "--file",
    "-C",
    "--reuse-message",
    "-c",
    "--reedit-message",
    "--author",
    "--date",
    "-t",
    "--template",
    "--fixup",
    "--squash",
    "--cleanup",
    "--trailer",
    "--pathspec-from-file",
];

/// Whether git's arguments `args` (with `git` first) amend: `Some` for a
/// `git commit` (the last of `--amend` and `--no-amend` wins, abbreviations
/// as git's option parser takes them), `None` for another command (an
/// alias: what it expands to is not here).
pub fn amends(args: &[String]) -> Option<bool> {
    let mut rest = args.iter().skip(1);
    let command = loop {
        let arg = rest.next()?;
        if GLOBAL_WITH_VALUE.contains(&arg.as_str()) {
            rest.next()?;
        } else if !arg.starts_with('-') {
            break arg;
        }
    };
    if command != "commit" {
        return None;
    }
    let mut amend = false;
    while let Some(arg) = rest.next() {
        if arg == "--" {
            break;
        }
        if COMMIT_WITH_VALUE.contains(&arg.as_str()) {
            rest.next();
            continue;
        }
        // Long options: git takes any unambiguous prefix (`--am`).
        if arg.len() >= 4 && "--amend".starts_with(arg.as_str()) {
            amend = true;
        } else if arg.len() >= 7 && "--no-amend".starts_with(arg.as_str()) {
            amend = false;
        }
    }
    Some(amend)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn reads_an_amend_from_the_commit_arguments() {
        assert_eq!(amends(&args("git commit --amend -m x")), Some(true));
        assert_eq!(
            amends(&args("/usr/bin/git -C repo -c a.b=c commit --am -m x")),
            Some(true)
        );
        assert_eq!(amends(&args("git commit -m x")), Some(false));
        // A message that reads `--amend` is a message.
        assert_eq!(amends(&args("git commit -m --amend")), Some(false));
        assert_eq!(
            amends(&args("git commit --amend --no-amend -m x")),
            Some(false)
        );
        assert_eq!(amends(&args("git commit -- --amend")), Some(false));
        // An alias: not known here.
        assert_eq!(amends(&args("git ci --amend")), None);
        assert_eq!(amends(&args("git")), None);
    }

    #[test]
    fn finds_its_own_parent() {
        // Under cargo test the parent exists; on systems without /proc the
        // answer is None rather than a wrong guess.
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(parent_of(std::process::id()).is_some());
        }
    }
}
