//! The provider block: `access_token` and `endpoint`, each with an environment fallback.

use std::time::Duration;

use crate::log_at;
use crate::plugin::diag::Diagnostics;
use crate::plugin::log::Level;
use crate::plugin::schema::{Attribute, Schema, Validator};
use crate::plugin::value::path::AttributePath;
use crate::plugin::value::{Type, Value};
use crate::secret::Secret;

pub const TOKEN_ENV: &str = "SUPABASE_ACCESS_TOKEN";
pub const ENDPOINT_ENV: &str = "SUPABASE_API_ENDPOINT";
pub const DEFAULT_ENDPOINT: &str = "https://api.supabase.com";
pub const TIMEOUT_ENV: &str = "SUPABASE_REQUEST_TIMEOUT";
pub const RETRIES_ENV: &str = "SUPABASE_MAX_RETRIES";
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// More retries than this would keep a plan waiting for many minutes of rate-limit windows.
const RETRIES_LIMIT: u32 = 20;

pub fn schema() -> Schema {
    Schema::new(
        0,
        "Manages Supabase API keys through the Supabase Management API.",
        vec![
            Attribute::optional("access_token", Type::String)
                .sensitive()
                .validator(NotBlank)
                .description(&format!(
                    "A Supabase personal access token (or OAuth access token) for the \
                     Management API. Defaults to the `{TOKEN_ENV}` environment variable."
                )),
            Attribute::optional("endpoint", Type::String)
                .validator(HttpUrl)
                .description(&format!(
                    "The Management API's base URL. Defaults to the `{ENDPOINT_ENV}` \
                     environment variable, else `{DEFAULT_ENDPOINT}`. A plain `http://` \
                     endpoint that is not on this machine sends the token in clear."
                )),
            Attribute::optional("request_timeout", Type::String)
                .validator(DurationText)
                .description(&format!(
                    "How long one API request may take before it counts as failed, as a \
                     duration such as `30s` or `2m`. Defaults to the `{TIMEOUT_ENV}` \
                     environment variable, else `30s`."
                )),
            Attribute::optional("max_retries", Type::Number)
                .validator(RetryCount)
                .description(&format!(
                    "How many times a failed request is retried (rate limits, server errors, \
                     lost connections) before the operation fails; waits grow exponentially \
                     and follow the API's rate-limit headers. `0` to `{RETRIES_LIMIT}`. \
                     Defaults to the `{RETRIES_ENV}` environment variable, else \
                     `{DEFAULT_MAX_RETRIES}`."
                )),
        ],
    )
}

/// What the provider can work with once configured.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Configuration {
    #[default]
    NotConfigured,
    /// Part of the configuration comes from resources not yet created: known at apply.
    Deferred,
    Ready(Settings),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub endpoint: url::Url,
    pub access_token: Secret,
    /// Where the token came from, for the error that says to replace a refused one.
    pub token_source: String,
    pub request_timeout: Duration,
    pub max_retries: u32,
}

/// The environment variables the provider reads, gathered so tests can pass their own.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub access_token: Option<String>,
    pub endpoint: Option<String>,
    pub request_timeout: Option<String>,
    pub max_retries: Option<String>,
}

impl Environment {
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Environment {
            access_token: std::env::var(TOKEN_ENV).ok(),
            endpoint: var(ENDPOINT_ENV),
            request_timeout: var(TIMEOUT_ENV),
            max_retries: var(RETRIES_ENV),
        }
    }
}

