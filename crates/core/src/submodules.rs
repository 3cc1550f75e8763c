//! Git submodules: a submodule is a supply chain too. A gitlink names one
//! commit of another repository (pinned by construction), and `.gitmodules`
//! says which repository: a gitlink that moves is a `version-change`, a new
//! one a `new-dependency` (checked against `[allow] modules`), a URL that
//! changes a `source-change`. Findings point into `.gitmodules`.

use crate::finding::Finding;
use crate::model::{Dependency, Ecosystem, Kind, PinState, Span, Spanned};
use crate::policy::Allowlist;
use std::collections::HashMap;

use crate::rules::{new_dependency, not_allowed, parse_error, source_change, version_change};

/// Where submodules are declared.
pub const GITMODULES: &str = ".gitmodules";

/// One submodule of `.gitmodules`, as git resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The submodule's name (the subsection: `[submodule "NAME"]`).
    pub name: String,
    pub path: String,
    pub url: Option<String>,
    /// The `path = ...` line, for findings.
    pub span: Span,
    /// `branch = ...`: the branch `git submodule update --remote` follows
    /// instead of the recorded commit (`.` is the superproject's branch).
    pub branch: Option<Spanned<String>>,
    /// `update = ...`: how `git submodule update` brings the submodule to
    /// the recorded commit (`checkout`, `rebase`, `merge`, `none`, `!cmd`).
    pub update: Option<Spanned<String>>,
}

/// Why `.gitmodules` cannot be read as git reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Byte offset of the problem.
    pub offset: usize,
}

/// One `submodule.NAME.KEY` setting, in file order.
struct Setting {
    name: String,
    key: String,
    /// `None`: the key alone on its line (git's boolean `true`).
    value: Option<String>,
    /// From the key to the end of its value.
    span: Span,
}

/// The submodules of a `.gitmodules` file that have a `path`, read with
/// git-config semantics as git reads the file: section names and keys
/// case-insensitive (`[Submodule "x"]`, `URL =`), the subsection
/// case-sensitive, the old `[submodule.x]` form (the name lower-cased),
/// repeated sections merged, values unquoted and unescaped (`\"`, `\\`,
/// `\n`, `\t`, `\b`), comments (`#`, `;`) cut off outside quotes, a
/// trailing backslash continuing the value on the next line, a UTF-8 BOM
/// and CRLF line ends accepted. `include` and `includeIf` are not honoured
/// (git does not honour them in `.gitmodules`); names git ignores as
/// suspicious (empty, or with a `..` component) and values that look like
/// options (`-x`) are skipped, as git skips them.
///
/// What git would reject (a line that is no section, key or comment, an
/// unterminated quote, an unknown escape, `url` or `path` without a value)
/// is an error. So is what git itself reads two ways: a key given twice
/// with different values (git takes the last from the work tree but the
/// first when it reads `.gitmodules` from a commit), and two submodules
/// with one path but different URLs.
pub fn parse(text: &str) -> Result<Vec<Entry>, ParseError> {
    let mut settings = Vec::new();
    read_config(text, |s| settings.push(s))?;
    resolve(&settings)
}

/// Every `path` a `[submodule]` section of the file gives, whatever else
/// is wrong with it (to find the gitlinks a change touches).
pub fn all_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let _ = read_config(text, |s| {
        if s.key == "path" {
            if let Some(value) = s.value {
                paths.push(value.trim_end_matches('/').to_owned());
            }
        }
    });
    paths
}

/// A submodule's settings merged over its sections.
#[derive(Default)]
struct Merged<'s> {
    paths: Vec<&'s Setting>,
    urls: Vec<&'s Setting>,
    branches: Vec<&'s Setting>,
    updates: Vec<&'s Setting>,
}

