//! What serving needs from the operating system and differs between Unix and Windows: how the
//! provider reacts to the console's signals, and how it notices that Terraform died. Everything
//! else (the listener aside) is the same code on every platform.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::{watch_parent, watch_signals};

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::{watch_parent, watch_signals};