pub fn resolve(config: &Value, env: &Environment, diags: &mut Diagnostics) -> Configuration {
    let attr = |name: &str| config.attr(name).unwrap_or(&Value::Null);
    let (token, endpoint) = (attr("access_token"), attr("endpoint"));
    if [
        token,
        endpoint,
        attr("request_timeout"),
        attr("max_retries"),
    ]
    .iter()
    .any(|v| !v.is_known())
    {
        return Configuration::Deferred;
    }
    // The log names the source tersely; a refused token's error says where a new one goes.
    let (token_from, token_source) = if token.as_str().is_some() {
        (
            "the provider's access_token argument",
            "the provider's `access_token` argument".to_string(),
        )
    } else {
        (
            TOKEN_ENV,
            format!(
                "the {TOKEN_ENV} environment variable (the provider block sets no \
                 `access_token`)"
            ),
        )
    };
    let access_token = match token.as_str().or(env.access_token.as_deref()) {
        Some(t) if !t.trim().is_empty() => Secret::new(t.trim()),
        _ => {
            missing_token(diags, env.access_token.is_some());
            return Configuration::NotConfigured;
        }
    };
    let (text, source) = setting(endpoint.as_str(), env.endpoint.as_deref())
        .unwrap_or_else(|| (DEFAULT_ENDPOINT.to_string(), Source::Default));
    let endpoint = match parse_endpoint(&text) {
        Ok(endpoint) => endpoint,
        Err(problem) => {
            source.invalid(diags, &ENDPOINT, &text, &problem);
            return Configuration::NotConfigured;
        }
    };
    if endpoint.scheme() == "http" && !is_loopback(&endpoint) {
        source.warn(
            diags,
            &ENDPOINT,
            "The access token travels in clear",
            &format!(
                "The endpoint {} uses plain http on a host other than this machine, so \
                 the access token and API key secrets cross the network unencrypted. Use an \
                 https:// endpoint.",
                without_credentials(&endpoint)
            ),
        );
    }
    let request_timeout = match setting(
        attr("request_timeout").as_str(),
        env.request_timeout.as_deref(),
    ) {
        None => DEFAULT_REQUEST_TIMEOUT,
        Some((text, source)) => match parse_duration(&text) {
            Some(timeout) => timeout,
            None => {
                source.invalid(diags, &TIMEOUT, &text, "is not a duration");
                return Configuration::NotConfigured;
            }
        },
    };
    let retries_argument = attr("max_retries")
        .as_number()
        .map(|number| number.to_string());
    let max_retries = match setting(retries_argument.as_deref(), env.max_retries.as_deref()) {
        None => DEFAULT_MAX_RETRIES,
        Some((text, source)) => match parse_retries(&text) {
            Some(n) => n,
            None => {
                source.invalid(diags, &RETRIES, &text, "is not a retry count");
                return Configuration::NotConfigured;
            }
        },
    };
    log_at!(
        Level::Info,
        "configured the Management API client",
        "endpoint" = without_credentials(&endpoint),
        "request_timeout_ms" = request_timeout.as_millis(),
        "max_retries" = max_retries,
        "access_token_from" = token_from,
    );
    Configuration::Ready(Settings {
        endpoint,
        access_token,
        token_source,
        request_timeout,
        max_retries,
    })
}

/// No token anywhere: the `access_token` argument is where one would go. A variable that is
/// set but empty is named instead, on no argument (the configuration did not set one). The
/// token itself is never echoed.
fn missing_token(diags: &mut Diagnostics, env_is_set: bool) {
    let summary = "Missing Supabase access token";
    let detail = |how: &str| {
        format!(
            "The provider needs a Management API access token. Set `access_token` in the \
             provider block, or set the {TOKEN_ENV} environment variable{how}. Create a token \
             under Account > Access Tokens in the Supabase dashboard."
        )
    };
    if env_is_set {
        diags.error(summary, detail(" (it is set, but empty)"));
    } else {
        diags.attribute_error(
            AttributePath::root().attribute("access_token"),
            summary,
            detail(""),
        );
    }
}

/// A setting the provider block or an environment variable may give: what a diagnostic about a
/// bad value needs to name.
struct SettingSpec {
    /// The provider block's argument.
    argument: &'static str,
    /// The environment variable read when the argument is left out.
    env: &'static str,
    /// What a bad value is called in a summary ("Invalid request timeout").
    what: &'static str,
    /// What a valid value is, after "Give" or "Set ... to".
    valid: &'static str,
    /// The value used when neither place sets one.
    default: &'static str,
}