fn resolve(settings: &[Setting]) -> Result<Vec<Entry>, ParseError> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_name: HashMap<&str, Merged> = HashMap::new();
    for setting in settings {
        let list = match setting.key.as_str() {
            "path" => &mut by_name.entry(setting.name.as_str()).or_default().paths,
            "url" => &mut by_name.entry(setting.name.as_str()).or_default().urls,
            "branch" => &mut by_name.entry(setting.name.as_str()).or_default().branches,
            "update" => &mut by_name.entry(setting.name.as_str()).or_default().updates,
            _ => continue,
        };
        let Some(value) = &setting.value else {
            return Err(ParseError {
                message: format!(
                    "submodule \"{}\": `{}` has no value (git rejects the file)",
                    escaped(&setting.name),
                    setting.key
                ),
                offset: setting.span.start,
            });
        };
        // git ignores (with a warning) a value that looks like an option.
        if value.starts_with('-') {
            continue;
        }
        if !order.contains(&setting.name.as_str()) {
            order.push(setting.name.as_str());
        }
        list.push(setting);
    }
    let mut entries: Vec<Entry> = Vec::new();
    for name in order {
        let merged = &by_name[name];
        let (Some(path), url) = (
            one_value(name, "path", &merged.paths)?,
            one_value(name, "url", &merged.urls)?,
        ) else {
            continue;
        };
        let path_value = path.value.as_deref().unwrap_or_default();
        let spanned =
            |s: Option<&Setting>| s.and_then(|s| Some(Spanned::new(s.value.clone()?, s.span)));
        let entry = Entry {
            name: name.to_owned(),
            path: path_value.trim_end_matches('/').to_owned(),
            url: url.and_then(|u| u.value.clone()),
            span: path.span,
            branch: spanned(one_value(name, "branch", &merged.branches)?),
            update: spanned(one_value(name, "update", &merged.updates)?),
        };
        if let Some(other) = entries.iter().find(|e| e.path == entry.path) {
            if other.url != entry.url {
                return Err(ParseError {
                    message: format!(
                        "submodules \"{}\" and \"{}\" both have path {:?} but different URLs: \
                         which one git fetches cannot be told",
                        escaped(&other.name),
                        escaped(name),
                        entry.path
                    ),
                    offset: entry.span.start,
                });
            }
            continue;
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// The one value of a key of a submodule: given twice with different
/// values it is an error, since git reads the last from the work tree but
/// the first from a commit.
fn one_value<'s>(
    name: &str,
    key: &str,
    settings: &[&'s Setting],
) -> Result<Option<&'s Setting>, ParseError> {
    let Some(first) = settings.first() else {
        return Ok(None);
    };
    if let Some(other) = settings.iter().find(|s| s.value != first.value) {
        return Err(ParseError {
            message: format!(
                "submodule \"{}\" sets `{key}` more than once, to {:?} and {:?}: git takes the \
                 last value from the work tree but the first when it reads .gitmodules from a \
                 commit; give it once",
                escaped(name),
                first.value.as_deref().unwrap_or_default(),
                other.value.as_deref().unwrap_or_default(),
            ),
            offset: other.span.start,
        });
    }
    Ok(settings.last().copied())
}

/// A name for a message: control characters escaped.
fn escaped(name: &str) -> String {
    name.chars().flat_map(char::escape_debug).collect()
}

/// git's `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// git's `iskeychar`.
fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// git's config reader (`config.c`): one character at a time, CRLF read
/// as LF, the end of the text read as a last LF.
struct Reader<'t> {
    bytes: &'t [u8],
    pos: usize,
    eof: bool,
}

impl Reader<'_> {
    fn next(&mut self) -> u8 {
        let Some(&c) = self.bytes.get(self.pos) else {
            self.eof = true;
            return b'\n';
        };
        self.pos += 1;
        if c == b'\r' && self.bytes.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            return b'\n';
        }
        c
    }

    fn error(&self, start: usize, what: &str) -> ParseError {
        ParseError {
            message: format!("{what} (git rejects the file)"),
            offset: start.min(self.bytes.len()),
        }
    }
}

