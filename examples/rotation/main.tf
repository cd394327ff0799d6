# Zero-downtime rotation of a secret API key: bump `generation` and apply. Terraform creates
# the new key first, updates whatever in this configuration reads it, and only then deletes
# the old key (create_before_destroy). Key names are unique per project and type, so the name
# carries the generation: the old key still holds its name while the new one is created.
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

variable "generation" {
  type        = number
  default     = 1
  description = "The key's generation; increase it by one to rotate the key."
}

# access_token and endpoint come from SUPABASE_ACCESS_TOKEN and SUPABASE_API_ENDPOINT.
provider "supabase" {}

resource "supabase_secret_api_key" "backend" {
  project_ref = var.project_ref
  name        = "backend_key_g${var.generation}"
  description = "Backend service, generation ${var.generation}"

  # A change here replaces the key (a new id and value), whatever else changes.
  keepers = {
    generation = var.generation
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "key_id" {
  description = "The id of the current key."
  value       = supabase_secret_api_key.backend.id
}

output "api_key" {
  description = "The current secret key; read it with `terraform output -raw api_key`."
  value       = supabase_secret_api_key.backend.api_key
  sensitive   = true
}