const ENDPOINT: SettingSpec = SettingSpec {
    argument: "endpoint",
    env: ENDPOINT_ENV,
    what: "Supabase API endpoint",
    valid: "an http(s) URL with a host and no query, such as https://api.supabase.com",
    default: DEFAULT_ENDPOINT,
};

const TIMEOUT: SettingSpec = SettingSpec {
    argument: "request_timeout",
    env: TIMEOUT_ENV,
    what: "request timeout",
    valid: "a positive duration of at most an hour, such as \"500ms\", \"30s\" or \"2m\"",
    default: "30s",
};

const RETRIES: SettingSpec = SettingSpec {
    argument: "max_retries",
    env: RETRIES_ENV,
    what: "retry count",
    valid: RETRIES_VALID,
    default: "5",
};

/// `RETRIES_LIMIT` spelled out, for messages (a test holds the two together).
const RETRIES_VALID: &str = "a whole number from 0 to 20";

/// Where a setting's value came from, so that a problem with it points at the right place.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    /// The provider block's argument: its line is to blame.
    Argument,
    /// The environment variable, the argument being left out: no line of the configuration is.
    Environment,
    /// Neither: the built-in default.
    Default,
}

/// The argument's text if the provider block sets it, else the environment variable's.
fn setting(argument: Option<&str>, env: Option<&str>) -> Option<(String, Source)> {
    match (argument, env) {
        (Some(text), _) => Some((text.to_string(), Source::Argument)),
        (None, Some(text)) => Some((text.to_string(), Source::Environment)),
        (None, None) => None,
    }
}

impl Source {
    /// Reports a bad value: on the argument when the configuration set it; from the
    /// environment, naming the variable, its value and what a valid one is, on no attribute
    /// (the provider block did not set it).
    fn invalid(self, diags: &mut Diagnostics, spec: &SettingSpec, text: &str, problem: &str) {
        let shown = quoted_excerpt(&without_userinfo(text));
        match self {
            Source::Environment => diags.error(
                format!("Invalid {} in {}", spec.what, spec.env),
                format!(
                    "The {env} environment variable is {shown}, which {problem}. The provider \
                     block sets no `{argument}`, so the value came from there. Set {env} to \
                     {valid}, or unset it to use the default ({default}).",
                    env = spec.env,
                    argument = spec.argument,
                    valid = spec.valid,
                    default = spec.default,
                ),
            ),
            Source::Argument | Source::Default => diags.attribute_error(
                AttributePath::root().attribute(spec.argument),
                format!("Invalid {}", spec.what),
                argument_help(spec, text, problem),
            ),
        }
    }

    /// A warning about a value that works: on the argument, or naming the variable.
    fn warn(self, diags: &mut Diagnostics, spec: &SettingSpec, summary: &str, detail: &str) {
        match self {
            Source::Argument => diags.attribute_warning(
                AttributePath::root().attribute(spec.argument),
                summary,
                detail,
            ),
            Source::Environment | Source::Default => diags.warning(
                summary,
                format!(
                    "{detail} (The value comes from the {} environment variable.)",
                    spec.env
                ),
            ),
        }
    }
}

/// The endpoint as a log line may show it: a user name or password in it (which the client
/// refuses anyway) is left out.
fn without_credentials(url: &url::Url) -> url::Url {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            name.trim_end_matches('.').eq_ignore_ascii_case("localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

/// A duration such as `500ms`, `30s`, `2m` or `1m30s`; positive, at most an hour.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let amount: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => return None,
        };
        total = total.checked_add(unit.checked_mul(u32::try_from(amount).ok()?)?)?;
        rest = &rest[unit_len..];
    }
    (total > Duration::ZERO && total <= Duration::from_secs(3600)).then_some(total)
}

