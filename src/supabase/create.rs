//! Creating a key so that exactly one exists afterwards.
//!
//! A secret key's create is sent with `reveal=true` so the answer carries the secret (a
//! publishable key's value is never masked, so it needs no reveal, nor the permission for
//! one). It is sent again only when it provably never reached the API (a 429, no connection:
//! the transport's retries). Once it has failed after it was sent (a timeout, a reset, a 5xx,
//! an unreadable answer) it is never sent again, since the API may still carry it out and
//! need not refuse a duplicate name: the project's keys are listed, with backoff, for the
//! one it made (see `reconcile.rs`) until the settle window, [`SETTLE_TIMEOUTS`] request
//! timeouts after the send, has passed, and that key is adopted as soon as it appears. If
//! none appears, the create fails saying the key may still appear (the next plan then names
//! it with its import command). When Terraform stops the provider (Ctrl-C) while a create's
//! answer is awaited or its key looked for, the create stops waiting at once and takes one
//! last look, bounded by [`LAST_LOOK`]: a key that landed is adopted and so lands in state,
//! rather than being left for a person to import. Creates waiting at once on one project share
//! their list requests (`key_lists.rs`).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::client::{Client, RetryNotice};
use super::errors::{show_duration, ApiError, ErrorKind, Operation};
use super::key_lists::Freshness;
use super::keys::{create_body, decode_key, ApiKey, Decoded, KeyType, NewKey, SecretValue};
use super::reconcile::{decide, Decision};
use super::time::now_millis;
use super::transport::{Failure, Request};

/// A created (or adopted) key.
#[derive(Clone, Debug)]
pub struct Created {
    pub key: ApiKey,
    /// Anything but [`SecretValue::Revealed`] means the token could not read the secret:
    /// the key exists, and it is the caller's to delete.
    pub secret: SecretValue,
    /// The create failed after it was sent and this key, which it had made, was found
    /// by listing the project's keys.
    pub adopted: bool,
}

/// The settle window, in request timeouts from the send: how long a create that failed after
/// it was sent waits for its key to appear before it gives up (never sending it again).
pub const SETTLE_TIMEOUTS: u32 = 3;
/// How long a create stopped by Terraform may spend on its last look for its key, and again on
/// reading the value of a key it finds: short, so Terraform exits promptly after Ctrl-C.
pub const LAST_LOOK: Duration = Duration::from_secs(4);
/// The ends of settle windows are rounded up to this grid, so creates that failed together
/// take their last look together (one list request).
const DEADLINE_GRID: Duration = Duration::from_millis(250);

pub(crate) type IsClaimed<'a> = &'a (dyn Fn(&str) -> bool + Sync);

enum Posted {
    Created(Box<Created>),
    /// Refused, or failed before it could have had an effect.
    Failed(ApiError),
    /// Failed after it was sent (at this instant).
    Ambiguous(ApiError, Instant),
}

struct CreateCall<'a> {
    cancel: &'a CancellationToken,
    op: Operation,
    project_ref: &'a str,
    key: &'a NewKey,
    is_claimed: IsClaimed<'a>,
    started_ms: i64,
}

