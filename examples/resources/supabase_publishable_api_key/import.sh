# Import by the key's id: <project_ref>/<id>
terraform import supabase_publishable_api_key.web abcdefghijklmnopqrst/22222222-2222-4222-8222-222222222222

# Or by its name: <project_ref>/<name>
terraform import supabase_publishable_api_key.web abcdefghijklmnopqrst/web_app_key
