//! terraform-provider-supabase: started by Terraform, or with `--debug` by a developer.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut debug = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" | "-debug" => debug = true,
            "--version" | "-version" => {
                println!("terraform-provider-supabase {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("Unknown argument {other:?}. Usage: terraform-provider-supabase [--debug | --version]");
                return ExitCode::from(2);
            }
        }
    }
    terraform_provider_supabase::provider::serve(debug)
}
