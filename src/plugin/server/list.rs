//! ListResource and ValidateListResourceConfig (`terraform query`, Terraform >= 1.14): one place
//! for what every list resource shares. The lookup runs on its own task and sends each result
//! into the stream's channel of one, so it runs no further ahead of Terraform than one object;
//! each result becomes an event with the listed type's identity (and, when asked, its state).
//! Terraform ends the stream itself once it has `limit` results or after the first error: a
//! closed stream, like StopProvider, cancels the lookup's token, so a request in flight is
//! abandoned and no further one is sent. Problems end the stream as one last event of
//! diagnostics. Their attribute paths are the config's; Terraform reads them relative to the
//! `list` block, so they are moved under its `config` block. A lookup that knows it has more
//! results than the limit can say so first ([`ListResults::warn`]): Terraform stops reading at
//! its limit, so a warning sent after the results would never be seen; it rides on the first
//! result's event.

use std::sync::Arc;

use tokio::sync::mpsc;
use tonic::Status;

use super::super::diag::Diagnostics;
use super::super::framework::{CallContext, ListResource, ListResults, Listed, Resource};
use super::super::proto::tfplugin6 as pb;
use super::codec::{decode, encode, unknown_type};
use super::identity::encode_identity;
use super::validate::check_config;
use super::{FromDiagnostics, Inner, Stream};

type Event = pb::list_resource::Event;

pub fn validate(
    inner: &Inner,
    request: &pb::validate_list_resource_config::Request,
) -> pb::validate_list_resource_config::Response {
    type Response = pb::validate_list_resource_config::Response;
    let Some(list) = inner.list_resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("list resource", &request.type_name));
    };
    let config = match decode(
        request.config.as_ref(),
        &list.schema().value_type(),
        "configuration",
    ) {
        Ok(config) => config,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let mut diags = Diagnostics::new();
    check_config(list.schema(), &config, &mut diags);
    list.validate_config(&config, &mut diags);
    Response::from_diagnostics(diags.under(CONFIG))
}

/// The `list` block's nested block that holds the list resource's configuration.
const CONFIG: &str = "config";

/// Starts the lookup and returns the stream of its events.
pub fn list(inner: &Inner, ctx: CallContext, request: pb::list_resource::Request) -> Stream<Event> {
    let found = inner.list_resources.get(&request.type_name).zip(
        inner
            .resources
            .get(&request.type_name)
            .filter(|r| r.identity_schema().is_some()),
    );
    let Some((list, resource)) = found else {
        return ended(unknown_type("list resource", &request.type_name));
    };
    let (list, resource) = (list.clone(), resource.clone());
    let config = match decode(
        request.config.as_ref(),
        &list.schema().value_type(),
        "configuration",
    ) {
        Ok(config) => config,
        Err(diags) => return ended(diags),
    };
    let mut diags = Diagnostics::new();
    check_config(list.schema(), &config, &mut diags);
    list.validate_config(&config, &mut diags);
    if diags.has_errors() {
        return ended(diags);
    }

    let include_resource = request.include_resource_object;
    let (tx, rx) = mpsc::channel(1);
    let stop = ctx.stop.child_token();
    let mut results = ListResults {
        tx: tx.clone(),
        remaining: u64::try_from(request.limit).ok().filter(|&n| n > 0),
        include_resource,
        stop: stop.clone(),
    };
    // The lookup, which holds a sender in `results` until it returns.
    let mut lookup = {
        let ctx = CallContext { stop: stop.clone() };
        tokio::spawn(async move {
            let mut diags = diags;
            list.list(&ctx, &config, &mut results, &mut diags).await;
            diags
        })
    };
    // Cancels the lookup once Terraform closes the stream; sends the lookup's diagnostics (a
    // panic among them) last, and the stream ends when this last sender goes.
    tokio::spawn(async move {
        let joined = tokio::select! {
            joined = &mut lookup => joined,
            _ = tx.closed() => {
                stop.cancel();
                lookup.await
            }
        };
        let diags = joined.unwrap_or_else(super::panic_diagnostics);
        if !diags.is_empty() {
            let _ = tx.send(Err(diags)).await;
        }
    });
    Box::pin(Events {
        rx,
        resource,
        include_resource,
        held: Diagnostics::new(),
    })
}

