terraform {
  required_version = ">= 1.0"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

resource "supabase_secret_api_key" "backend" {
  project_ref = "abcdefghijklmnopqrst"
  name        = "production_backend_key"
  description = "Backend service, prod"
}

output "backend_api_key" {
  value     = supabase_secret_api_key.backend.api_key
  sensitive = true
}