/// The detail of a bad argument: its value, what is wrong, and what a valid one is.
fn argument_help(spec: &SettingSpec, text: &str, problem: &str) -> String {
    format!(
        "{} {problem}. Give {} (also settable through {}).",
        quoted_excerpt(&without_userinfo(text)),
        spec.valid,
        spec.env
    )
}

/// A whole number of retries from 0 to `RETRIES_LIMIT`.
fn parse_retries(text: &str) -> Option<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= RETRIES_LIMIT)
}

/// `text` with any user name and password of a URL (`https://user:pw@host`) blanked out, so a
/// message that quotes an endpoint never carries a credential, even one that did not parse.
fn without_userinfo(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text.to_string();
    };
    let authority_end = text[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| scheme_end + i);
    match text[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..scheme_end], &text[scheme_end + at..]),
        None => text.to_string(),
    }
}

/// A value quoted for a message, cut short so a huge value never makes a huge diagnostic.
fn quoted_excerpt(text: &str) -> String {
    const LIMIT: usize = 100;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// An http(s) URL with a host, and no query or fragment (the client appends API paths).
pub fn parse_endpoint(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "uses the scheme {:?}, not http or https",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("has a query or fragment".into());
    }
    Ok(url)
}

struct NotBlank;

impl Validator for NotBlank {
    fn description(&self) -> String {
        "must not be empty or whitespace".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if value.as_str().is_some_and(|s| s.trim().is_empty()) {
            diags.attribute_error(
                path.clone(),
                "Empty access token",
                format!(
                    "`access_token` is empty. Set it to a Supabase access token, or leave it \
                     out to use the {TOKEN_ENV} environment variable."
                ),
            );
        }
    }
}

struct DurationText;

impl Validator for DurationText {
    fn description(&self) -> String {
        "must be a duration such as 30s".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(text) = value.as_str().filter(|t| parse_duration(t).is_none()) {
            diags.attribute_error(
                path.clone(),
                "Invalid request timeout",
                argument_help(&TIMEOUT, text, "is not a duration"),
            );
        }
    }
}

struct RetryCount;

impl Validator for RetryCount {
    fn description(&self) -> String {
        format!("must be a whole number from 0 to {RETRIES_LIMIT}")
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(number) = value.as_number() {
            if number
                .as_i64()
                .is_none_or(|n| !(0..=i64::from(RETRIES_LIMIT)).contains(&n))
            {
                diags.attribute_error(
                    path.clone(),
                    "Invalid retry count",
                    argument_help(&RETRIES, &number.to_string(), "is not a retry count"),
                );
            }
        }
    }
}

struct HttpUrl;

