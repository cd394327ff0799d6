terraform {
  required_version = ">= 1.0"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

# Every API key of the project: metadata only, never a key's value.
data "supabase_api_keys" "all" {
  project_ref = "abcdefghijklmnopqrst"
}

# Only the secret keys.
data "supabase_api_keys" "secret" {
  project_ref = "abcdefghijklmnopqrst"
  type        = "secret"
}

output "secret_key_names" {
  value = [for key in data.supabase_api_keys.secret.keys : key.name]
}

output "key_ids_by_type" {
  value = {
    for key in data.supabase_api_keys.all.keys : key.type => key.id...
  }
}
