//! The API key resources. One implementation serves every key type; the type decides the schema
//! (the secret key's value is sensitive and it has a JWT template) and the type sent on create.

pub(super) mod import;
pub(super) mod list;
pub(super) mod moved;
pub(super) mod project_gate;
pub(super) mod schema;
pub(super) mod state;
pub(super) mod validators;
pub(super) mod walk;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::{CallContext, PlanChange, Private, Resource};
use crate::plugin::schema::Schema;
use crate::plugin::state_mover::StateMover;
use crate::plugin::value::path::AttributePath;
use crate::plugin::value::Value;
use crate::supabase::{
    ApiError, ApiKey, Client, ErrorKind, Freshness, KeyType, KeyUpdate, NewKey, Permission,
    SecretValue,
};

use super::data::ProviderData;
use project_gate::Verdict;
use state::{keepers, key_state, text, Kept};
use walk::{HeldTwice, Taker};

/// How long a create keeps retrying 404 and 5xx answers for a project the API does not know yet
/// (one created in the same apply, whose `project_ref` was unknown at plan time) while the
/// project becomes ready.
pub const PROJECT_READY_TIMEOUT: Duration = Duration::from_secs(180);
const PROJECT_READY_FIRST_WAIT: Duration = Duration::from_secs(1);
const PROJECT_READY_MAX_WAIT: Duration = Duration::from_secs(15);
/// Debug builds panic right after a create when this is set (see `create`).
#[cfg(debug_assertions)]
pub const TEST_PANIC_ENV: &str = "TF_SUPABASE_PROVIDER_TEST_PANIC";
/// Private-state entry: the project was not found when the create was last planned.
const PROJECT_PENDING: &str = "project_pending";
/// Private-state entry: the id of a key that held the name when the create was last planned,
/// which the plan could not tell would be gone by then (see `check_name_is_free`).
const NAME_HELD_BY: &str = "name_held_by";
const NAME_TAKEN: &str = "An API key with this name already exists";
/// Private-state entry: the id of the key the prior state holds, set by every plan of an
/// existing object. Terraform plans the create half of a replacement with the first half's
/// planned private state, so the create knows the key it replaces (Terraform < 1.12 sends no
/// prior identity with it).
const PLANNED_FROM: &str = "planned_from";

pub struct ApiKeyResource {
    kind: KeyType,
    type_name: String,
    schema: Schema,
    data: Arc<ProviderData>,
}

/// The resource type that manages keys of `kind`.
pub fn type_name(kind: KeyType) -> String {
    format!("supabase_{}_api_key", kind.as_str())
}

impl ApiKeyResource {
    pub fn new(kind: KeyType, data: Arc<ProviderData>) -> Self {
        ApiKeyResource {
            kind,
            type_name: type_name(kind),
            schema: schema::resource_schema(kind),
            data,
        }
    }