/// Read git config text, passing each `submodule.NAME.KEY` setting on.
fn read_config(text: &str, mut setting: impl FnMut(Setting)) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let mut r = Reader {
        bytes,
        pos: if bytes.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        },
        eof: false,
    };
    // The section header as git keeps it: `submodule.NAME`, with the
    // section name (and an old-form subsection) lower-cased.
    let mut section: Option<Vec<u8>> = None;
    let mut comment = false;
    loop {
        let start = r.pos;
        let c = r.next();
        if c == b'\n' {
            if r.eof {
                return Ok(());
            }
            comment = false;
            continue;
        }
        if comment || is_space(c) {
            continue;
        }
        if c == b'#' || c == b';' {
            comment = true;
            continue;
        }
        if c == b'[' {
            let header = base_var(&mut r).filter(|h| !h.is_empty());
            section = Some(header.ok_or_else(|| r.error(start, "malformed section header"))?);
            continue;
        }
        if !c.is_ascii_alphabetic() {
            return Err(r.error(start, "bad config line"));
        }
        let mut key = vec![c.to_ascii_lowercase()];
        let mut c = r.next();
        while !r.eof && is_key_char(c) {
            key.push(c.to_ascii_lowercase());
            c = r.next();
        }
        while c == b' ' || c == b'\t' {
            c = r.next();
        }
        let value = if c == b'\n' {
            None
        } else if c == b'=' {
            Some(parse_value(&mut r).ok_or_else(|| r.error(start, "bad config value"))?)
        } else {
            return Err(r.error(start, "bad config line"));
        };
        // The value ends before the line end that ended it.
        let mut end = if r.eof { r.pos } else { r.pos - 1 };
        if bytes.get(end.wrapping_sub(1)) == Some(&b'\r') {
            end -= 1;
        }
        while end > start && is_space(bytes[end - 1]) {
            end -= 1;
        }
        let Some(name) = section.as_deref().and_then(submodule_name) else {
            continue;
        };
        setting(Setting {
            name,
            key: String::from_utf8_lossy(&key).into_owned(),
            value: value.map(|v| String::from_utf8_lossy(&v).into_owned()),
            span: Span::new(start, end),
        });
    }
}

/// git's `get_base_var`: after `[`, `section]`, `section.sub]` or
/// `section "sub"]`.
fn base_var(r: &mut Reader) -> Option<Vec<u8>> {
    let mut name = Vec::new();
    loop {
        let c = r.next();
        if r.eof {
            return None;
        }
        if c == b']' {
            return Some(name);
        }
        if is_space(c) {
            return extended_base_var(r, name, c);
        }
        if !is_key_char(c) && c != b'.' {
            return None;
        }
        name.push(c.to_ascii_lowercase());
    }
}

/// git's `get_extended_base_var`: ` "sub"]`, with `\` escaping the next
/// character.
fn extended_base_var(r: &mut Reader, mut name: Vec<u8>, mut c: u8) -> Option<Vec<u8>> {
    loop {
        if c == b'\n' {
            return None;
        }
        c = r.next();
        if !is_space(c) {
            break;
        }
    }
    if c != b'"' {
        return None;
    }
    name.push(b'.');
    loop {
        let mut c = r.next();
        if c == b'\n' {
            return None;
        }
        if c == b'"' {
            break;
        }
        if c == b'\\' {
            c = r.next();
            if c == b'\n' {
                return None;
            }
        }
        name.push(c);
    }
    (r.next() == b']').then_some(name)
}

/// git's `parse_value`, after the `=`.
fn parse_value(r: &mut Reader) -> Option<Vec<u8>> {
    let mut value = Vec::new();
    let (mut quote, mut comment) = (false, false);
    let mut trim_len = 0;
    loop {
        let c = r.next();
        if c == b'\n' {
            if quote {
                return None;
            }
            if trim_len > 0 {
                value.truncate(trim_len);
            }
            return Some(value);
        }
        if comment {
            continue;
        }
        if is_space(c) && !quote {
            if trim_len == 0 {
                trim_len = value.len();
            }
            if !value.is_empty() {
                value.push(c);
            }
            continue;
        }
        if !quote && (c == b';' || c == b'#') {
            comment = true;
            continue;
        }
        trim_len = 0;
        match c {
            b'\\' => {
                let escaped = match r.next() {
                    b'\n' => continue,
                    b't' => b'\t',
                    b'b' => 0x08,
                    b'n' => b'\n',
                    c @ (b'\\' | b'"') => c,
                    _ => return None,
                };
                value.push(escaped);
            }
            b'"' => quote = !quote,
            c => value.push(c),
        }
    }
}

