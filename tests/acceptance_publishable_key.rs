//! `supabase_publishable_api_key` with the real terraform CLI against the simulator, on every
//! Terraform the suite is given. The lifecycle is the secret key's (one implementation serves
//! both); what differs is that the value is public: never marked sensitive, read from the key
//! list on refresh and import without any reveal. Every apply is followed by a plan that must
//! be empty.

mod support;

use supabase_simulator::{KeySeed, Permissions, RevealDenial};
use support::acceptance::{folded, resource, Fixture, REVEAL_DENIALS};
use support::key_resource::{self as steps, KeyResource};
use support::keys::reveal_requests;
use support::terraform;

/// Its configuration's output of the value is not `sensitive`, which Terraform refuses for a
/// sensitive value: every apply also checks that the value is not one.
const KEY: KeyResource = KeyResource::PUBLISHABLE;
const ADDR: &str = KEY.address;

/// The key `name` ([`Fixture::name`] of it) in the fixture's project.
fn key_config(fx: &Fixture, name: &str, extra: &str) -> String {
    KEY.config(fx, &fx.name(name), extra)
}

/// The reveal requests other than the create's own POST (the one call that asks for a value
/// back; a publishable key's answer holds it in full either way).
fn reveals_besides_the_create(fx: &Fixture) -> Vec<String> {
    reveal_requests(&fx.requests())
        .into_iter()
        .filter(|r| !r.starts_with("POST "))
        .collect()
}

#[tokio::test]
async fn create_reads_the_public_value_then_updates_in_place_and_destroys() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let created = steps::create(&fx, &KEY, "web_app_key", "Browser clients").await;
        let planned = &created.plan["resource_changes"][0]["change"];
        assert!(
            planned["after"].get("secret_jwt_template").is_none()
                && planned["after_unknown"]
                    .get("secret_jwt_template")
                    .is_none(),
            "a publishable key has no JWT template: {planned:#}"
        );
        let key = &created.state;
        assert_eq!(key["values"]["prefix"], created.key.prefix.clone().unwrap());
        assert!(
            key["values"].get("secret_jwt_template").is_none(),
            "{key:#}"
        );
        let output = fx.ok(&["output", "-json"]).await;
        let outputs: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(outputs["key"]["value"], created.key.api_key);
        assert_eq!(outputs["key"]["sensitive"], false);

        // Rename and new description: in place, same id and value.
        steps::rename_in_place(
            &fx,
            &KEY,
            &created.key,
            "renamed_web_key",
            "Browser, renamed",
        )
        .await;
        assert_eq!(fx.count("PATCH"), 1);

        steps::clear_description_then_destroy(&fx, &KEY, "renamed_web_key").await;
        assert_eq!(
            reveals_besides_the_create(&fx),
            Vec::<String>::new(),
            "refresh, update and delete never ask for a value"
        );
    }
}

#[tokio::test]
async fn changes_outside_terraform_show_as_drift() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        fx.config(&key_config(
            &fx,
            "drifting_key",
            r#"  description = "Managed""#,
        ));
        fx.apply().await;
        let id = fx.keys()[0].id.clone();

        // Renamed and redescribed in the dashboard: the plan puts both back, in place.
        fx.update_key_out_of_band(&id, &fx.name("dashboard_name"), "Edited by hand");
        let plan = steps::plan_only(&fx, &KEY, "update").await;
        let change = &plan["resource_changes"][0]["change"];
        assert_eq!(
            change["before"]["name"],
            fx.name("dashboard_name"),
            "{change:#}"
        );
        assert_eq!(change["before"]["description"], "Edited by hand");
        assert_eq!(change["after"]["name"], fx.name("drifting_key"));
        fx.apply().await;
        let server = &fx.keys()[0];
        assert_eq!(
            (server.name.clone(), server.description.as_deref()),
            (fx.name("drifting_key"), Some("Managed"))
        );
        fx.assert_no_changes().await;

        // Deleted in the dashboard: removed from state with a warning, and created again.
        steps::deleted_outside_terraform_is_created_again(&fx, &KEY, &id).await;
        assert_eq!(reveals_besides_the_create(&fx), Vec::<String>::new());
    }
}

#[tokio::test]
async fn keepers_change_replaces_the_key_with_a_new_value() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        steps::keepers_change_replaces(&fx, &KEY, "rotating_web_key").await;
    }
}

