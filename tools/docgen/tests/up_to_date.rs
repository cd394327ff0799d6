//! The committed `docs/` is what `make docs` generates, and every attribute has the description
//! that the pages, `terraform providers schema -json` and editors show.

use std::fs;
use std::io;
use std::path::PathBuf;

use docgen::Site;
use terraform_provider_supabase::plugin::framework::Provider;
use terraform_provider_supabase::plugin::schema::{Attribute, AttributeKind};
use terraform_provider_supabase::provider::SupabaseProvider;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where two texts first differ, as a line number and the two lines.
fn first_difference(committed: &str, generated: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut generated_lines = generated.lines();
    for number in 1.. {
        match (committed_lines.next(), generated_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (None, None) => break,
            (a, b) => {
                return format!(
                    "line {number}:\n      committed: {}\n      generated: {}",
                    a.unwrap_or("(end of file)"),
                    b.unwrap_or("(end of file)")
                )
            }
        }
    }
    "the line endings differ".into()
}

#[test]
fn committed_docs_match_what_make_docs_generates() {
    let root = repo_root();
    let site = Site::of(&SupabaseProvider::default());
    let pages = docgen::render(&site, &root).expect("the docs render");
    let generated_root = tempfile::tempdir().expect("a temporary directory");
    docgen::write(generated_root.path(), &pages).expect("the docs are written");

    let mut problems = Vec::new();
    for page in &pages {
        let generated =
            fs::read_to_string(generated_root.path().join(&page.path)).expect("a generated page");
        match fs::read_to_string(root.join(&page.path)) {
            Ok(committed) if committed == generated => {}
            Ok(committed) => problems.push(format!(
                "  {} is out of date, first at {}",
                page.path.display(),
                first_difference(&committed, &generated)
            )),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                problems.push(format!("  {} is missing", page.path.display()))
            }
            Err(error) => panic!("reading {}: {error}", page.path.display()),
        }
    }
    for stale in docgen::stale_pages(&root, &pages).expect("docs/ can be listed") {
        problems.push(format!(
            "  {} documents nothing the provider has",
            stale.display()
        ));
    }
    assert!(
        problems.is_empty(),
        "docs/ differs from what the provider's schema, examples/ and tools/docgen/templates/ \
         generate. Run `make docs` and commit the result.\n{}",
        problems.join("\n")
    );
}

fn undescribed(owner: &str, parents: &str, attributes: &[Attribute], missing: &mut Vec<String>) {
    for attribute in attributes {
        let path = format!("{parents}{}", attribute.name);
        if attribute.description.trim().is_empty() {
            missing.push(format!("  {owner}: {path}"));
        }
        if let AttributeKind::Nested(_, nested) = &attribute.kind {
            undescribed(owner, &format!("{path}."), nested, missing);
        }
    }
}

#[test]
fn every_schema_and_attribute_has_a_description() {
    let provider = SupabaseProvider::default();
    let site = Site::of(&provider);
    assert!(
        !site.entries.is_empty(),
        "the provider documents at least one type"
    );
    let mut missing = Vec::new();
    let mut schemas = vec![("provider \"supabase\"".to_string(), provider.schema())];
    for entry in site.entries {
        schemas.push((
            format!("{} {}", entry.kind.title.to_lowercase(), entry.type_name),
            entry.schema,
        ));
    }
    for (owner, schema) in &schemas {
        if schema.description.trim().is_empty() {
            missing.push(format!("  {owner} (the schema itself)"));
        }
        undescribed(owner, "", &schema.attributes, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "these have no description (give them one with `.description(...)`; the docs, \
         `terraform providers schema -json` and editors show it):\n{}",
        missing.join("\n")
    );
}

/// Every type the provider has comes with its example in the Registry layout (and a resource
/// with its import script), so its page shows how to use it and tests/examples.rs validates it.
#[test]
fn every_type_has_its_example() {
    let root = repo_root();
    let site = Site::of(&SupabaseProvider::default());
    let mut missing = Vec::new();
    for entry in &site.entries {
        let dir = site.example_dir(entry);
        let mut needed = vec![dir.join(entry.kind.example_file)];
        if entry.kind.importable {
            needed.push(dir.join("import.sh"));
        }
        for path in needed {
            if !root.join(&path).is_file() {
                missing.push(format!(
                    "  {} {}: {}",
                    entry.kind.title.to_lowercase(),
                    entry.type_name,
                    path.display()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these examples are missing (the Registry layout: examples/<kind>/<type>/):\n{}",
        missing.join("\n")
    );
}