/// The submodule a section header names (`submodule.NAME`, split as git's
/// `parse_config_key` splits `submodule.NAME.KEY`: NAME may hold dots),
/// unless git ignores it: no name, or a name with a `..` component.
fn submodule_name(header: &[u8]) -> Option<String> {
    let name = header.strip_prefix(b"submodule.")?;
    let name = String::from_utf8_lossy(name).into_owned();
    let suspicious = name.is_empty() || name.split(['/', '\\']).any(|part| part == "..");
    (!suspicious).then_some(name)
}

/// A gitlink a change touches: its commit on each side.
#[derive(Debug, Clone, Copy)]
pub struct SubmoduleChange<'a> {
    pub path: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

/// The findings of gitlink changes, with `.gitmodules` on each side.
pub fn findings(
    changes: &[SubmoduleChange],
    old_text: Option<&str>,
    new_text: Option<&str>,
    allow: &Allowlist,
) -> Vec<Finding> {
    let text = new_text.unwrap_or_default();
    let mut findings = Vec::new();
    // An old side git cannot read counts as empty: what the new side
    // names is then judged as new, which fails closed.
    let old_entries = old_text.and_then(|t| parse(t).ok()).unwrap_or_default();
    let new_entries = match new_text.map(parse) {
        Some(Ok(entries)) => entries,
        Some(Err(e)) => {
            // Reported where the change makes it so: one that was already
            // there was reported when it was made.
            if old_text != new_text {
                findings.push(parse_error::check(GITMODULES, text, e.offset, &e.message));
            }
            Vec::new()
        }
        None => Vec::new(),
    };
    for change in changes {
        let Some(new_commit) = change.new else {
            continue;
        };
        let entry = new_entries.iter().find(|e| e.path == change.path);
        let url = entry.and_then(|e| e.url.clone());
        let span = entry.map_or(Span::default(), |e| e.span);
        let mut dep = Dependency::new(
            Ecosystem::Git,
            Kind::Module,
            format!("submodule.{}", change.path),
            change.path.to_owned(),
            span,
        );
        dep.source = url.clone().map(|u| Spanned::new(u, span));
        dep.version = Some(Spanned::new(new_commit.to_owned(), span));
        dep.pin = PinState::Pinned;
        let address = url.as_deref().map(submodule_address);
        if let Some(address) = &address {
            findings.extend(not_allowed::check(
                GITMODULES, text, &dep, address, allow, "modules",
            ));
        }
        match change.old {
            None => findings.push(
                new_dependency::check(
                    GITMODULES,
                    text,
                    &dep,
                    url.as_deref().unwrap_or(change.path),
                    Some(new_commit),
                )
                .with_message(format!(
                    "new submodule \"{}\" from {} at {new_commit}",
                    change.path,
                    url.as_deref().unwrap_or("(no url in .gitmodules)")
                )),
            ),
            Some(old_commit) => {
                let old_url = old_entries
                    .iter()
                    .find(|e| e.path == change.path)
                    .and_then(|e| e.url.clone());
                if let (Some(old_url), Some(new_url)) = (&old_url, &url) {
                    if submodule_address(old_url) != submodule_address(new_url) {
                        findings.push(source_change::check(
                            GITMODULES, text, &dep, span, old_url, new_url,
                        ));
                    }
                }
                if old_commit != new_commit {
                    findings.push(
                        version_change::check(
                            GITMODULES,
                            text,
                            &dep,
                            span,
                            Some(old_commit),
                            Some(new_commit),
                        )
                        .with_message(format!(
                            "submodule \"{}\" moved {old_commit} -> {new_commit}",
                            change.path
                        )),
                    );
                }
            }
        }
    }
    for entry in &new_entries {
        let old = old_entries.iter().find(|e| e.path == entry.path);
        findings.extend(follows(text, entry, old));
    }
    // A URL changed in `.gitmodules` while the gitlink stayed: the same
    // commit id, now fetched from another repository.
    for entry in &new_entries {
        if changes.iter().any(|c| c.path == entry.path) {
            continue;
        }
        let old_url = old_entries
            .iter()
            .find(|e| e.path == entry.path)
            .and_then(|e| e.url.as_deref());
        let Some(new_url) = entry.url.as_deref() else {
            continue;
        };
        if old_url.is_some_and(|old| submodule_address(old) == submodule_address(new_url)) {
            continue;
        }
        let mut dep = Dependency::new(
            Ecosystem::Git,
            Kind::Module,
            format!("submodule.{}", entry.path),
            entry.path.clone(),
            entry.span,
        );
        dep.source = Some(Spanned::new(new_url.to_owned(), entry.span));
        dep.pin = PinState::Pinned;
        findings.extend(not_allowed::check(
            GITMODULES,
            text,
            &dep,
            &submodule_address(new_url),
            allow,
            "modules",
        ));
        // A URL given for the first time is only checked against the
        // allowlist; one that changed is a source change.
        if let Some(old_url) = old_url {
            findings.push(source_change::check(
                GITMODULES, text, &dep, entry.span, old_url, new_url,
            ));
        }
    }
    findings
}

