# One secret API key for a backend service. `make demo` applies this against the local
# simulator; with SUPABASE_ACCESS_TOKEN set it applies unchanged against the real API.
terraform {
  required_version = ">= 1.0"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

variable "project_ref" {
  type        = string
  description = "The project's reference ID (20 lowercase letters, from the dashboard URL)."
}

# access_token and endpoint come from SUPABASE_ACCESS_TOKEN and SUPABASE_API_ENDPOINT.
provider "supabase" {}

resource "supabase_secret_api_key" "backend" {
  project_ref = var.project_ref
  name        = "production_backend_key"
  description = "Backend service, prod"
}

output "prefix" {
  value = supabase_secret_api_key.backend.prefix
}

output "api_key" {
  value     = supabase_secret_api_key.backend.api_key
  sensitive = true
}
