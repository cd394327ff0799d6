//! A value that must never be printed: access tokens and API key secrets travel in `Secret`,
//! whose `Debug` and `Display` print a redaction, so no log line, error or panic can show one.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the few places that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("sb_secret_abcdef");
        assert!(!format!("{secret:?}").contains("abcdef"));
        assert!(!format!("{secret}").contains("abcdef"));
        assert!(!format!("{:?}", Some(&secret)).contains("abcdef"));
        assert_eq!(secret.expose(), "sb_secret_abcdef");
    }
}