/// `unpinned` for a `branch` or `update` setting the change adds or alters
/// that makes git check out something other than the recorded commit:
/// `branch` (with `git submodule update --remote`, the branch's tip),
/// `update = merge` / `rebase` (the recorded commit merged into, or the
/// local branch rebased onto, whatever is checked out), and `update =
/// !command`, which runs a command (git refuses it from `.gitmodules`
/// today; older git and other tools do not). `update = checkout` or
/// `none`, and removing a setting, are silent.
fn follows(text: &str, entry: &Entry, old: Option<&Entry>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let unchanged = |new: &Option<Spanned<String>>, old: Option<&Option<Spanned<String>>>| {
        old.and_then(|o| o.as_ref()).map(|o| &o.value) == new.as_ref().map(|n| &n.value)
    };
    let mut report = |setting: &Spanned<String>, why: String| {
        let mut dep = Dependency::new(
            Ecosystem::Git,
            Kind::Module,
            format!("submodule.{}", entry.path),
            entry.path.clone(),
            setting.span,
        );
        dep.source = entry.url.clone().map(|u| Spanned::new(u, entry.span));
        dep.version = Some(setting.clone());
        dep.pin = PinState::Unpinned(why.clone());
        findings.push(
            crate::rules::unpinned::check_declared(GITMODULES, text, &dep, &why).with_help(
                "remove the setting (or use `update = checkout`): the gitlink alone pins the \
                 submodule to one commit",
            ),
        );
    };
    if let Some(branch) = &entry.branch {
        if !unchanged(&entry.branch, old.map(|o| &o.branch)) {
            report(
                branch,
                format!(
                    "`branch = {}`: `git submodule update --remote` checks out that branch's \
                     newest commit, not the recorded one; remove it to follow the gitlink",
                    branch.value
                ),
            );
        }
    }
    if let Some(update) = &entry.update {
        let value = update.value.trim();
        let why = if value.starts_with('!') {
            Some(format!(
                "`update = {value}` runs a command on every `git submodule update`, which can \
                 fetch and check out anything; remove it"
            ))
        } else if matches!(value, "merge" | "rebase") {
            Some(format!(
                "`update = {value}`: `git submodule update` {} the recorded commit and the \
                 submodule's checked-out branch, so what ends up checked out is not the \
                 recorded commit; use `checkout` (the default)",
                if value == "merge" {
                    "merges"
                } else {
                    "rebases onto"
                }
            ))
        } else if matches!(value, "checkout" | "none") {
            None
        } else {
            Some(format!(
                "`update = {value}` is not a mode git knows (checkout, rebase, merge, none)"
            ))
        };
        if let Some(why) = why {
            if !unchanged(&entry.update, old.map(|o| &o.update)) {
                report(update, why);
            }
        }
    }
    findings
}

