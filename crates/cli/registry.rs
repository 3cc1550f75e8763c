//! `iacgate pin --registry`: the versions a Terraform module registry
//! lists, over HTTPS (the registry protocol's service discovery, then
//! `GET <modules.v1>NS/NAME/SYSTEM/versions`). Only `pin --registry` calls
//! this; no other command makes HTTP requests.

use std::collections::BTreeMap;
use std::time::Duration;

use iacgate_core::pin::{module_versions, modules_endpoint};

/// The most a registry answer may weigh: version lists are small.
const MAX_BODY: u64 = 8 * 1024 * 1024;

/// Registry lookups of one run: each host's discovery document is fetched
/// once.
pub struct Registry {
    agent: ureq::Agent,
    endpoints: BTreeMap<String, Result<String, String>>,
}

impl Registry {
    pub fn new(timeout: Duration) -> Registry {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .user_agent(concat!("iacgate/", env!("CARGO_PKG_VERSION")))
            .build();
        Registry {
            agent: config.into(),
            endpoints: BTreeMap::new(),
        }
    }

    /// Every version `host` lists for `package` (`ns/name/system`).
    pub fn versions(&mut self, host: &str, package: &str) -> Result<Vec<String>, String> {
        let origin = origin(host)?;
        let endpoint = match self.endpoints.get(host) {
            Some(known) => known.clone(),
            None => {
                let found = self
                    .get(&format!("{origin}/.well-known/terraform.json"))
                    .and_then(|body| modules_endpoint(&origin, &body));
                self.endpoints.insert(host.to_owned(), found.clone());
                found
            }
        }?;
        let body = self.get(&format!("{endpoint}{package}/versions"))?;
        module_versions(&body)
    }

    fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        self.agent
            .get(url)
            .call()
            .and_then(|mut response| {
                response
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_vec()
            })
            .map_err(|e| format!("GET {url}: {e}"))
    }
}

/// `https://HOST`; plain `http://` only for a registry on this machine
/// (`localhost`, `127.0.0.1`, `[::1]`, with a port), as for a local mirror.
fn origin(host: &str) -> Result<String, String> {
    if host.contains(['/', '@', '?', '#']) || host.chars().any(char::is_whitespace) {
        return Err(format!("{host:?} is not a registry host"));
    }
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let loopback = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
    Ok(if loopback {
        format!("http://{host}")
    } else {
        format!("https://{host}")
    })
}