    fn noun(&self) -> &'static str {
        self.kind.as_str()
    }

    fn import_hint(&self, project_ref: &str, id: &str) -> String {
        format!(
            "to manage it with Terraform, import it: `terraform import {}.<name> {project_ref}/{id}` \
             (or an `import` block with id = \"{project_ref}/{id}\").",
            self.type_name
        )
    }

    /// On create: a key of this name and type that Terraform does not manage would make the
    /// create fail (names are unique per type), and may be one a lost create left behind; say so
    /// before anything is sent, with the way to import it. A project that is not found yet may
    /// be one this apply creates: the create waits for it (see [`PROJECT_READY_TIMEOUT`]).
    ///
    /// The plan fails only when it can tell for sure that the name will still be taken at
    /// create time. The plan Terraform makes again during apply must not fail for a key that
    /// may be the one this resource replaces: under `create_before_destroy` Terraform has
    /// deposed the old object by then (and sends no prior identity), and a failed plan leaves it
    /// deposed, with no current object in state. A provider is never told which plan it is in,
    /// but Terraform's plan walk refreshes every object in state first, claiming the key being
    /// replaced, while its apply walk reads nothing. So a process that has read state is surely
    /// planning and fails at once; otherwise (the apply walk, or the plan of a configuration none
    /// of whose keys are in state yet), and whenever the holder is the key being replaced (which
    /// Terraform >= 1.12 names by the prior identity), the plan warns and the create decides
    /// ([`NAME_HELD_BY`]): a failed create keeps the old object current.
    #[allow(clippy::too_many_arguments)]
    async fn check_name_is_free(
        &self,
        ctx: &CallContext,
        project_ref: &str,
        name: &str,
        prior_identity: &Value,
        private: &mut Private,
        diags: &mut Diagnostics,
    ) {
        let Some(client) = self.data.client(diags) else {
            return;
        };
        // Any list of this process will do: keys this process made are claimed, and a snapshot
        // spares a list per create during an apply (each create makes the lists stale).
        let listed = client
            .project_keys(&ctx.stop, project_ref, Freshness::Snapshot)
            .await;
        let keys = match listed {
            Ok(keys) => keys,
            Err(error) if project_gate::asks_project(&error) => {
                match self
                    .data
                    .projects()
                    .verdict(ctx, &client, project_ref)
                    .await
                {
                    Verdict::Branch(keys) => keys,
                    verdict => {
                        return self.plan_unlisted(project_ref, &error, verdict, private, diags)
                    }
                }
            }
            Err(error) => {
                return api_error(diags, "Could not check the project's API keys", &error)
            }
        };
        let Some(existing) = self.unclaimed_named(&keys, name) else {
            return;
        };
        let replaced =
            prior_identity.attr("id").and_then(Value::as_str) == Some(existing.id.as_str());
        let sure = !replaced && self.data.has_read_state();
        let path = AttributePath::root().attribute("name");
        if sure {
            diags.attribute_error(
                path,
                NAME_TAKEN,
                self.name_taken_detail(project_ref, name, existing),
            );
            return;
        }
        private.set(NAME_HELD_BY, serde_json::Value::String(existing.id.clone()));
        let detail = if replaced {
            format!(
                "This replacement keeps the name {name:?} of the {} key it replaces ({}). \
                     That works when Terraform deletes the old key first (the default). \
                     Under create_before_destroy the new key cannot take the name while the \
                     old one exists: the apply will then stop before creating anything and \
                     keep the old key. To rotate with create_before_destroy, give the new \
                     key another name in the same change.",
                self.noun(),
                existing.id
            )
        } else {
            format!(
                "Project {project_ref} already has a {} key named {name:?} (id {}). \
                     Unless this apply deletes it before creating this one, the create will \
                     stop before sending anything. If Terraform does not manage that key: {}",
                self.noun(),
                existing.id,
                self.import_hint(project_ref, &existing.id)
            )
        };
        // One summary per name: Terraform folds warnings that share a summary into the
        // first, and each holder's id and import command must show.
        diags.attribute_warning(
            path,
            format!("An API key named {name:?} already exists"),
            detail,
        );
    }

    /// The plan could not list the project's keys (a 404 or another 4xx), and the project said
    /// `verdict`. It decides where it could be asked: a typo, or a paused or failed project, fails
    /// the plan on `project_ref`, and a project coming up (or ready, its keys' endpoints lagging)
    /// lets the plan pass and the create wait. Where the project could not be asked, the old rule
    /// stays: a 404 in a process that has read state is a typo (only the first plan has read
    /// state), and elsewhere may be a project this apply creates, which the create waits for.
    fn plan_unlisted(
        &self,
        project_ref: &str,
        error: &ApiError,
        verdict: Verdict,
        private: &mut Private,
        diags: &mut Diagnostics,
    ) {
        let path = project_gate::project_ref_path();
        let bound = PROJECT_READY_TIMEOUT.as_secs();
        let (summary, detail) = match verdict {
            Verdict::Unusable(status) => return project_gate::unusable(diags, project_ref, &status),
            Verdict::NotVisible(error) => {
                return project_gate::not_visible(diags, project_ref, &error)
            }
            Verdict::Waiting(status) => (
                format!("Project is {}", status.describe()),
                format!(
                    "Project {project_ref} is {}: the create waits up to {bound} s for it to                      become ready.",
                    status.describe()
                ),
            ),
            Verdict::Ready | Verdict::Branch(_) => (
                "The project's API keys are not listed yet".to_owned(),
                format!(
                    "Project {project_ref} is ready, but listing its API keys failed ({error});                      right after a project is made they may lag briefly behind it, so the                      create tries again for up to {bound} s."
                ),
            ),
            Verdict::CannotAsk | Verdict::Unknown => {
                if let Verdict::CannotAsk = verdict {
                    self.data.projects().warn_cannot_ask(project_ref, diags);
                }
                if error.kind() != ErrorKind::NotFound {
                    return api_error(diags, "Could not check the project's API keys", error);
                }
                if self.data.has_read_state() {
                    return diags.attribute_error(
                        path,
                        "Project not found",
                        format!(
                            "{error}. Check the project reference (20 lowercase letters, from \
                             the dashboard URL). A project created in the same configuration \
                             must be referenced by its attribute, not written out, so that the \
                             key waits for it to become ready."
                        ),
                    );
                }
                (
                    "Project not found yet".to_owned(),
                    format!(
                        "The Management API does not know project {project_ref} yet. If this \
                         apply creates it, the key waits up to {bound} s for it to become ready; \
                         otherwise check the project reference."
                    ),
                )
            }
        };
        private.set(PROJECT_PENDING, serde_json::Value::Bool(true));
        diags.attribute_warning(path, summary, detail);
    }

    /// Records this plan in the walk and returns who takes a name by it, if anyone: a create
    /// (a new key, or the create half of a replacement), or a rename. A plan of an existing
    /// object also checks that no other resource holds its key.
    fn note_plan(
        &self,
        change: &PlanChange<'_>,
        private: &mut Private,
        diags: &mut Diagnostics,
    ) -> Option<Taker> {
        if change.is_create() {
            let from_first_half = private.remove(PLANNED_FROM);
            let replaced = from_first_half
                .as_ref()
                .and_then(serde_json::Value::as_str)
                .or_else(|| change.prior_identity.attr("id").and_then(Value::as_str));
            return Some(match replaced {
                Some(id) => Taker::Replacement(id.to_string()),
                None => Taker::New,
            });
        }
        let id = text(change.prior, "id")?;
        private.set(PLANNED_FROM, serde_json::Value::String(id.clone()));
        if let Some(why) = self.data.walk().note_planned(&id) {
            self.held_twice_error(change.prior, &id, why, diags);
        }
        let renamed =
            text(change.config, "name").filter(|n| Some(n) != text(change.prior, "name").as_ref());
        renamed.map(|_| Taker::Rename(id))
    }

    /// Fails the plan on `name` when another resource of this walk plans the same name for a
    /// key of this type in the same project.
    fn take_name(&self, planned: &Value, taker: Taker, diags: &mut Diagnostics) {
        let (Some(project_ref), Some(name)) = (text(planned, "project_ref"), text(planned, "name"))
        else {
            return; // Unknown yet: the plan Terraform makes again during apply checks it.
        };
        let slot = (
            self.kind.as_str().to_string(),
            project_ref.clone(),
            name.clone(),
        );
        let Some(other) = self.data.walk().take_name(slot, taker.clone()) else {
            return;
        };
        diags.attribute_error(
            AttributePath::root().attribute("name"),
            "Another resource of this configuration plans this name",
            format!(
                "Another {} of this configuration plans the name {name:?} in project \
                 {project_ref} too ({}), and this one plans it for {}. Key names are unique per \
                 project and type, so one of the two would fail at apply. Give one of them \
                 another name. (Terraform does not tell a provider which resource is which: \
                 this is the one planned second.)",
                self.type_name,
                other.describe(),
                taker.describe(),
            ),
        );
    }

    fn held_twice_error(&self, prior: &Value, id: &str, why: HeldTwice, diags: &mut Diagnostics) {
        let project_ref = text(prior, "project_ref").unwrap_or_default();
        let name = text(prior, "name").unwrap_or_default();
        let key = format!(
            "the {} key {name:?} (id {id}) of project {project_ref}",
            self.noun()
        );
        let harm = "Two resources managing one key undo each other's changes, and replacing \
                    one deletes the key the other holds.";
        match why {
            HeldTwice::Imported => diags.error(
                "The API key is already managed in this state",
                format!(
                    "An import (an import block, or terraform import) brings in {key}, which \
                     another resource in this state already manages. {harm} Remove the import \
                     block for {project_ref}/{id} (or {project_ref}/{name}); to give the key \
                     another address, use a moved block instead. (Terraform does not tell a \
                     provider which resource is which: this may be either of the two.)"
                ),
            ),
            HeldTwice::InState => diags.error(
                "Two resources in this state manage one API key",
                format!(
                    "Two resources in this state hold {key}, probably after a terraform import \
                     to a second address. {harm} Keep one: find both with `terraform state \
                     list` and `terraform state show`, then `terraform state rm` the other."
                ),
            ),
        }
    }

    /// What to say about a failed create or rename to `name`. For a 409 whose name is held by
    /// a key this process made or read, that key belongs to another resource of this
    /// configuration: say so, not "import that key".
    async fn conflict_detail(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
        name: &str,
        error: &ApiError,
    ) -> String {
        if error.kind() != ErrorKind::Conflict {
            return error.to_string();
        }
        let keys = client
            .project_keys(&ctx.stop, project_ref, Freshness::Latest)
            .await
            .unwrap_or_default();
        self.claimed_holder_detail(&keys, name)
            .unwrap_or_else(|| error.to_string())
    }

    fn claimed_holder_detail(&self, keys: &[ApiKey], name: &str) -> Option<String> {
        let holder = keys
            .iter()
            .find(|k| k.key_type == self.kind && k.name == name && self.data.is_claimed(&k.id))?;
        Some(format!(
            "The API refused the name {name:?} as taken (HTTP 409): the {} key {} holds it, and \
             that key belongs to another resource of this configuration (this Terraform run \
             created or manages it). Two resources of this configuration take the name \
             {name:?}: give one of them another name.",
            self.noun(),
            holder.id
        ))
    }

    /// The key of this type named `name` that this process neither made nor read, if any.
    fn unclaimed_named<'k>(&self, keys: &'k [ApiKey], name: &str) -> Option<&'k ApiKey> {
        keys.iter()
            .find(|k| k.key_type == self.kind && k.name == name && !self.data.is_claimed(&k.id))
    }

    fn name_taken_detail(&self, project_ref: &str, name: &str, existing: &ApiKey) -> String {
        format!(
            "Project {project_ref} already has a {} key named {name:?} (id {}), and key names \
             are unique per project and type, so the new key cannot take that name while it \
             exists. If this resource is replacing that key (create_before_destroy, -replace), \
             give the new key another name in the same change. If Terraform does not manage \
             that key: {} Otherwise choose another name.",
            self.noun(),
            existing.id,
            self.import_hint(project_ref, &existing.id)
        )
    }

    /// The name's holder is a key another resource of this apply renames, not yet renamed:
    /// Terraform orders nothing between the two resources.
    fn renamed_later_detail(&self, name: &str, holder: &ApiKey) -> String {
        format!(
            "The {} key {} still holds the name {name:?}: another resource of this \
             configuration renames it in this apply, but Terraform ran this create first, as \
             nothing orders the two. Nothing was created. Apply again (the rename is done \
             by then), or add a depends_on on the renamed resource to this one.",
            self.noun(),
            holder.id
        )
    }

    /// The create's own look before it sends anything, when the plan left the verdict to it
    /// ([`NAME_HELD_BY`]): fails, naming the holder, if the name is still taken. Returns whether
    /// the create may go on.
    async fn name_still_free(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
        name: &str,
        diags: &mut Diagnostics,
    ) -> bool {
        match client
            .project_keys(&ctx.stop, project_ref, Freshness::Latest)
            .await
        {
            Ok(keys) => match self.unclaimed_named(&keys, name) {
                Some(existing) => {
                    let detail = if self.data.walk().renames(&existing.id) {
                        self.renamed_later_detail(name, existing)
                    } else {
                        self.name_taken_detail(project_ref, name, existing)
                    };
                    diags.attribute_error(
                        AttributePath::root().attribute("name"),
                        NAME_TAKEN,
                        detail,
                    );
                    false
                }
                None => true,
            },
            Err(error) => {
                api_error(diags, "Could not check the project's API keys", &error);
                false
            }
        }
    }

    /// Before a create whose project was not ready (or not listed): waits for the project (see
    /// `project_gate`), then checks the name again if it waited, since the plan could not check
    /// it while the project was down. Returns whether the create may go on.
    async fn await_project(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
        name: &str,
        diags: &mut Diagnostics,
    ) -> bool {
        let checks = self.data.projects();
        match project_gate::await_ready(
            ctx,
            client,
            checks,
            project_ref,
            PROJECT_READY_TIMEOUT,
            diags,
        )
        .await
        {
            None => false,
            Some(true) => {
                self.name_still_free(ctx, client, project_ref, name, diags)
                    .await
            }
            Some(false) => true,
        }
    }

    async fn create_key(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
        key: &NewKey,
        project_pending: bool,
    ) -> Result<crate::supabase::Created, ApiError> {
        let is_claimed = |id: &str| self.data.is_claimed(id);
        let started = Instant::now();
        let mut wait = PROJECT_READY_FIRST_WAIT;
        loop {
            let result = client
                .create_key(&ctx.stop, project_ref, key, &is_claimed)
                .await;
            // A create that may still be carried out is never sent again (see `create.rs`).
            let project_not_ready = matches!(
                result.as_ref().map_err(ApiError::kind),
                Err(ErrorKind::NotFound | ErrorKind::Server)
            ) && !result.as_ref().is_err_and(ApiError::may_have_created);
            if !(project_pending && project_not_ready)
                || started.elapsed() + wait > PROJECT_READY_TIMEOUT
            {
                return result;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = ctx.stop.cancelled() => return result,
            }
            wait = (wait * 2).min(PROJECT_READY_MAX_WAIT);
        }
    }

    /// The key exists but its secret could not be captured: delete it again so nothing is left
    /// behind, and fail naming the permission. Only when that delete fails is the key returned
    /// (Terraform records it tainted and replaces it on the next apply).
    async fn undo_unrevealed(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
        key: &ApiKey,
        unrevealed: &SecretValue,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let (summary, how, what_to_do) = match unrevealed {
            SecretValue::Unavailable(error) if error.kind() != ErrorKind::Forbidden => (
                "Could not read the new API key's value",
                format!("reading its value failed ({error})"),
                "Apply again.".to_string(),
            ),
            SecretValue::Masked => (
                SECRET_SUMMARY,
                "the API sent its value masked".into(),
                secret_permission_help(),
            ),
            SecretValue::Missing => (
                SECRET_SUMMARY,
                "the API sent no value for it".into(),
                secret_permission_help(),
            ),
            SecretValue::Unavailable(error) => (
                SECRET_SUMMARY,
                format!("reading its value was refused ({error})"),
                secret_permission_help(),
            ),
            // Not called with a revealed value; worded like a refusal should that change.
            SecretValue::Revealed(_) => (
                SECRET_SUMMARY,
                "its value was not captured".into(),
                secret_permission_help(),
            ),
        };
        let why = format!(
            "The {} key {:?} was created, but {how}, so its value cannot be captured into state. \
             {what_to_do}",
            self.noun(),
            key.name,
        );
        match client.delete_key(&ctx.stop, project_ref, &key.id).await {
            Ok(_) => {
                diags.error(
                    summary,
                    format!("{why} The new key was deleted again; nothing was left behind."),
                );
                None
            }
            Err(error) => {
                diags.error(
                    summary,
                    format!(
                        "{why} Deleting the new key ({}) failed too: {error}. It is kept in state \
                         as tainted, so the next apply deletes and replaces it.",
                        key.id
                    ),
                );
                Some(key_state(
                    self.kind,
                    key,
                    Kept {
                        project_ref,
                        api_key: Value::Null,
                        keepers: Value::Null,
                        template: Value::Null,
                    },
                ))
            }
        }
    }

    /// The create was refused with 403. With `reveal=true` that can mean the token lacks the
    /// secret permission after the key was made: find such a key and delete it.
    async fn undo_forbidden_create(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
        name: &str,
        refused: &ApiError,
        diags: &mut Diagnostics,
    ) {
        let capture = match self.kind {
            KeyType::Secret => format!(
                ", and capturing its value needs more: {}",
                secret_permission_help()
            ),
            _ => ".".to_owned(),
        };
        let mut detail = format!(
            "Creating a {} key needs the token's \"API Keys: Read-write\" permission \
             (api_gateway_keys_write, OAuth scope secrets:write){capture} The API said: {refused}",
            self.noun(),
        );
        match client.list_keys(&ctx.stop, project_ref).await {
            Ok(keys) => {
                let made: Vec<&ApiKey> = keys
                    .iter()
                    .filter(|k| {
                        k.key_type == self.kind && k.name == name && !self.data.is_claimed(&k.id)
                    })
                    .collect();
                for key in made {
                    match client.delete_key(&ctx.stop, project_ref, &key.id).await {
                        Ok(_) => detail.push_str(&format!(
                            " A key {name:?} ({}) had been created nonetheless and was deleted again.",
                            key.id
                        )),
                        Err(error) => detail.push_str(&format!(
                            " A key {name:?} ({}) had been created nonetheless and could not be \
                             deleted ({error}); delete it in the dashboard.",
                            key.id
                        )),
                    }
                }
            }
            Err(error) => detail.push_str(&format!(
                " Whether a key was created could not be checked ({error}); look for a key named \
                 {name:?} in the dashboard."
            )),
        }
        diags.error("The access token may not create API keys", detail);
    }
}