/// The stream Terraform reads: one event per result. Warnings sent ahead of a result
/// ([`ListResults::warn`]) ride on that result's event, so that only the last event may lack an
/// identity, as before warnings existed: an event of diagnostics alone otherwise means the
/// stream's end. Diagnostics that end the stream, or warnings no result follows, make that
/// last event.
struct Events {
    rx: mpsc::Receiver<Result<Listed, Diagnostics>>,
    resource: Arc<dyn Resource>,
    include_resource: bool,
    held: Diagnostics,
}

impl tokio_stream::Stream for Events {
    type Item = Result<Event, Status>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        loop {
            let Poll::Ready(item) = self.rx.poll_recv(cx) else {
                return Poll::Pending;
            };
            let held = std::mem::take(&mut self.held);
            let event = match item {
                Some(Ok(listed)) => {
                    let mut event = event(self.resource.as_ref(), listed, self.include_resource);
                    let mut diagnostic = diagnostics_event(held).diagnostic;
                    diagnostic.append(&mut event.diagnostic);
                    event.diagnostic = diagnostic;
                    event
                }
                // Warnings: held for the next result, which may still come.
                Some(Err(diags)) if !diags.has_errors() => {
                    self.held = held;
                    self.held.extend(diags);
                    continue;
                }
                Some(Err(diags)) => {
                    let mut all = held;
                    all.extend(diags);
                    diagnostics_event(all)
                }
                None if held.is_empty() => return Poll::Ready(None),
                None => diagnostics_event(held),
            };
            return Poll::Ready(Some(Ok(event)));
        }
    }
}

/// One found object as an event; an encoding failure (a provider bug) is an event of
/// diagnostics instead.
fn event(resource: &dyn Resource, listed: Listed, include_resource: bool) -> Event {
    let Some(identity_schema) = resource.identity_schema() else {
        return diagnostics_event(unknown_type("list resource", resource.type_name()));
    };
    let identity = match encode_identity(&listed.identity, identity_schema) {
        Ok(identity) => identity,
        Err(diags) => return diagnostics_event(diags),
    };
    let resource_object = if include_resource {
        match encode(&listed.state, &resource.schema().value_type()) {
            Ok(state) => Some(state),
            Err(diags) => return diagnostics_event(diags),
        }
    } else {
        None
    };
    Event {
        identity: Some(identity),
        display_name: listed.display_name,
        resource_object,
        diagnostic: Vec::new(),
    }
}

fn diagnostics_event(diags: Diagnostics) -> Event {
    Event {
        diagnostic: diags.under(CONFIG).into_proto(),
        ..Default::default()
    }
}

/// A stream of one event: the diagnostics that say why nothing was listed.
fn ended(diags: Diagnostics) -> Stream<Event> {
    Box::pin(tokio_stream::once(Ok::<_, Status>(diagnostics_event(
        diags,
    ))))
}

impl ListResults {
    /// How many more results Terraform takes (the list block's `limit`, 100 unless set), or
    /// `None` when it set no limit.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }

    /// Sends `diags` (warnings) now, ahead of the results that follow: they reach Terraform with
    /// the next result (or alone, if none follows), and Terraform shows them with the list
    /// block. Returns false once no more is wanted, as [`ListResults::send`] does.
    pub async fn warn(&mut self, diags: Diagnostics) -> bool {
        debug_assert!(
            !diags.has_errors(),
            "an error ends the stream: return it instead"
        );
        !self.stop.is_cancelled() && self.tx.send(Err(diags)).await.is_ok()
    }
}

/// The list resources of a provider, by type name.
pub fn by_type(
    lists: Vec<Arc<dyn ListResource>>,
) -> std::collections::BTreeMap<String, Arc<dyn ListResource>> {
    lists
        .into_iter()
        .map(|l| (l.type_name().to_string(), l))
        .collect()
}
