terraform {
  required_version = ">= 1.0"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

resource "supabase_publishable_api_key" "web" {
  project_ref = "abcdefghijklmnopqrst"
  name        = "web_app_key"
  description = "Browser and mobile clients"
}

# A publishable key is meant to be public: the output needs no `sensitive = true`.
output "web_api_key" {
  value = supabase_publishable_api_key.web.api_key
}