pub(super) const SECRET_SUMMARY: &str = "The access token cannot read API key secrets";

/// The one permission secret capture needs, in all three of its names.
pub(super) fn secret_permission_help() -> String {
    let p = Permission::KeySecretsRead;
    format!(
        "Give the access token the \"{}\" permission (fine-grained name {}, OAuth scope {}) and \
         apply again.",
        p.label(),
        p.fga_name(),
        p.oauth_scope()
    )
}

fn api_error(diags: &mut Diagnostics, summary: &str, error: &ApiError) {
    diags.error(summary, error.to_string());
}

/// An optional text for a create or update body: `""` is sent as none (see `state::sent_text`).
fn optional_text(value: &Value, name: &str) -> Option<String> {
    state::sent_text(value, name)
}

fn template_json(value: &Value) -> Option<serde_json::Value> {
    text(value, "secret_jwt_template").and_then(|t| serde_json::from_str(&t).ok())
}

#[async_trait]
impl Resource for ApiKeyResource {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn modify_plan(
        &self,
        ctx: &CallContext,
        change: &PlanChange<'_>,
        planned: &mut Value,
        private: &mut Private,
        diags: &mut Diagnostics,
    ) {
        let taker = self.note_plan(change, private, diags);
        if let Some(taker) = taker {
            self.take_name(planned, taker, diags);
        }
        if !change.is_create() || diags.has_errors() {
            return;
        }
        let project_ref = planned.attr("project_ref").cloned().unwrap_or(Value::Null);
        if !project_ref.is_known() {
            // Made in this same apply. Terraform plans again once it is known, and that plan's
            // check finds out whether the create must wait for the project.
            return;
        }
        let (Some(project_ref), Some(name)) = (project_ref.as_str(), text(planned, "name")) else {
            return;
        };
        if self.data.is_ready() {
            self.check_name_is_free(
                ctx,
                project_ref,
                &name,
                change.prior_identity,
                private,
                diags,
            )
            .await;
        }
    }

