//! Creating a key so that exactly one exists afterwards.
//!
//! A secret key's create is sent with `reveal=true` so the answer carries the secret (a
//! publishable key's value is never masked, so it needs no reveal, nor the permission for
//! one). It is resent
//! only when it cannot have been carried out (429, no connection). When it fails after
//! it was sent (timeout, reset, 5xx, an unreadable 201), the keys are listed to find the
//! one it made (see `reconcile.rs`); only if none appears, even on a second look, is
//! it sent once more.

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::client::{Client, RetryNotice};
use super::errors::{ApiError, ErrorKind, Operation};
use super::keys::{create_body, decode_key, ApiKey, KeyType, NewKey, SecretValue};
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

pub(crate) type IsClaimed<'a> = &'a (dyn Fn(&str) -> bool + Sync);

enum Posted {
    Created(Box<Created>),
    /// Refused, or failed before it could have had an effect.
    Failed(ApiError),
    /// Failed after it was sent.
    Ambiguous(ApiError),
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
            Posted::Ambiguous(fault) => self.reconcile(&ctx, fault).await,
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
                Err(why) => Posted::Ambiguous(ApiError::invalid_body(&ctx.op, answer.status, &why)),
            },
            Err(Failure::Ambiguous(e)) => Posted::Ambiguous(e),
            Err(Failure::Error(e)) => Posted::Failed(e),
        }
    }

    async fn reconcile(&self, ctx: &CreateCall<'_>, first: ApiError) -> Result<Created, ApiError> {
        let mut fault = first;
        let mut resent = false;
        loop {
            if let Some(found) = self.find_ours(ctx, &fault).await? {
                return Ok(self.adopt(ctx, found).await);
            }
            if resent {
                let context = if fault.kind() == ErrorKind::Conflict {
                    "a first create request failed after it was sent; the second was refused \
                     as a conflict, yet no new key with this name and type is listed"
                } else {
                    "the create request failed twice after it was sent, and no new key with \
                     this name and type is listed yet; a slow request may still create one \
                     (the next plan names it, with its import command)"
                };
                return Err(fault.with_context(context));
            }
            resent = true;
            match self.post(ctx).await {
                Posted::Created(created) => return Ok(*created),
                Posted::Ambiguous(e) => fault = e,
                // The first request was carried out after all, late: go and find it.
                Posted::Failed(e) if e.kind() == ErrorKind::Conflict => fault = e,
                Posted::Failed(e) => {
                    return Err(e.with_context(&format!(
                        "a first create request failed after it was sent ({}) and no new key \
                         appeared; the second one failed",
                        brief(&fault)
                    )))
                }
            }
        }
    }

    /// Lists the keys (twice, a backoff apart, if the first look finds nothing) for the
    /// single one the create made.
    async fn find_ours(
        &self,
        ctx: &CreateCall<'_>,
        fault: &ApiError,
    ) -> Result<Option<ApiKey>, ApiError> {
        let NewKey { name, key_type, .. } = ctx.key;
        for look in 0..2u32 {
            if look > 0 {
                let notice = RetryNotice {
                    action: ctx.op.doing(),
                    attempt: look,
                    max_attempts: 2,
                    delay: self.backoff().delay(0),
                    reason: format!(
                        "the create failed after it was sent ({}) and no new key is listed yet",
                        brief(fault)
                    ),
                };
                if self.pause(ctx.cancel, &notice).await.is_err() {
                    return Err(self.cancelled_while_checking(ctx, fault));
                }
            }
            let mut keys = match self.list_keys(ctx.cancel, ctx.project_ref).await {
                Ok(keys) => keys,
                Err(e) if e.kind() == ErrorKind::Cancelled => {
                    return Err(self.cancelled_while_checking(ctx, fault))
                }
                Err(e) => {
                    return Err(e.with_context(&format!(
                        "the create request failed after it was sent ({}), so it may have \
                         made a key; listing the keys to find out failed too, so a key named \
                         \"{name}\" may exist now",
                        brief(fault)
                    )))
                }
            };
            match decide(&keys, name, *key_type, ctx.started_ms, ctx.is_claimed) {
                Decision::Adopt(i) => return Ok(Some(keys.swap_remove(i))),
                Decision::Several(ids) => {
                    let detail = format!(
                        "the create request failed after it was sent ({}), and {} new {} keys \
                         named \"{name}\" exist, so which one it made is unknown: {}. Delete \
                         the ones you do not want (or import one), then try again",
                        brief(fault),
                        ids.len(),
                        key_type.as_str(),
                        ids.join(", ")
                    );
                    return Err(
                        ApiError::new(ErrorKind::Ambiguous, &ctx.op, detail).with_candidates(ids)
                    );
                }
                Decision::NoMatch => {}
            }
        }
        Ok(None)
    }

    /// The key the create made, with its value fetched by `GET {id}` (`?reveal=true` for a
    /// secret key). If that fails the key is still returned, so the caller can remove it.
    async fn adopt(&self, ctx: &CreateCall<'_>, listed: ApiKey) -> Created {
        let reveal = reveals(ctx.key.key_type);
        match self
            .get_decoded(ctx.cancel, ctx.project_ref, &listed.id, reveal)
            .await
        {
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

    fn cancelled_while_checking(&self, ctx: &CreateCall<'_>, fault: &ApiError) -> ApiError {
        ApiError::new(
            ErrorKind::Cancelled,
            &ctx.op,
            format!(
                "cancelled while checking whether the create request, which failed after it \
                 was sent ({}), made a key; a key named \"{}\" may exist now",
                brief(fault),
                ctx.key.name
            ),
        )
    }
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
