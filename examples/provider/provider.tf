terraform {
  required_version = ">= 1.0"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

# The access token is best left to the SUPABASE_ACCESS_TOKEN environment variable.
provider "supabase" {
  request_timeout = "30s"
  max_retries     = 5
}