    async fn create(
        &self,
        ctx: &CallContext,
        planned: &Value,
        _config: &Value,
        private: &Private,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = self.data.client(diags)?;
        let project_ref = text(planned, "project_ref")?;
        let name = text(planned, "name")?;
        let key = NewKey {
            name: name.clone(),
            key_type: self.kind,
            description: optional_text(planned, "description"),
            secret_jwt_template: template_json(planned),
        };
        if private.get(NAME_HELD_BY).is_some()
            && !self
                .name_still_free(ctx, &client, &project_ref, &name, diags)
                .await
        {
            return None;
        }
        let project_pending = private.get(PROJECT_PENDING) == Some(&serde_json::Value::Bool(true));
        if project_pending
            && !self
                .await_project(ctx, &client, &project_ref, &name, diags)
                .await
        {
            return None;
        }
        let created = match self
            .create_key(ctx, &client, &project_ref, &key, project_pending)
            .await
        {
            // Not seen at plan (the plan listed the keys): the project may be coming up again,
            // or gone; it decides, and the create goes on only once it is ready.
            Err(error) if !project_pending && project_gate::asks_project(&error) => {
                if !self
                    .await_project(ctx, &client, &project_ref, &name, diags)
                    .await
                {
                    return None;
                }
                self.create_key(ctx, &client, &project_ref, &key, true)
                    .await
            }
            other => other,
        };
        let created = match created {
            Ok(created) => created,
            Err(error) if error.kind() == ErrorKind::Forbidden => {
                self.undo_forbidden_create(ctx, &client, &project_ref, &name, &error, diags)
                    .await;
                return None;
            }
            Err(error) => {
                let said = self
                    .conflict_detail(ctx, &client, &project_ref, &name, &error)
                    .await;
                diags.error(
                    format!("Could not create the {} API key", self.noun()),
                    said,
                );
                return None;
            }
        };
        self.data.claim(&created.key.id);
        let SecretValue::Revealed(secret) = &created.secret else {
            return self
                .undo_unrevealed(
                    ctx,
                    &client,
                    &project_ref,
                    &created.key,
                    &created.secret,
                    diags,
                )
                .await;
        };
        // Debug builds only: lets the secret-hygiene test force a panic while the secret is in
        // hand, to show that a panic's message cannot carry it.
        #[cfg(debug_assertions)]
        if std::env::var_os(TEST_PANIC_ENV).is_some() {
            panic!(
                "forced test panic after creating key {} with secret {secret:?}",
                created.key.id
            );
        }
        if created.adopted {
            crate::log_at!(
                crate::plugin::log::Level::Warn,
                "the create's answer was lost; adopted the key it made",
                "id" = created.key.id
            );
        }
        Some(key_state(
            self.kind,
            &created.key,
            Kept {
                project_ref: &project_ref,
                api_key: Value::String(secret.expose().to_string()),
                keepers: keepers(planned),
                template: planned
                    .attr("secret_jwt_template")
                    .cloned()
                    .unwrap_or(Value::Null),
            },
        ))
    }

