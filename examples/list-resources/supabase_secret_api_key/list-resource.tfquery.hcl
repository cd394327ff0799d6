# Every secret API key of one project, for `terraform query` (Terraform 1.14 and later). Save it in
# a file whose name ends in .tfquery.hcl (keys.tfquery.hcl), beside the configuration that
# requires the provider, then run:
#
#   terraform query                                     # one line per key: identity and name
#   terraform query -generate-config-out=generated.tf   # and an import and a resource block each
list "supabase_secret_api_key" "all" {
  provider = supabase

  config {
    project_ref = "abcdefghijklmnopqrst"
  }
}
