terraform {
  required_version = ">= 1.10"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

# A secret key made in the dashboard (or managed by another configuration), revealed at plan and
# apply time. Terraform writes none of it to state or plan. Select the key by `name`, or by `id`.
ephemeral "supabase_secret_api_key" "backend" {
  project_ref = "abcdefghijklmnopqrst"
  name        = "production_backend_key"
}

# Provisioners may use ephemeral values: the deploy script gets the key in its environment.
resource "terraform_data" "deploy_backend" {
  provisioner "local-exec" {
    command = "./deploy-backend.sh"
    environment = {
      SUPABASE_SECRET_KEY = ephemeral.supabase_secret_api_key.backend.api_key
    }
  }
}