    async fn read(
        &self,
        ctx: &CallContext,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        self.data.note_state_read();
        let client = self.data.client(diags)?;
        let project_ref = text(state, "project_ref")?;
        let id = text(state, "id")?;
        // The list, not GET {id}: only a successful answer that lacks the key proves it gone,
        // and a 404 for the project (a wrong endpoint, say) is an error, never a removal. One
        // list answers the reads of all the project's keys.
        let keys = match client
            .project_keys(&ctx.stop, &project_ref, Freshness::Latest)
            .await
        {
            Ok(keys) => keys,
            Err(error) => {
                api_error(
                    diags,
                    &format!("Could not refresh the {} API key", self.noun()),
                    &error,
                );
                return None;
            }
        };
        let Some(key) = keys.iter().find(|k| k.id == id) else {
            diags.warning(
                "API key deleted outside Terraform",
                format!(
                    "The {} key {:?} ({id}) no longer exists in project {project_ref}. It is \
                     removed from state, and the next plan creates it again.",
                    self.noun(),
                    text(state, "name").unwrap_or_default()
                ),
            );
            return None;
        };
        self.data.claim(&key.id);
        self.data.walk().note_read(&key.id);
        Some(key_state(
            self.kind,
            key,
            Kept {
                project_ref: &project_ref,
                api_key: state.attr("api_key").cloned().unwrap_or(Value::Null),
                keepers: keepers(state),
                template: state
                    .attr("secret_jwt_template")
                    .cloned()
                    .unwrap_or(Value::Null),
            },
        ))
    }