impl Validator for HttpUrl {
    fn description(&self) -> String {
        "must be an http(s) URL with a host".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(text) = value.as_str() {
            if let Err(problem) = parse_endpoint(text) {
                diags.attribute_error(
                    path.clone(),
                    "Invalid Supabase API endpoint",
                    argument_help(&ENDPOINT, text, &problem),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::diag::{Diagnostic, Severity};

    fn config(token: Value, endpoint: Value) -> Value {
        Value::object([
            ("access_token", token),
            ("endpoint", endpoint),
            ("request_timeout", Value::Null),
            ("max_retries", Value::Null),
        ])
    }

    #[test]
    fn token_falls_back_to_the_environment() {
        let env = Environment {
            access_token: Some("sbp_env".into()),
            ..Environment::default()
        };
        let mut diags = Diagnostics::new();
        let resolved = resolve(&config(Value::Null, Value::Null), &env, &mut diags);
        let Configuration::Ready(settings) = resolved else {
            panic!("not ready: {diags:?}")
        };
        assert_eq!(settings.access_token.expose(), "sbp_env");
        assert_eq!(settings.endpoint.as_str(), "https://api.supabase.com/");
        assert_eq!(settings.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(settings.max_retries, DEFAULT_MAX_RETRIES);
    }

    #[test]
    fn durations_read_like_terraform_timeouts() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        for bad in ["", "30", "s", "0s", "2d", "-1s", "2h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn plain_http_off_this_machine_warns() {
        let env = Environment {
            access_token: Some("t".into()),
            ..Environment::default()
        };
        for (endpoint, warns) in [
            ("http://127.0.0.1:8080", false),
            ("http://localhost", false),
            ("http://localhost.", false),
            ("http://[::ffff:127.0.0.1]", false),
            ("http://[::1]:80", false),
            ("http://api.example.com", true),
            ("https://api.example.com", false),
        ] {
            let mut diags = Diagnostics::new();
            resolve(
                &config(Value::Null, Value::String(endpoint.into())),
                &env,
                &mut diags,
            );
            assert_eq!(
                diags.iter().any(|d| d.summary.contains("in clear")),
                warns,
                "{endpoint}"
            );
        }
    }

    #[test]
    fn missing_token_names_both_ways_to_set_it() {
        let mut diags = Diagnostics::new();
        let resolved = resolve(
            &config(Value::Null, Value::Null),
            &Environment::default(),
            &mut diags,
        );
        assert_eq!(resolved, Configuration::NotConfigured);
        let error = diags.iter().next().expect("an error");
        assert!(error.detail.contains("access_token") && error.detail.contains(TOKEN_ENV));
        assert!(!error.detail.contains("empty"), "{error:?}");
        assert_eq!(
            error.attribute.as_ref().map(ToString::to_string).as_deref(),
            Some("access_token")
        );
    }

    #[test]
    fn an_empty_token_variable_is_named_as_set_but_empty() {
        let env = Environment {
            access_token: Some("  ".into()),
            ..Environment::default()
        };
        let error = only_diagnostic(&config(Value::Null, Value::Null), &env);
        assert!(error.detail.contains(&format!(
            "{TOKEN_ENV} environment variable (it is set, but empty)"
        )));
        assert_eq!(error.attribute, None);
    }

    /// The one diagnostic resolving `config` with `env` makes.
    fn only_diagnostic(config: &Value, env: &Environment) -> Diagnostic {
        let mut diags = Diagnostics::new();
        resolve(config, env, &mut diags);
        let all: Vec<_> = diags.iter().cloned().collect();
        assert_eq!(all.len(), 1, "{all:#?}");
        all.into_iter().next().expect("one diagnostic")
    }

    fn with_token(env: Environment) -> Environment {
        Environment {
            access_token: Some("sbp_env".into()),
            ..env
        }
    }

    #[test]
    fn a_bad_variable_is_named_with_its_value_and_what_is_valid_on_no_attribute() {
        let none = config(Value::Null, Value::Null);
        for (env, variable, value, valid) in [
            (
                Environment {
                    request_timeout: Some("30".into()),
                    ..Environment::default()
                },
                TIMEOUT_ENV,
                "\"30\"",
                "such as \"500ms\", \"30s\" or \"2m\", or unset it to use the default (30s)",
            ),
            (
                Environment {
                    max_retries: Some("many".into()),
                    ..Environment::default()
                },
                RETRIES_ENV,
                "\"many\"",
                "a whole number from 0 to 20, or unset it to use the default (5)",
            ),
            (
                Environment {
                    max_retries: Some("21".into()),
                    ..Environment::default()
                },
                RETRIES_ENV,
                "\"21\"",
                "a whole number from 0 to 20",
            ),
            (
                Environment {
                    endpoint: Some("api.supabase.com".into()),
                    ..Environment::default()
                },
                ENDPOINT_ENV,
                "\"api.supabase.com\"",
                "an http(s) URL with a host and no query",
            ),
        ] {
            let error = only_diagnostic(&none, &with_token(env));
            assert_eq!(error.severity, Severity::Error);
            assert_eq!(error.attribute, None, "{error:?}");
            assert!(
                error.summary.ends_with(&format!(" in {variable}")),
                "{error:?}"
            );
            for expected in [
                format!("The {variable} environment variable is {value}, which "),
                "The provider block sets no".to_string(),
                valid.to_string(),
            ] {
                assert!(
                    error.detail.contains(&expected),
                    "{expected:?} in {error:?}"
                );
            }
        }
    }

    #[test]
    fn an_argument_is_blamed_on_its_line_and_wins_over_the_variable() {
        let mut block = config(Value::Null, Value::Null);
        if let Value::Object(attrs) = &mut block {
            attrs.insert("request_timeout".into(), Value::String("soon".into()));
        }
        let env = with_token(Environment {
            request_timeout: Some("10s".into()),
            max_retries: Some("3".into()),
            ..Environment::default()
        });
        let error = only_diagnostic(&block, &env);
        assert_eq!(error.summary, "Invalid request timeout");
        assert_eq!(
            error.attribute.as_ref().map(ToString::to_string).as_deref(),
            Some("request_timeout")
        );
        assert!(
            error.detail.starts_with("\"soon\" is not a duration."),
            "{error:?}"
        );

        // A good argument is used whatever the variable says.
        if let Value::Object(attrs) = &mut block {
            attrs.insert("request_timeout".into(), Value::String("2m".into()));
        }
        let env = with_token(Environment {
            request_timeout: Some("never".into()),
            ..Environment::default()
        });
        let mut diags = Diagnostics::new();
        let Configuration::Ready(settings) = resolve(&block, &env, &mut diags) else {
            panic!("not ready: {diags:?}")
        };
        assert_eq!(settings.request_timeout, Duration::from_secs(120));
    }

    #[test]
    fn a_plain_http_endpoint_from_the_environment_warns_naming_the_variable() {
        let env = with_token(Environment {
            endpoint: Some("http://api.example.com".into()),
            ..Environment::default()
        });
        let warning = only_diagnostic(&config(Value::Null, Value::Null), &env);
        assert_eq!(warning.severity, Severity::Warning);
        assert_eq!(warning.attribute, None);
        assert!(warning.detail.contains(ENDPOINT_ENV), "{warning:?}");
    }

    #[test]
    fn a_quoted_endpoint_never_carries_a_credential() {
        let env = with_token(Environment {
            endpoint: Some("ftp://user:hunter2@api.example.com/x".into()),
            ..Environment::default()
        });
        let error = only_diagnostic(&config(Value::Null, Value::Null), &env);
        assert!(!error.detail.contains("hunter2"), "{error:?}");
        assert!(
            error.detail.contains("ftp://***@api.example.com/x"),
            "{error:?}"
        );
        assert_eq!(
            without_userinfo("https://a@b@host/p@q"),
            "https://***@host/p@q"
        );
        assert_eq!(without_userinfo("not a url"), "not a url");
    }

    #[test]
    fn the_retry_limit_is_spelled_as_it_is() {
        assert!(RETRIES_VALID.ends_with(&format!("0 to {RETRIES_LIMIT}")));
    }

    #[test]
    fn unknown_token_defers() {
        let mut diags = Diagnostics::new();
        let resolved = resolve(
            &config(Value::unknown(), Value::Null),
            &Environment::default(),
            &mut diags,
        );
        assert_eq!(resolved, Configuration::Deferred);
        assert!(!diags.has_errors());
    }

    #[test]
    fn the_logged_endpoint_holds_no_credentials() {
        let url = url::Url::parse("https://user:pw@api.example.com/base").unwrap();
        assert_eq!(
            without_credentials(&url).as_str(),
            "https://api.example.com/base"
        );
    }

    #[test]
    fn endpoints_must_be_http_urls_with_a_host_and_no_query() {
        assert!(parse_endpoint("https://api.supabase.com").is_ok());
        assert!(parse_endpoint("http://127.0.0.1:8080/base").is_ok());
        for bad in [
            "api.supabase.com",
            "ftp://x.y",
            "https://x.y:99999",
            "https://x.y/?a=b",
            "http://",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad} was accepted");
        }
    }
}
