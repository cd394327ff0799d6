# The configuration the query file sits beside: `terraform query` (Terraform 1.14 and later)
# reads the provider requirement and configuration from the directory's .tf files.
terraform {
  required_version = ">= 1.14"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

provider "supabase" {}
