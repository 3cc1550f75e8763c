//! A vendored subchart archive, `charts/<name>-<version>.tgz`: Helm loads
//! every archive in a chart's `charts/` directory as it is, whatever
//! `Chart.yaml` and `Chart.lock` say, so its bytes are the dependency.
//!
//! One [`Kind::Chart`] dependency per archive, keyed `archive.<name>`,
//! with the version from the file name and the SHA-256 of the bytes as its
//! hash. Other bytes at the same version are a `lock-tamper` (the archive
//! is a lock of itself); another version under the same name (the archive
//! of a bump) is a `version-change`; a new archive is a `new-dependency`.

use crate::model::{Dependency, Ecosystem, Kind, PinState, Span, Spanned};
use crate::version::Version;

/// The archive at `path` (`None`: unknown), holding `bytes`.
pub(in crate::extract) fn extract(path: Option<&str>, bytes: &[u8]) -> Vec<Dependency> {
    let file = path
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or("chart.tgz");
    let stem = file.strip_suffix(".tgz").unwrap_or(file);
    let (name, version) = split_name(stem);
    let mut dep = Dependency::new(
        Ecosystem::Helm,
        Kind::Chart,
        format!("archive.{name}"),
        name.to_owned(),
        Span::new(0, 0),
    );
    dep.version = version.map(|v| Spanned::new(v.to_owned(), Span::new(0, 0)));
    dep.hashes = vec![format!("sha256:{}", hex(&sha256(bytes)))];
    dep.pin = PinState::Pinned;
    vec![dep]
}

/// The hash an unpacked subchart's `archive.<name>` carries.
pub(crate) const UNPACKED: &str = "unpacked directory";

/// The `archive.<name>` an unpacked subchart's `Chart.yaml` stands for:
/// `None` for one without a `name`.
pub(in crate::extract) fn unpacked(text: &str) -> Option<Dependency> {
    let root = crate::extract::yaml::load(text).ok()??;
    if !root.is_map() {
        return None;
    }
    let name = super::field(&root, "name", "the chart").ok()??;
    let version = super::field(&root, "version", "the chart").ok().flatten();
    let value = name.value.trim();
    if value.is_empty() {
        return None;
    }
    let mut dep = Dependency::new(
        Ecosystem::Helm,
        Kind::Chart,
        format!("archive.{value}"),
        value.to_owned(),
        name.span,
    );
    dep.version = version.map(|v| Spanned::new(v.value.trim().to_owned(), v.span));
    dep.hashes = vec![UNPACKED.to_owned()];
    dep.pin = PinState::Pinned;
    Some(dep)
}

/// `ingress-nginx-4.11.3` -> (`ingress-nginx`, `4.11.3`): at the first `-`
/// after which a whole version follows (`app-1.0.0-rc.1`).
fn split_name(stem: &str) -> (&str, Option<&str>) {
    for (i, _) in stem.match_indices('-') {
        let rest = &stem[i + 1..];
        let bare = rest.strip_prefix('v').unwrap_or(rest);
        if i > 0 && bare.starts_with(|c: char| c.is_ascii_digit()) && Version::parse(bare).is_ok() {
            return (&stem[..i], Some(rest));
        }
    }
    (stem, None)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (FIPS 180-4).
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answers() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(split_name("redis-19.6.4"), ("redis", Some("19.6.4")));
        assert_eq!(
            split_name("ingress-nginx-4.11.3"),
            ("ingress-nginx", Some("4.11.3"))
        );
        assert_eq!(split_name("app-1.0.0-rc.1"), ("app", Some("1.0.0-rc.1")));
        assert_eq!(
            split_name("k8s-3scale-v2.1.0"),
            ("k8s-3scale", Some("v2.1.0"))
        );
        assert_eq!(split_name("mychart"), ("mychart", None));
        assert_eq!(split_name("-1.0.0"), ("-1.0.0", None));
    }

    #[test]
    fn one_dependency_whose_hash_is_the_bytes() {
        let a = extract(Some("charts/app/charts/redis-19.6.4.tgz"), b"\x1f\x8b\0one");
        let b = extract(Some("charts/app/charts/redis-19.6.4.tgz"), b"\x1f\x8b\0two");
        assert_eq!(a[0].key, "archive.redis");
        assert_eq!(a[0].version_str(), Some("19.6.4"));
        assert_eq!(a[0].kind, Kind::Chart);
        assert_ne!(a[0].hashes, b[0].hashes);
        assert_eq!(extract(None, b"")[0].key, "archive.chart");
    }
}
