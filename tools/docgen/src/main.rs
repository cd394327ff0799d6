//! `docgen [ROOT]`: regenerates `docs/` under the repository root (default: the current
//! directory) from the provider's schema, `examples/` and `tools/docgen/templates/`.
//! `make docs` runs it; `tests/up_to_date.rs` fails when the committed pages differ.

use std::path::PathBuf;
use std::process::ExitCode;

use terraform_provider_supabase::provider::SupabaseProvider;

const USAGE: &str = "usage: docgen [ROOT]\n\nWrites docs/index.md and docs/{resources,data-sources,ephemeral-resources,list-resources}/*.md under ROOT\n(the repository root, default: the current directory) from the provider's schema, examples/\nand tools/docgen/templates/. docs/guides/ is never touched.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = match args.as_slice() {
        [] => PathBuf::from("."),
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [root] if !root.starts_with('-') => PathBuf::from(root),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !root.join("examples").is_dir() || !root.join("Cargo.toml").is_file() {
        eprintln!(
            "docgen: {} is not the repository root (no Cargo.toml and examples/ there)",
            root.display()
        );
        return ExitCode::from(2);
    }

    let site = docgen::Site::of(&SupabaseProvider::default());
    let result = docgen::render(&site, &root).and_then(|pages| {
        let written = docgen::write(&root, &pages)?;
        Ok((pages.len(), written))
    });
    match result {
        Ok((count, written)) => {
            for path in &written.changed {
                println!("docgen: wrote {}", path.display());
            }
            for path in &written.removed {
                println!("docgen: removed {}", path.display());
            }
            println!(
                "docgen: {count} pages, {} changed, {} removed",
                written.changed.len(),
                written.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("docgen: {error}");
            ExitCode::FAILURE
        }
    }
}