/// A submodule URL as git fetches it, in the normal form of
/// [`crate::address`] (so `git@github.com:acme/vpc.git` and
/// `https://github.com/acme/vpc` are one repository, and
/// `https://github.com/acme/../evil/vpc` is `evil/vpc`), compared as the
/// allowlists compare. A URL with no normal form (a relative `../x.git`)
/// is compared as written.
fn submodule_address(url: &str) -> String {
    let identity = crate::address::git_identity(url);
    crate::policy::normal_address(identity.as_deref().unwrap_or(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GITMODULES_TEXT: &str = "[submodule \"vendor/vpc\"]\n\tpath = vendor/vpc\n\turl = https://github.com/acme/vpc.git\n[core]\n\tpath = nope\n[submodule \"b\"]\n\turl = git@github.com:acme/b.git # pinned\n\tpath = \"lib/b/\"\n";

    #[test]
    fn sections_with_a_path() {
        let entries = parse(GITMODULES_TEXT).unwrap();
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.path.as_str(), e.url.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("vendor/vpc", Some("https://github.com/acme/vpc.git")),
                ("lib/b", Some("git@github.com:acme/b.git")),
            ]
        );
        assert_eq!(
            &GITMODULES_TEXT[entries[0].span.start..entries[0].span.end],
            "path = vendor/vpc"
        );
        assert_eq!(parse(""), Ok(vec![]));
        let odd = "[Submodule \"x\"] path = vendor/x\n\turl = \"https://e.com/x;y\" ; comment\n";
        let entries = parse(odd).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].path, "vendor/x");
        assert_eq!(entries[0].url.as_deref(), Some("https://e.com/x;y"));
        assert_eq!(
            &odd[entries[0].span.start..entries[0].span.end],
            "path = vendor/x"
        );
        assert!(parse("garbage\n[submodule\npath").is_err());
    }

    /// (path, url) of each submodule, or the error message.
    fn read(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
        parse(text)
            .map(|entries| entries.into_iter().map(|e| (e.path, e.url)).collect())
            .map_err(|e| e.message)
    }

    fn one(path: &str, url: &str) -> Result<Vec<(String, Option<String>)>, String> {
        Ok(vec![(path.to_owned(), Some(url.to_owned()))])
    }

    #[test]
    fn read_as_git_config() {
        let u = "https://e.com/x.git";
        // Repeated sections merge; a repeated key with the same value is fine.
        let merged = "[submodule \"x\"]\n\tpath = x\n[core]\n\tbare = false\n[submodule \"x\"]\n\turl = https://e.com/x.git\n\tURL = https://e.com/x.git\n";
        assert_eq!(read(merged), one("x", u));
        // Case-insensitive section and key names, the old form, escapes,
        // quotes, continuation lines, CRLF, a BOM, `include` ignored.
        for text in [
            "[SUBMODULE \"x\"]\n\tPath = x\n\tUrl = https://e.com/x.git\n",
            "[submodule.X]\n\tpath = x\n\turl = https://e.com/x.git\n",
            "[submodule \"x\"]\r\n\tpath = x\r\n\turl = \"https://e.com/\\\nx.git\" # c\r\n",
            "\u{feff}[submodule \"x\"] path=x\n url = https://e.com/\\\nx.git ; c\n",
            "[include]\n\tpath = other\n[submodule \"x\"]\n\tpath = \"x\"\n\turl = https://e.com/x\\\".git\n",
        ] {
            let want = if text.contains("x\\\".git") {
                one("x", "https://e.com/x\".git")
            } else {
                one("x", u)
            };
            assert_eq!(read(text), want, "{text:?}");
        }
        // A name with dots in the old form; names git ignores.
        assert_eq!(
            read("[submodule.a.b]\n\tpath = x\n\turl = https://e.com/x.git\n"),
            one("x", u)
        );
        assert_eq!(
            read("[submodule \"../x\"]\n\tpath = x\n\turl = https://e.com/x.git\n"),
            Ok(vec![])
        );
        // A value that looks like an option is ignored, as git ignores it.
        assert_eq!(
            read("[submodule \"x\"]\n\tpath = x\n\turl = https://e.com/x.git\n\turl = --upload-pack=evil\n"),
            one("x", u)
        );
        // What git reads two ways, or rejects.
        for (text, why) in [
            ("[submodule \"x\"]\n\tpath = x\n\turl = https://e.com/x.git\n[submodule \"x\"]\n\turl = https://evil.com/x.git\n", "sets `url` more than once"),
            ("[submodule \"x\"]\n\tpath = x\n\turl = https://e.com/x.git\n\tURL = https://evil.com/x.git\n", "sets `url` more than once"),
            ("[submodule \"x\"]\n\tpath = x\n\tpath = y\n", "sets `path` more than once"),
            ("[submodule \"x\"]\n\tpath = x\n\turl = https://e.com/x.git\n[submodule.x]\n\tpath = x\n\turl = https://evil.com/x.git\n", "sets `url` more than once"),
            ("[submodule \"X\"]\n\tpath = x\n\turl = https://e.com/x.git\n[submodule.X]\n\tpath = x\n\turl = https://evil.com/x.git\n", "both have path"),
            ("[submodule \"x\"]\n\tpath = x\n\turl\n", "has no value"),
            ("[submodule \"x\"]\n\tpath = x\n\turl = \"https://e.com\n", "bad config value"),
            ("[submodule \"x\"]\n\tpath = x\n\turl = https://e.com/\\q\n", "bad config value"),
            ("[submodule \"x\"\n\tpath = x\n", "malformed section header"),
            ("[submodule \"x\"]\n\t1path = x\n", "bad config line"),
            ("[submodule \"x\"]\n\tpath : x\n", "bad config line"),
        ] {
            let got = read(text);
            assert!(got.as_ref().is_err_and(|e| e.contains(why)), "{text:?}: {got:?}");
        }
        assert_eq!(
            all_paths("[submodule \"x\"]\n\tpath = x\n\tpath = y/\n!"),
            ["x", "y"]
        );
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(text in "[\\[\\]\"\\\\ \t\r\n#;=.a-zA-Z/:-]{0,120}") {
                match parse(&text) {
                    Ok(entries) => {
                        for e in entries {
                            prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
                        }
                    }
                    Err(e) => prop_assert!(e.offset <= text.len()),
                }
                let _ = all_paths(&text);
            }
        }
    }

    #[test]
    fn moves_additions_and_url_swaps() {
        let allow = Allowlist::default();
        let a = "0123456789abcdef0123456789abcdef01234567";
        let b = "89abcdef0123456789abcdef0123456789abcdef";
        let moved = [SubmoduleChange {
            path: "vendor/vpc",
            old: Some(a),
            new: Some(b),
        }];
        let f = findings(&moved, Some(GITMODULES_TEXT), Some(GITMODULES_TEXT), &allow);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule.name, "version-change");
        assert_eq!(f[0].line, 2);
        let swapped = GITMODULES_TEXT.replace("acme/vpc", "evil/vpc");
        let same = [SubmoduleChange {
            path: "vendor/vpc",
            old: Some(a),
            new: Some(a),
        }];
        let f = findings(&same, Some(GITMODULES_TEXT), Some(&swapped), &allow);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule.name, "source-change");
        let added = [SubmoduleChange {
            path: "lib/b",
            old: None,
            new: Some(a),
        }];
        let f = findings(&added, None, Some(GITMODULES_TEXT), &allow);
        assert_eq!(f[0].rule.name, "new-dependency");
        let removed = [SubmoduleChange {
            path: "lib/b",
            old: Some(a),
            new: None,
        }];
        assert!(findings(&removed, Some(GITMODULES_TEXT), None, &allow).is_empty());
    }

    #[test]
    fn branch_and_update_settings_that_leave_the_gitlink_are_unpinned() {
        let base = "[submodule \"lib\"]\n\tpath = lib\n\turl = https://github.com/acme/lib.git\n";
        let judge = |old: &str, new: &str| -> Vec<(String, usize)> {
            findings(&[], Some(old), Some(new), &Allowlist::default())
                .into_iter()
                .map(|f| (f.rule.name.to_owned(), f.line))
                .collect()
        };
        let with = |extra: &str| format!("{base}\t{extra}\n");
        assert_eq!(
            judge(base, &with("branch = main")),
            [("unpinned".to_owned(), 4)]
        );
        assert_eq!(
            judge(base, &with("update = merge")),
            [("unpinned".to_owned(), 4)]
        );
        assert_eq!(
            judge(base, &with("update = !curl x | sh")),
            [("unpinned".to_owned(), 4)]
        );
        assert_eq!(
            judge(&with("branch = main"), &with("branch = dev")).len(),
            1
        );
        // Unchanged, a comment, the default mode, or removed: nothing.
        assert!(judge(
            &with("branch = main"),
            &format!("# ours\n{}", with("branch = main"))
        )
        .is_empty());
        assert!(judge(base, &with("update = checkout")).is_empty());
        assert!(judge(&with("branch = main"), base).is_empty());
    }
}
