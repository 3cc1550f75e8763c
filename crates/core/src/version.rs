//! Terraform versions and version constraints.
//!
//! Terraform writes versions and constraints in its own dialect (`~> 5.0`,
//! `>= 5.95, < 6.0.0`, `1.10`, `v1.2.3` tags) that the `semver` crate cannot
//! read, so this module parses them itself. Everything here is total: any
//! input gives a value or a [`VersionError`], never a panic.

use std::cmp::Ordering;
use std::fmt;

/// Why a version or a constraint could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("empty version")]
    Empty,
    #[error("invalid version {input:?}: {reason}")]
    Version { input: String, reason: &'static str },
    #[error("invalid version constraint {input:?}: {reason}")]
    Constraint { input: String, reason: &'static str },
}

/// A version as Terraform users write it: one to three numeric parts, an
/// optional prerelease and optional build metadata (which is ignored, as
/// semver says it does not take part in precedence).
///
/// Missing parts count as zero when comparing, so `1.10` and `1.10.0` are
/// equal; `parts` remembers how many were written, because `~>` depends on
/// it and because `Display` should show what the user wrote.
#[derive(Debug, Clone)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
    /// How many of major, minor, patch were written (1..=3).
    pub parts: u8,
}

impl Version {
    /// Parse `1`, `1.10`, `1.2.3`, `v1.2.3`, `1.2.3-beta.1`, `1.2.3+meta`.
    /// No surrounding whitespace is allowed; callers trim.
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        let bad = |reason| VersionError::Version {
            input: s.to_owned(),
            reason,
        };
        // Git tags are commonly `v1.2.3`; Terraform's own parser accepts it too.
        let body = s.strip_prefix('v').unwrap_or(s);
        let (body, meta) = match body.split_once('+') {
            Some((b, m)) => (b, Some(m)),
            None => (body, None),
        };
        if let Some(meta) = meta {
            if !valid_identifiers(meta) {
                return Err(bad(
                    "build metadata must be dot-separated [0-9A-Za-z-] identifiers",
                ));
            }
        }
        let (core, pre) = match body.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (body, None),
        };
        if let Some(pre) = pre {
            if !valid_identifiers(pre) {
                return Err(bad(
                    "prerelease must be dot-separated [0-9A-Za-z-] identifiers",
                ));
            }
        }
        let mut numbers = [0u64; 3];
        let mut parts: u8 = 0;
        for piece in core.split('.') {
            let slot = numbers
                .get_mut(usize::from(parts))
                .ok_or_else(|| bad("more than three numeric parts"))?;
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("expected numbers separated by dots"));
            }
            *slot = piece.parse().map_err(|_| bad("number too large"))?;
            parts += 1;
        }
        let [major, minor, patch] = numbers;
        Ok(Version {
            major,
            minor,
            patch,
            pre: pre.map(str::to_owned),
            parts,
        })
    }
}

/// Non-empty dot-separated identifiers of ASCII alphanumerics and `-`.
fn valid_identifiers(s: &str) -> bool {
    s.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Semver precedence of two prerelease strings: identifiers compared left to
/// right, numeric ones numerically (without parsing, so huge ones are fine)
/// and below alphanumeric ones, a shorter list first when it is a prefix.
fn cmp_pre(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                let order = match (numeric(x), numeric(y)) {
                    (true, true) => {
                        let x = x.trim_start_matches('0');
                        let y = y.trim_start_matches('0');
                        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
                    }
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                // A prerelease comes before its release.
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => cmp_pre(a, b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equality is precedence equality (`1.10` == `1.10.0`), to agree with `Ord`.
impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    /// The parts that were written (`1.10` stays `1.10`), without a leading
    /// `v` or build metadata.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.major)?;
        if self.parts >= 2 {
            write!(f, ".{}", self.minor)?;
        }
        if self.parts >= 3 {
            write!(f, ".{}", self.patch)?;
        }
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// A constraint operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// `~>`: only the rightmost written part may grow.
    Pessimistic,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Pessimistic => "~>",
        }
    }
}

/// One `OP VERSION` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub op: Op,
    pub version: Version,
}

