//! The endpoint, token and project of a live run, from the environment `make testacc` reads.

use std::time::Duration;

use terraform_provider_supabase::secret::Secret;
use terraform_provider_supabase::supabase::{Client, ClientConfig};

pub struct Target {
    pub endpoint: url::Url,
    pub token: Secret,
    pub project: String,
}

/// The name prefix of every key a live run makes.
pub const KEY_PREFIX: &str = "tfacc_";

impl Target {
    pub fn from_env() -> Result<Target, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let token = var("SUPABASE_ACCESS_TOKEN")
            .ok_or("SUPABASE_ACCESS_TOKEN is not set: a token of the account to run against")?;
        let project = var("SUPABASE_ACC_PROJECT_REF").ok_or(
            "SUPABASE_ACC_PROJECT_REF is not set: the ref of a scratch project to run against \
             (there is no default, so that no run lands in a project by accident)",
        )?;
        let endpoint =
            var("SUPABASE_API_ENDPOINT").unwrap_or_else(|| "https://api.supabase.com".to_owned());
        let endpoint = url::Url::parse(&endpoint)
            .map_err(|e| format!("SUPABASE_API_ENDPOINT {endpoint:?}: {e}"))?;
        Ok(Target {
            endpoint,
            token: Secret::new(token),
            project,
        })
    }

    /// Our own client, paced from the rate-limit headers like the provider's.
    pub fn client(&self) -> Result<Client, String> {
        Client::new(ClientConfig {
            endpoint: self.endpoint.clone(),
            access_token: self.token.clone(),
            token_source: "the SUPABASE_ACCESS_TOKEN environment variable".into(),
            request_timeout: Duration::from_secs(30),
            max_retries: 5,
        })
        .map_err(|e| e.to_string())
    }
}
