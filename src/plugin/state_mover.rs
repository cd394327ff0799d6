//! What a resource accepts from a `moved` block whose `from` is another resource type, maybe of
//! another provider (MoveResourceState, Terraform >= 1.8), as terraform-plugin-framework's
//! `ResourceWithMoveState` declares it: per source, its provider, type and schema versions, and
//! the function that maps its stored state to the resource's. The framework matches a request
//! against them (see `server::move_state`); a mapping never sees a source it did not declare.

use std::fmt;

use super::diag::Diagnostics;
use super::value::Value;

/// A provider as a move request may name it, on any registry host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceProvider {
    pub namespace: &'static str,
    pub type_name: &'static str,
}

impl SourceProvider {
    /// Whether `address` names this provider. Terraform and OpenTofu >= 1.12.4 send the full
    /// address, `<host>/<namespace>/<type>`, with the host the configuration installed it from
    /// (registry.terraform.io, registry.opentofu.org, a private mirror). Older OpenTofu sent the
    /// provider implied by the resource type's prefix, the bare `<type>` (opentofu/opentofu
    /// #4352), and the short `<namespace>/<type>` is what both show for the default host.
    /// Addresses are case-insensitive, as Terraform normalises them.
    pub fn matches(&self, address: &str) -> bool {
        let parts: Vec<&str> = address.split('/').collect();
        let is = |part: &str, expected: &str| part.eq_ignore_ascii_case(expected);
        match parts.as_slice() {
            [host, namespace, type_name] => {
                !host.is_empty() && is(namespace, self.namespace) && is(type_name, self.type_name)
            }
            [namespace, type_name] => {
                is(namespace, self.namespace) && is(type_name, self.type_name)
            }
            [type_name] => is(type_name, self.type_name),
            _ => false,
        }
    }
}

impl fmt::Display for SourceProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.type_name)
    }
}

/// The stored state of the resource being moved, as the request carries it.
pub struct SourceState<'a> {
    /// The address exactly as sent (see [`SourceProvider::matches`] for its forms).
    pub provider_address: &'a str,
    pub type_name: &'a str,
    pub schema_version: i64,
    /// The state's JSON object as the source provider wrote it. Terraform never decodes it with
    /// the source's schema, and this provider does not have that schema either.
    pub attributes: &'a serde_json::Map<String, serde_json::Value>,
}

/// Maps a source's state to the target resource's, or reports why it cannot (errors) and what
/// it could not carry over (warnings). It runs without a context: a move makes no request.
pub type MapState = dyn Fn(&SourceState<'_>, &mut Diagnostics) -> Option<Value> + Send + Sync;

/// One source a resource accepts.
pub struct StateMover {
    pub provider: SourceProvider,
    pub type_name: &'static str,
    /// The source schema versions the mapping reads; any other is an error naming it.
    pub schema_versions: Vec<i64>,
    /// The whole state: attributes it cannot fill are null. The framework checks it against
    /// the target schema and derives the target identity from it.
    pub map: Box<MapState>,
}

impl StateMover {
    /// Whether a request from `provider_address` and `type_name` is for this mover (whatever
    /// its schema version: a version this mover does not read is its error to name).
    pub fn accepts(&self, provider_address: &str, type_name: &str) -> bool {
        self.type_name == type_name && self.provider.matches(provider_address)
    }

    /// For messages: "supabase_apikey of supabase/supabase (any registry host), schema
    /// version 0".
    pub fn describe(&self) -> String {
        let versions: Vec<String> = self.schema_versions.iter().map(i64::to_string).collect();
        let noun = if versions.len() == 1 {
            "version"
        } else {
            "versions"
        };
        format!(
            "{} of {} (any registry host), schema {noun} {}",
            self.type_name,
            self.provider,
            versions.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICIAL: SourceProvider = SourceProvider {
        namespace: "supabase",
        type_name: "supabase",
    };

    #[test]
    fn every_form_terraform_and_opentofu_send_matches() {
        for address in [
            "registry.terraform.io/supabase/supabase",
            "registry.opentofu.org/supabase/supabase",
            "terraform.example.com:8443/supabase/supabase",
            "Registry.Terraform.IO/Supabase/Supabase",
            "supabase/supabase",
            "supabase",
        ] {
            assert!(OFFICIAL.matches(address), "{address}");
        }
    }

    #[test]
    fn other_providers_do_not_match() {
        for address in [
            "",
            "registry.terraform.io/supabase-rs/supabase",
            "registry.terraform.io/hashicorp/supabase",
            "registry.terraform.io/supabase/supabasekeys",
            "/supabase/supabase",
            "example.com/notsupabase/supabase",
            "hashicorp/supabase",
            "supabase/supabase/extra/part",
            "supabasekeys",
        ] {
            assert!(!OFFICIAL.matches(address), "{address:?}");
        }
    }

    #[test]
    fn a_mover_names_its_source() {
        let mover = StateMover {
            provider: OFFICIAL,
            type_name: "supabase_apikey",
            schema_versions: vec![0],
            map: Box::new(|_, _| None),
        };
        assert!(mover.accepts("supabase", "supabase_apikey"));
        assert!(!mover.accepts("supabase", "supabase_project"));
        assert_eq!(
            mover.describe(),
            "supabase_apikey of supabase/supabase (any registry host), schema version 0"
        );
    }
}