    async fn update(
        &self,
        ctx: &CallContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = self.data.client(diags)?;
        let project_ref = text(prior, "project_ref")?;
        let id = text(prior, "id")?;
        let changed = |name: &str| planned.attr(name) != prior.attr(name);
        let update = KeyUpdate {
            name: changed("name").then(|| text(planned, "name")).flatten(),
            description: changed("description").then(|| optional_text(planned, "description")),
            secret_jwt_template: (self.kind == KeyType::Secret && changed("secret_jwt_template"))
                .then(|| template_json(planned))
                .flatten(),
        };
        let key = match client
            .update_key(&ctx.stop, &project_ref, &id, &update)
            .await
        {
            Ok(key) => key,
            Err(error) => {
                let said = match &update.name {
                    Some(name) => {
                        self.conflict_detail(ctx, &client, &project_ref, name, &error)
                            .await
                    }
                    None => error.to_string(),
                };
                diags.error(
                    format!("Could not update the {} API key", self.noun()),
                    said,
                );
                return None;
            }
        };
        let mut state = key_state(
            self.kind,
            &key,
            Kept {
                project_ref: &project_ref,
                api_key: prior.attr("api_key").cloned().unwrap_or(Value::Null),
                keepers: keepers(planned),
                template: planned
                    .attr("secret_jwt_template")
                    .cloned()
                    .unwrap_or(Value::Null),
            },
        );
        // What was planned and known stands: the API echoes it, and Terraform holds a provider
        // to its plan.
        if let (Value::Object(attrs), Value::Object(plan)) = (&mut state, planned) {
            for (name, value) in plan.iter().filter(|(_, v)| v.is_known()) {
                attrs.insert(name.clone(), value.clone());
            }
        }
        Some(state)
    }

