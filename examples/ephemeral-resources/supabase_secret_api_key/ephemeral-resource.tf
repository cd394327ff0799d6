terraform {
  required_version = ">= 1.10"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

locals {
  project_ref = "abcdefghijklmnopqrst"
  key_name    = "production_backend_key"
}

# A secret key made in the dashboard (or managed by another configuration), revealed at plan and
# apply time. Terraform writes none of it to state or plan. Select the key by `name`, or by `id`.
ephemeral "supabase_secret_api_key" "backend" {
  project_ref = local.project_ref
  name        = local.key_name
}

# The key's metadata, never its value: its id changes when the key is rotated (replaced by a new
# key), which is what runs the deploy again below.
data "supabase_api_keys" "secret" {
  project_ref = local.project_ref
  type        = "secret"
}

# Provisioners may use ephemeral values: the deploy script gets the key in its environment. A
# provisioner runs only when its resource is created; `triggers_replace` on the key's id
# replaces this resource, and so runs the script again, after each rotation.
resource "terraform_data" "deploy_backend" {
  triggers_replace = [
    one([for key in data.supabase_api_keys.secret.keys : key.id if key.name == local.key_name]),
  ]

  provisioner "local-exec" {
    command = "./deploy-backend.sh"
    environment = {
      SUPABASE_SECRET_KEY = ephemeral.supabase_secret_api_key.backend.api_key
    }
  }
}