impl Constraint {
    fn parse(term: &str) -> Result<Constraint, VersionError> {
        let bad = |reason| VersionError::Constraint {
            input: term.to_owned(),
            reason,
        };
        // Two-character operators first so `>=` is not read as `>` then `=1`.
        const OPS: [(&str, Op); 7] = [
            ("~>", Op::Pessimistic),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ];
        let (op, rest) = OPS
            .iter()
            .find_map(|(text, op)| term.strip_prefix(text).map(|rest| (*op, rest)))
            .unwrap_or((Op::Eq, term));
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(bad("operator without a version"));
        }
        let version = Version::parse(rest).map_err(|e| match e {
            VersionError::Version { reason, .. } => bad(reason),
            _ => bad("expected a version"),
        })?;
        Ok(Constraint { op, version })
    }

    fn matches(&self, v: &Version) -> bool {
        let c = &self.version;
        match self.op {
            Op::Eq => v == c,
            Op::Ne => v != c,
            Op::Gt => v > c,
            Op::Ge => v >= c,
            Op::Lt => v < c,
            Op::Le => v <= c,
            // `~> 1` and `~> 1.2` keep the major, `~> 1.2.3` keeps major and
            // minor. Compared part by part so no `+ 1` can overflow.
            Op::Pessimistic => v >= c && v.major == c.major && (c.parts < 3 || v.minor == c.minor),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.as_str(), self.version)
    }
}

/// A comma-separated list of constraints, all of which must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraints(pub Vec<Constraint>);

impl Constraints {
    /// Parse `~> 5.0`, `>= 5.95, < 6.0.0`, `=3.6.0`, `= 3.6.0`, `1.10`,
    /// `!= 1.2.0`, `>=1.0,<2.0`. A bare version means `=`. An empty string or
    /// an empty term (`1.0,`) is an error, as it is for Terraform.
    pub fn parse(s: &str) -> Result<Constraints, VersionError> {
        if s.trim().is_empty() {
            return Err(VersionError::Empty);
        }
        s.split(',')
            .map(|term| {
                let term = term.trim();
                if term.is_empty() {
                    Err(VersionError::Constraint {
                        input: s.to_owned(),
                        reason: "empty term between commas",
                    })
                } else {
                    Constraint::parse(term)
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Constraints)
    }

    /// The version when this names exactly one release: a single `=` (or
    /// bare) term. Missing parts are zeros, as Terraform reads them: `1.2`
    /// admits 1.2.0 and nothing else.
    pub fn exact(&self) -> Option<&Version> {
        match self.0.as_slice() {
            [Constraint {
                op: Op::Eq,
                version,
            }] => Some(version),
            _ => None,
        }
    }

    /// Whether `v` satisfies every term, with Terraform's rule that a
    /// prerelease is only ever selected by naming it exactly: `v` with a
    /// prerelease matches only if some `=` term equals it (and all terms hold).
    pub fn matches(&self, v: &Version) -> bool {
        if v.pre.is_some() && !self.0.iter().any(|c| c.op == Op::Eq && c.version == *v) {
            return false;
        }
        self.0.iter().all(|c| c.matches(v))
    }

    /// The version a reader would call "the" version of a constraint: the
    /// highest operand of `=`, `>=`, `>` or `~>`. Used to order an old
    /// constraint against a new one.
    pub fn lower_bound(&self) -> Option<&Version> {
        self.0
            .iter()
            .filter(|c| matches!(c.op, Op::Eq | Op::Ge | Op::Gt | Op::Pessimistic))
            .map(|c| &c.version)
            .max()
    }
}

impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Which way a version change goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
    Sideways,
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
            Direction::Sideways => "sideways",
        }
    }
}