    async fn delete(&self, ctx: &CallContext, prior: &Value, diags: &mut Diagnostics) {
        let Some(client) = self.data.client(diags) else {
            return;
        };
        let (Some(project_ref), Some(id)) = (text(prior, "project_ref"), text(prior, "id")) else {
            return;
        };
        if let Err(error) = client.delete_key(&ctx.stop, &project_ref, &id).await {
            api_error(
                diags,
                &format!("Could not delete the {} API key", self.noun()),
                &error,
            );
        }
    }

    async fn import(&self, ctx: &CallContext, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        import::import(self, ctx, id, diags).await
    }

    /// The official provider's `supabase_apikey` of this key type (see [`moved`]).
    fn state_movers(&self) -> Vec<StateMover> {
        moved::state_movers(self.kind)
    }

    /// `{project_ref, id}` (Terraform >= 1.12), the same for every key type; the framework
    /// derives it from the state attributes of the same names.
    fn identity_schema(&self) -> Option<&crate::plugin::schema::IdentitySchema> {
        use crate::plugin::schema::{IdentityAttribute, IdentitySchema};
        use crate::plugin::value::Type;
        static IDENTITY: std::sync::LazyLock<IdentitySchema> = std::sync::LazyLock::new(|| {
            IdentitySchema::new(
                0,
                vec![
                    IdentityAttribute::required("project_ref", Type::String)
                        .description("The project's reference ID (20 lowercase letters)."),
                    IdentityAttribute::required("id", Type::String)
                        .description("The API key's ID (a UUID)."),
                ],
            )
        });
        Some(&IDENTITY)
    }