#[tokio::test]
async fn an_unmanaged_publishable_key_with_the_name_is_refused_but_a_secret_one_is_not() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let existing = fx.seed_key(KeySeed::publishable(&fx.name("taken_name")));
        let plan = ["plan", "-input=false", "-no-color"];
        // Terraform never tells a provider whether a plan is the first or the one it makes
        // again during apply, where a refusal could strand a replaced key. With none of its
        // keys in state yet, this configuration's plan cannot tell: it warns, naming the key,
        // and the create refuses before it sends anything.
        fx.config(&KEY.config(&fx, &existing.name, ""));
        let warned = folded(&terraform::text(&fx.ok(&plan).await.stdout));
        assert!(
            warned.contains(&format!(
                "An API key named \"{}\" already exists",
                fx.name("taken_name")
            )) && warned.contains(&existing.id),
            "{warned}"
        );
        let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
        let text = steps::taken_name_fails(&fx, &KEY, &existing, &apply).await;
        assert!(text.contains("publishable key named"), "{text}");

        // Names are unique per type: a secret key of that name is no obstacle.
        fx.seed_key(KeySeed::secret(&fx.name("shared_name")));
        fx.config(&key_config(&fx, "shared_name", ""));
        fx.apply().await;
        assert_eq!(KEY.server_keys(&fx).len(), 2);
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn import_by_id_and_by_name_reads_the_value_without_reveal_or_secret_permission() {
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        // Read only, and no secret read: all an import of a publishable key needs. Such a
        // second token is the simulator's; live, the run's own token imports, and must still
        // ask for no reveal.
        if !fx.is_live() {
            fx.use_token(
                "sbp_reader0000000000000000000000000000000",
                Permissions {
                    read: true,
                    write: false,
                    secret_read: Err(RevealDenial::Forbidden),
                    project_read: true,
                },
            );
        }
        let seeded =
            fx.seed_key(KeySeed::publishable(&fx.name("imported_key")).with_description("Seeded"));
        // A secret key of the same name: import by name picks the publishable one.
        fx.seed_key(KeySeed::secret(&fx.name("imported_key")));
        fx.config(&key_config(
            &fx,
            "imported_key",
            r#"  description = "Seeded""#,
        ));
        let import_ids = [
            format!("{}/{}", fx.project(), seeded.id),
            format!("{}/{}", fx.project(), fx.name("imported_key")),
        ];
        for key in steps::import_each(&fx, &KEY, &seeded, &import_ids).await {
            assert_eq!(key["values"]["description"], "Seeded");
        }
        assert_eq!(reveal_requests(&fx.requests()), Vec::<String>::new());
        assert!(
            fx.requests().iter().all(|r| r.status == Some(200)),
            "every request was allowed: {:?}",
            fx.requests()
        );
    }
}

#[tokio::test]
async fn import_errors_name_the_right_resource_type() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let secret = fx.seed_key(KeySeed::secret(&fx.name("backend_key")));
        fx.config(&key_config(&fx, "backend_key", ""));
        let project = fx.project();
        let no_publishable = format!(
            "has no publishable key named \"{}\" (there is a secret key of that name)",
            fx.name("backend_key")
        );
        // The legacy key is refused by its name, never looked up.
        let cases = [
            (
                format!("{project}/{}", secret.id),
                "is a secret key, not a publishable key. Import it as supabase_secret_api_key",
            ),
            (
                format!("{project}/{}", fx.name("backend_key")),
                no_publishable.as_str(),
            ),
            (format!("{project}/anon"), "legacy"),
        ];
        steps::import_fails_saying(&fx, &KEY, &cases).await;
    }
}

/// A token without "API Key Secrets: Read", whichever way the API denies its reveals (masked
/// or null secrets, or 403): a publishable key needs no reveal, and its value comes back in
/// full all the same.
#[tokio::test]
async fn tokens_without_secret_read_still_capture_the_public_value() {
    for tf in terraform::all() {
        for denial in REVEAL_DENIALS {
            let Some(fx) = Fixture::without_secret_read(&tf, denial).await else {
                break;
            };
            fx.config(&key_config(&fx, "limited_key", ""));
            fx.apply().await;
            assert!(
                fx.requests().iter().all(|r| !r.reveal),
                "{denial:?}: no request asked for reveal=true"
            );
            let keys = fx.keys();
            assert_eq!(keys.len(), 1, "{denial:?}");
            let state = fx.state().await;
            assert_eq!(
                resource(&state, ADDR)["values"]["api_key"],
                keys[0].api_key,
                "{denial:?}"
            );
            fx.assert_no_changes().await;
            fx.destroy().await;
            assert!(fx.keys().is_empty(), "{denial:?}");
        }
    }
}
