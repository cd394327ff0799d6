//! The Management API client's requests in the provider's log: one DEBUG line per attempt, as
//! HashiCorp's providers log each HTTP exchange. What a line holds is the client's
//! [`Exchange`], which carries no token and no secret.

use std::fmt::Display;

use crate::plugin::log::{self, Level};
use crate::supabase::{self, Exchange, Outcome};

/// The message of every request line.
pub const MESSAGE: &str = "Management API request";

/// Logs every attempt of every request this process makes (process-wide, once at start).
pub fn install() {
    supabase::set_request_hook(log_exchange);
}

fn log_exchange(exchange: &Exchange) {
    if !log::enabled(Level::Debug) {
        return;
    }
    let duration_ms = format!("{:.1}", exchange.elapsed.as_secs_f64() * 1000.0);
    let mut fields: Vec<(&str, &dyn Display)> =
        vec![("method", &exchange.method), ("path", &exchange.target)];
    match &exchange.outcome {
        Outcome::Status(status) => fields.push(("status", status)),
        Outcome::Failed { kind, cause } => {
            fields.push(("error", kind));
            fields.push(("cause", cause));
        }
    }
    fields.push(("duration_ms", &duration_ms));
    fields.push(("attempt", &exchange.attempt));
    fields.push(("max_attempts", &exchange.max_attempts));
    let limits = &exchange.rate_limit;
    for (name, value) in [
        ("x_ratelimit_limit", &limits.limit),
        ("x_ratelimit_remaining", &limits.remaining),
        ("x_ratelimit_reset", &limits.reset),
    ] {
        if let Some(value) = value {
            fields.push((name, value));
        }
    }
    log::emit(Level::Debug, MESSAGE, &fields);
}