/// Compare two version or constraint strings as Terraform users write them
/// (`5.4.0`, `v1.2.0` tags, `~> 5.0`). Each side is read as a version, else
/// as constraints by their [`Constraints::lower_bound`]. Anything that cannot
/// be ordered (equal bounds written differently, git SHAs, branch names) is
/// `Sideways`: the change still needs a look, we just cannot say which way.
pub fn direction(old: &str, new: &str) -> Direction {
    fn bound(s: &str) -> Option<Version> {
        let s = s.trim();
        Version::parse(s).ok().or_else(|| {
            Constraints::parse(s)
                .ok()
                .and_then(|c| c.lower_bound().cloned())
        })
    }
    match (bound(old), bound(new)) {
        (Some(o), Some(n)) => match n.cmp(&o) {
            Ordering::Greater => Direction::Upgrade,
            Ordering::Less => Direction::Downgrade,
            Ordering::Equal => Direction::Sideways,
        },
        _ => Direction::Sideways,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn c(s: &str) -> Constraints {
        Constraints::parse(s).unwrap()
    }

    #[test]
    fn parses_versions() {
        let x = v("1");
        assert_eq!((x.major, x.minor, x.patch, x.parts), (1, 0, 0, 1));
        let x = v("1.10");
        assert_eq!((x.major, x.minor, x.patch, x.parts), (1, 10, 0, 2));
        assert_eq!(x.to_string(), "1.10");
        let x = v("1.2.3");
        assert_eq!((x.major, x.minor, x.patch, x.parts), (1, 2, 3, 3));
        assert_eq!(v("v1.2.3"), v("1.2.3"));
        assert_eq!(v("v1.2.3").to_string(), "1.2.3");
        let x = v("1.2.3-beta.1");
        assert_eq!(x.pre.as_deref(), Some("beta.1"));
        assert_eq!(x.to_string(), "1.2.3-beta.1");
        let x = v("1.2.3+meta");
        assert_eq!(x.pre, None);
        assert_eq!(x.to_string(), "1.2.3");
        assert_eq!(v("1.2.3-rc.1+build.5").pre.as_deref(), Some("rc.1"));
        assert_eq!(v("1.10"), v("1.10.0"));
    }

    #[test]
    fn rejects_malformed_versions() {
        for s in [
            "",
            "abc",
            "1..2",
            "1.",
            ".1",
            "1.2.3.4",
            "1.2.3-",
            "1.2.3-beta..1",
            "1.2.3+",
            "1.2.x",
            "v",
            " 1.2.3",
            "-1.2.3",
            "18446744073709551616",
            "1.99999999999999999999999",
        ] {
            assert!(Version::parse(s).is_err(), "{s:?} should not parse");
        }
        assert_eq!(v("18446744073709551615").major, u64::MAX);
    }

    #[test]
    fn orders_prereleases_like_semver() {
        // The chain from semver.org section 11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for pair in chain.windows(2) {
            if let [a, b] = pair {
                assert!(v(a) < v(b), "{a} < {b}");
            }
        }
        assert!(v("1.0.0-99999999999999999999999") > v("1.0.0-2"));
        assert_eq!(v("1.0.0-01"), v("1.0.0-1"));
        assert!(v("2.0.0") > v("1.99.99"));
        assert!(v("1.10.0") > v("1.9.0"));
    }

    #[test]
    fn parses_constraints() {
        let x = c("~> 5.0");
        assert_eq!(x.0.len(), 1);
        assert_eq!(x.0[0].op, Op::Pessimistic);
        assert_eq!(x.0[0].version, v("5.0"));
        let x = c(">= 5.95, < 6.0.0");
        assert_eq!(
            x.0.iter().map(|c| c.op).collect::<Vec<_>>(),
            vec![Op::Ge, Op::Lt]
        );
        assert_eq!(x.to_string(), ">= 5.95, < 6.0.0");
        assert_eq!(c("=3.6.0"), c("= 3.6.0"));
        assert_eq!(c("1.10").0[0].op, Op::Eq);
        assert_eq!(c("!= 1.2.0").0[0].op, Op::Ne);
        let x = c(">=1.0,<2.0");
        assert_eq!(x.0.len(), 2);
        assert_eq!(x.0[1].op, Op::Lt);
        assert_eq!(c("<= 2").0[0].op, Op::Le);
        assert_eq!(c("> 2").0[0].op, Op::Gt);
    }

    #[test]
    fn rejects_malformed_constraints() {
        for s in [
            "",
            "   ",
            "~>",
            ">= ",
            "1..2",
            "abc",
            ">= 1.0,",
            ",1.0",
            "=> 1.0",
            "~> 1.0 2.0",
            ">= 99999999999999999999",
        ] {
            assert!(Constraints::parse(s).is_err(), "{s:?} should not parse");
        }
    }

    #[test]
    fn exact_means_one_full_version() {
        assert_eq!(c("1.2.3").exact(), Some(&v("1.2.3")));
        assert_eq!(c("=1.2.3").exact(), Some(&v("1.2.3")));
        assert_eq!(c("= 1.2.3").exact(), Some(&v("1.2.3")));
        assert_eq!(c("v1.2.3").exact(), Some(&v("1.2.3")));
        assert_eq!(c("= 1.2.3-rc.1").exact(), Some(&v("1.2.3-rc.1")));
        assert_eq!(c("1.2").exact(), Some(&v("1.2.0")));
        for s in ["~> 1.2.3", ">= 1.2.3", "1.2.3, 1.2.3", "!= 1.2.3"] {
            assert_eq!(c(s).exact(), None, "{s}");
        }
    }

    #[test]
    fn pessimistic_edges() {
        let two = c("~> 1.2");
        assert!(two.matches(&v("1.2.0")));
        assert!(two.matches(&v("1.9.9")));
        assert!(!two.matches(&v("1.1.9")));
        assert!(!two.matches(&v("2.0.0")));
        let three = c("~> 1.2.3");
        assert!(three.matches(&v("1.2.3")));
        assert!(three.matches(&v("1.2.99")));
        assert!(!three.matches(&v("1.2.2")));
        assert!(!three.matches(&v("1.3.0")));
        let one = c("~> 1");
        assert!(one.matches(&v("1.0.0")));
        assert!(one.matches(&v("1.99.0")));
        assert!(!one.matches(&v("2.0.0")));
        assert!(!one.matches(&v("0.9.0")));
        let max = Constraints::parse("~> 18446744073709551615.0").unwrap();
        assert!(max.matches(&v("18446744073709551615.5.0")));
    }

    #[test]
    fn matches_ranges_and_prereleases() {
        let r = c(">= 5.95, < 6.0.0");
        assert!(r.matches(&v("5.95.0")));
        assert!(r.matches(&v("5.100.1")));
        assert!(!r.matches(&v("6.0.0")));
        assert!(!r.matches(&v("5.94.9")));
        assert!(c("!= 1.2.0").matches(&v("1.2.1")));
        assert!(!c("!= 1.2.0").matches(&v("1.2.0")));
        assert!(c("1.10").matches(&v("1.10.0")));
        assert!(c("<= 2").matches(&v("2.0.0")));
        assert!(!c("> 2").matches(&v("2.0.0")));
        // Prereleases are only chosen by naming them.
        assert!(!c(">= 1.0.0").matches(&v("2.0.0-beta")));
        assert!(!c("~> 1.2.3-beta").matches(&v("1.2.3-beta")));
        assert!(c("= 1.2.3-beta").matches(&v("1.2.3-beta")));
        assert!(c("1.2.3-beta, >= 1.0").matches(&v("1.2.3-beta")));
        assert!(!c("= 1.2.3-beta").matches(&v("1.2.3-beta.2")));
        assert!(c(">= 1.2.3-beta").matches(&v("1.2.3")));
    }

    #[test]
    fn lower_bound_is_the_highest_floor() {
        assert_eq!(c(">= 5.95, < 6.0.0").lower_bound(), Some(&v("5.95")));
        assert_eq!(c("~> 5.0").lower_bound(), Some(&v("5.0")));
        assert_eq!(c(">= 1.0, > 1.5").lower_bound(), Some(&v("1.5")));
        assert_eq!(c("< 2.0").lower_bound(), None);
        assert_eq!(c("!= 2.0").lower_bound(), None);
    }

    #[test]
    fn directions() {
        assert_eq!(direction("5.4.0", "5.5.0"), Direction::Upgrade);
        assert_eq!(direction("5.5.0", "5.4.0"), Direction::Downgrade);
        assert_eq!(direction("v1.2.0", "v1.3.0"), Direction::Upgrade);
        assert_eq!(direction("~> 5.0", "~> 6.0"), Direction::Upgrade);
        assert_eq!(
            direction(">= 5.95, < 6.0.0", "~> 5.0"),
            Direction::Downgrade
        );
        assert_eq!(direction("= 3.6.0", "3.7.0"), Direction::Upgrade);
        assert_eq!(direction("1.2.0-rc.1", "1.2.0"), Direction::Upgrade);
        assert_eq!(direction("~> 5.0", ">= 5.0"), Direction::Sideways);
        assert_eq!(direction("1.10", "1.10.0"), Direction::Sideways);
        assert_eq!(direction("main", "v1.0.0"), Direction::Sideways);
        assert_eq!(
            direction(
                "0123456789abcdef0123456789abcdef01234567",
                "89abcdef0123456789abcdef0123456789abcdef"
            ),
            Direction::Sideways
        );
        assert_eq!(direction("< 2.0", "< 3.0"), Direction::Sideways);
        assert_eq!(Direction::Upgrade.as_str(), "upgrade");
        assert_eq!(Direction::Downgrade.as_str(), "downgrade");
        assert_eq!(Direction::Sideways.as_str(), "sideways");
    }

    #[test]
    fn errors_read_well() {
        let e = Version::parse("1..2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid version \"1..2\": expected numbers separated by dots"
        );
        let e = Constraints::parse("~>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid version constraint \"~>\": operator without a version"
        );
        assert_eq!(Constraints::parse("").unwrap_err(), VersionError::Empty);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*", t in ".*") {
            let _ = Version::parse(&s);
            let _ = Constraints::parse(&s);
            let _ = direction(&s, &t);
        }

        #[test]
        fn versionish_inputs_never_panic(
            s in "(~>|>=|<=|!=|=|<|>| )*v?[0-9.]{0,12}(-[0-9A-Za-z.]{0,6})?(\\+[a-z0-9.]{0,4})?(, ?[<>=~! 0-9.]{0,10})?",
            t in "v?[0-9]{1,25}(\\.[0-9]{1,25}){0,2}(-[0-9a-z.]{0,8})?",
        ) {
            if let Ok(cs) = Constraints::parse(&s) {
                let _ = cs.exact();
                let _ = cs.lower_bound();
                let _ = cs.to_string();
                if let Ok(ver) = Version::parse(&t) {
                    let _ = cs.matches(&ver);
                }
            }
            let _ = direction(&s, &t);
        }

        /// parse(render(x)) is x, for versions and constraints.
        #[test]
        fn rendering_round_trips(
            s in "(~>|>=|<=|!=|=|<|>| )*v?[0-9]{1,4}(\\.[0-9]{1,4}){0,2}(-[0-9a-z]{1,4})?(, ?(~>|>=|<|!=) ?[0-9]{1,3}(\\.[0-9]{1,3}){0,2})?",
            t in "v?[0-9]{1,5}(\\.[0-9]{1,5}){0,2}(-[0-9a-z]{1,4}(\\.[0-9a-z]{1,3})?)?(\\+[a-z0-9]{1,4})?",
        ) {
            if let Ok(cs) = Constraints::parse(&s) {
                let again = Constraints::parse(&cs.to_string());
                prop_assert_eq!(again.as_ref().map(ToString::to_string), Ok(cs.to_string()));
            }
            if let Ok(ver) = Version::parse(&t) {
                let again = Version::parse(&ver.to_string()).expect("a rendered version parses");
                prop_assert_eq!(again.cmp(&ver), std::cmp::Ordering::Equal);
                prop_assert_eq!(again.to_string(), ver.to_string());
            }
        }

        #[test]
        fn order_is_antisymmetric(a in "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[0-9a-z]{1,3}(\\.[0-9a-z]{1,3}){0,2})?",
                                  b in "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[0-9a-z]{1,3}(\\.[0-9a-z]{1,3}){0,2})?") {
            let (x, y) = (v(&a), v(&b));
            prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
        }
    }
}
