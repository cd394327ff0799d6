//! The Terraform plugin protocol (tfplugin6 over go-plugin's gRPC transport) and a small framework
//! on top of it. Nothing here knows about Supabase: providers plug in through the traits in
//! [`framework`].

pub mod diag;
pub mod framework;
pub mod log;
pub mod proto;
pub mod schema;
pub mod serve;
pub mod server;
pub mod state_mover;
pub mod stop;
pub mod value;
