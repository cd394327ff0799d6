//! A Terraform provider for Supabase API keys.
//!
//! `plugin` speaks the Terraform plugin protocol and knows nothing of Supabase; `supabase` is the
//! Management API client and knows nothing of Terraform; `provider` is where the two meet.

pub mod plugin;
pub mod provider;
pub mod secret;
pub mod supabase;
