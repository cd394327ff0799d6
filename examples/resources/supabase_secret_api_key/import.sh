# Import by the key's id: <project_ref>/<id>
terraform import supabase_secret_api_key.backend abcdefghijklmnopqrst/22222222-2222-4222-8222-222222222222

# Or by its name: <project_ref>/<name>
terraform import supabase_secret_api_key.backend abcdefghijklmnopqrst/production_backend_key