impl Client {
    /// Creates a key and returns it with its secret. `is_claimed(id)` says whether
    /// another resource of this process holds the key `id`, so it is never adopted.
    pub async fn create_key(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        key: &NewKey,
        is_claimed: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Created, ApiError> {
        let ctx = CreateCall {
            cancel,
            op: Operation::Create {
                project_ref: project_ref.to_owned(),
                name: key.name.clone(),
                key_type: key.key_type,
            },
            project_ref,
            key,
            is_claimed,
            started_ms: now_millis(),
        };
        let result = match self.post(&ctx).await {
            Posted::Created(created) => Ok(*created),
            Posted::Failed(e) => Err(e),
            Posted::Ambiguous(fault, sent) => self.reconcile(&ctx, fault, sent).await,
        };
        result.map_err(|e| e.scrub(self.token()))
    }

    async fn post(&self, ctx: &CreateCall<'_>) -> Posted {
        let body = create_body(ctx.key);
        let req = Request {
            method: Method::POST,
            url: self.keys_url(ctx.project_ref, None, reveals(ctx.key.key_type)),
            body: Some(&body),
        };
        match self.execute(ctx.cancel, &ctx.op, req).await {
            Ok(answer) => match answer.body().and_then(decode_key) {
                Ok(d) => Posted::Created(Box::new(Created {
                    key: d.key,
                    secret: d.value,
                    adopted: false,
                })),
                // Committed or not, the answer does not say which key: look for it.
                Err(why) => Posted::Ambiguous(
                    ApiError::invalid_body(&ctx.op, answer.status, &why),
                    answer.sent,
                ),
            },
            Err(Failure::Ambiguous(e, sent)) => Posted::Ambiguous(e, sent),
            Err(Failure::Error(e)) => Posted::Failed(e),
        }
    }

    /// The create failed after it was sent: look for the key it made, with backoff, until the
    /// settle window has passed ([`SETTLE_TIMEOUTS`] request timeouts after the send), and
    /// adopt it as soon as it appears. It is never sent again.
    async fn reconcile(
        &self,
        ctx: &CreateCall<'_>,
        fault: ApiError,
        sent: Instant,
    ) -> Result<Created, ApiError> {
        let window = self.request_timeout().saturating_mul(SETTLE_TIMEOUTS);
        let deadline = on_grid(sent + window);
        let NewKey { name, key_type, .. } = ctx.key;
        // Each look wants a list requested after the last one it saw (the first: after the
        // send), and takes any such list, so waiting creates of one project share them.
        let mut seen = sent;
        let mut looks = 0u32;
        loop {
            let after = if Instant::now() >= deadline {
                seen.max(deadline)
            } else {
                seen
            };
            let (at, mut keys) = match self
                .project_keys_listed(ctx.cancel, ctx.project_ref, Freshness::After(after))
                .await
            {
                Ok((at, keys)) => (at, keys.to_vec()),
                Err(e) if e.kind() == ErrorKind::Cancelled => {
                    return self.last_look(ctx, &fault, sent, window).await
                }
                Err(e) => {
                    return Err(e
                        .with_context(&format!(
                            "the create request failed after it was sent ({}), so it may have \
                             made a key; listing the keys to find out failed too, so a key named \
                             \"{name}\" may exist now. It was not sent again; if the key \
                             appears, the next plan names it with its import command",
                            brief(&fault)
                        ))
                        .unsettled())
                }
            };
            looks += 1;
            match decide(&keys, name, *key_type, ctx.started_ms, ctx.is_claimed) {
                Decision::Adopt(i) => return Ok(self.adopt(ctx, keys.swap_remove(i)).await),
                Decision::Several(ids) => {
                    let detail = format!(
                        "the create request failed after it was sent ({}), and {} new {} keys \
                         named \"{name}\" exist, so which one it made is unknown: {}. Delete \
                         the ones you do not want (or import one), then try again",
                        brief(&fault),
                        ids.len(),
                        key_type.as_str(),
                        ids.join(", ")
                    );
                    return Err(ApiError::new(ErrorKind::Ambiguous, &ctx.op, detail)
                        .with_candidates(ids)
                        .unsettled());
                }
                Decision::NoMatch => {}
            }
            if at >= deadline {
                return Err(self.unsettled(ctx, &fault, window, false));
            }
            seen = at;
            let left = deadline.saturating_duration_since(Instant::now());
            let notice = RetryNotice {
                action: ctx.op.doing(),
                url: self.keys_url(ctx.project_ref, None, false).to_string(),
                attempt: looks,
                max_attempts: looks + 1,
                delay: self.backoff().delay(looks - 1).min(left),
                reason: format!(
                    "the create failed after it was sent ({}) and no new key is listed yet; \
                     looking again until {} after the send, never sending it again",
                    brief(&fault),
                    show_duration(window)
                ),
            };
            if self.pause(ctx.cancel, &notice).await.is_err() {
                return self.last_look(ctx, &fault, sent, window).await;
            }
        }
    }

    /// Terraform stopped the provider before the create's key was found: one list, requested
    /// after the send and bounded by [`LAST_LOOK`], adopts the key if it landed (its value read
    /// within another [`LAST_LOOK`]); otherwise the create ends as unsettled. Nothing is sent
    /// again, and a key is adopted under the same rules as in the settle window.
    async fn last_look(
        &self,
        ctx: &CreateCall<'_>,
        fault: &ApiError,
        sent: Instant,
        window: Duration,
    ) -> Result<Created, ApiError> {
        let look = CancellationToken::new();
        let listing = async {
            loop {
                match self
                    .project_keys_listed(&look, ctx.project_ref, Freshness::After(sent))
                    .await
                {
                    // A list shared with a caller that was itself cancelled: ours was not.
                    Err(e) if e.kind() == ErrorKind::Cancelled => tokio::task::yield_now().await,
                    other => return other,
                }
            }
        };
        let Ok(Ok((_, keys))) = tokio::time::timeout(LAST_LOOK, listing).await else {
            return Err(self.unsettled(ctx, fault, window, true));
        };
        let mut keys = keys.to_vec();
        match decide(
            &keys,
            &ctx.key.name,
            ctx.key.key_type,
            ctx.started_ms,
            ctx.is_claimed,
        ) {
            Decision::Adopt(i) => Ok(self.adopt(ctx, keys.swap_remove(i)).await),
            Decision::Several(_) | Decision::NoMatch => {
                Err(self.unsettled(ctx, fault, window, true))
            }
        }
    }

    /// The key the create made, with its value fetched by `GET {id}` (`?reveal=true` for a
    /// secret key). If that fails the key is still returned, so the caller can remove it. Once
    /// Terraform has stopped the provider the value is still read, within [`LAST_LOOK`]: the key
    /// exists, and without its value it could only be deleted or left tainted.
    async fn adopt(&self, ctx: &CreateCall<'_>, listed: ApiKey) -> Created {
        let read = self.read_value(ctx.cancel, ctx, &listed.id).await;
        let read = match read {
            Err(e) if e.kind() == ErrorKind::Cancelled => {
                let own = CancellationToken::new();
                tokio::time::timeout(LAST_LOOK, self.read_value(&own, ctx, &listed.id))
                    .await
                    .unwrap_or(Err(e))
            }
            read => read,
        };
        match read {
            Ok(d) => Created {
                key: d.key,
                secret: d.value,
                adopted: true,
            },
            Err(e) => Created {
                key: listed,
                secret: SecretValue::Unavailable(e.scrub(self.token())),
                adopted: true,
            },
        }
    }

    async fn read_value(
        &self,
        cancel: &CancellationToken,
        ctx: &CreateCall<'_>,
        id: &str,
    ) -> Result<Decoded, ApiError> {
        let reveal = reveals(ctx.key.key_type);
        self.get_decoded(cancel, ctx.project_ref, id, reveal).await
    }

    /// The create failed after it was sent, and the settle window passed (or Terraform stopped
    /// the provider, `cancelled`) before its key was listed.
    fn unsettled(
        &self,
        ctx: &CreateCall<'_>,
        fault: &ApiError,
        window: Duration,
        cancelled: bool,
    ) -> ApiError {
        let name = &ctx.key.name;
        let tail = format!(
            "It was not sent again, so at most one key can come of it, but a slow API may still \
             carry it out: a key named \"{name}\" may still appear. If it does, the next plan \
             names it with its import command; if not, apply again"
        );
        if cancelled {
            let what = if fault.kind() == ErrorKind::Cancelled {
                "Terraform stopped the provider while the create's answer was awaited".to_owned()
            } else {
                format!(
                    "cancelled while waiting for the key of a create request that failed after \
                     it was sent ({})",
                    brief(fault)
                )
            };
            ApiError::new(
                ErrorKind::Cancelled,
                &ctx.op,
                format!("{what}; a last look did not find its key. {tail}"),
            )
            .unsettled()
        } else {
            fault
                .clone()
                .with_context(&format!(
                    "the create request failed after it was sent, and no new key with this name \
                     and type was listed within {} of sending it (the settle window, {} times \
                     the request timeout). {tail}",
                    show_duration(window),
                    SETTLE_TIMEOUTS
                ))
                .unsettled()
        }
    }
}

/// `at`, rounded up to the next step of [`DEADLINE_GRID`], counted from the first call.
fn on_grid(at: Instant) -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let since = at.saturating_duration_since(epoch).as_nanos();
    let step = DEADLINE_GRID.as_nanos();
    let rounded = since.div_ceil(step) * step;
    epoch + Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX))
}

/// Whether reading a key's value of this type needs `reveal=true`.
fn reveals(key_type: KeyType) -> bool {
    key_type == KeyType::Secret
}

/// A few words for a fault: `HTTP 500`, `timed out`, …
fn brief(fault: &ApiError) -> String {
    match (fault.kind(), fault.status()) {
        (ErrorKind::InvalidResponse, Some(s)) => format!("HTTP {s} with an unreadable body"),
        (_, Some(s)) => format!("HTTP {s}"),
        (ErrorKind::Timeout, None) => "timed out".to_owned(),
        (ErrorKind::Connection, None) => "the connection failed".to_owned(),
        (kind, None) => format!("{kind:?}"),
    }
}
