# Every publishable API key of one project, for `terraform query` (Terraform 1.14 and later). Save it in
# a file whose name ends in .tfquery.hcl (keys.tfquery.hcl), beside the configuration that
# requires the provider, then run:
#
#   terraform query                                     # one line per key: identity and name
#   terraform query -generate-config-out=generated.tf   # and an import and a resource block each
#
# `terraform query` needs the configuration's required variables, as a plan does: pass them with
# -var, -var-file or a terraform.tfvars file. A project with more keys than the list block's
# `limit` (100 unless set) is listed in part, with a warning that gives the total.
list "supabase_publishable_api_key" "all" {
  provider = supabase

  config {
    project_ref = "abcdefghijklmnopqrst"
  }
}