    /// An `import` block with `identity = { project_ref = ..., id = ... }`: the import path of
    /// `<project_ref>/<id>`, so the secret is revealed once, as there.
    async fn import_identity(
        &self,
        ctx: &CallContext,
        identity: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let part = |name: &str| identity.attr(name).and_then(Value::as_str).unwrap_or("");
        let (project_ref, id) = (part("project_ref"), part("id"));
        if project_ref.contains('/') || id.is_empty() {
            diags.error(
                "Cannot import the API key",
                format!(
                    "The identity {{project_ref = {project_ref:?}, id = {id:?}}} does not name \
                     an API key: project_ref is the project's reference ID (20 lowercase \
                     letters) and id the key's ID."
                ),
            );
            return None;
        }
        import::import(self, ctx, &format!("{project_ref}/{id}"), diags).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 409 for a name that a key of this process holds names that key as another resource's,
    /// not as one to import; any other holder keeps the API error's own advice.
    #[test]
    fn a_409_for_a_key_this_run_holds_says_another_resource_takes_the_name() {
        let data = Arc::new(ProviderData::default());
        let resource = ApiKeyResource::new(KeyType::Secret, data.clone());
        let made = ApiKey::for_test("made-here", "shared_name", KeyType::Secret);
        let keys = [
            ApiKey::for_test("publishable", "shared_name", KeyType::Publishable),
            made.clone(),
        ];
        assert_eq!(resource.claimed_holder_detail(&keys, "shared_name"), None);
        data.claim(&made.id);
        data.claim("publishable");
        let detail = resource
            .claimed_holder_detail(&keys, "shared_name")
            .expect("the holder is this run's");
        assert!(detail.contains("HTTP 409"), "{detail}");
        assert!(detail.contains("made-here"), "{detail}");
        assert!(
            detail.contains("belongs to another resource of this configuration"),
            "{detail}"
        );
        assert!(!detail.contains("import"), "{detail}");
    }
}
