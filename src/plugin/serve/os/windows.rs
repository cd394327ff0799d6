//! Windows: a console delivers Ctrl-C and Ctrl-Break to every process attached to it, the
//! provider included. As go-plugin's plugins do, the provider eats both (Terraform stops it with
//! StopProvider and Shutdown) except in debug mode, where they end the server; closing the
//! console, logging off or shutting down ends it. Windows does not re-parent orphans, so a dead
//! Terraform is noticed by waiting on its process handle.

use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};

use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_logoff, ctrl_shutdown};
use tokio_util::sync::CancellationToken;
use windows_sys::Win32::Foundation::{FILETIME, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentProcessId, GetProcessTimes, OpenProcess, WaitForSingleObject,
    INFINITE, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE,
};

use crate::log_at;
use crate::plugin::log::Level;

pub fn watch_signals(debug: bool, shutdown: CancellationToken) -> Result<(), String> {
    let setup = |e: std::io::Error| format!("console control handler setup failed: {e}");
    let mut interrupt = ctrl_c().map_err(setup)?;
    let mut brk = ctrl_break().map_err(setup)?;
    let mut close = ctrl_close().map_err(setup)?;
    let mut logoff = ctrl_logoff().map_err(setup)?;
    let mut system_shutdown = ctrl_shutdown().map_err(setup)?;
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = interrupt.recv() => "Ctrl-C",
                _ = brk.recv() => "Ctrl-Break",
                _ = close.recv() => break,
                _ = logoff.recv() => break,
                _ = system_shutdown.recv() => break,
            };
            if debug {
                break;
            }
            log_at!(
                Level::Debug,
                "ignoring the console's interrupt: Terraform stops providers with StopProvider",
                "event" = event
            );
        }
        shutdown.cancel();
    });
    Ok(())
}

pub fn watch_parent(shutdown: CancellationToken) {
    let parent = match open_parent() {
        Ok(parent) => parent,
        Err(reason) => {
            log_at!(
                Level::Warn,
                "cannot watch Terraform's process; a provider whose Terraform dies will linger",
                "reason" = reason
            );
            return;
        }
    };
    let Some(parent) = parent else {
        log_at!(
            Level::Warn,
            "Terraform exited before the provider started; stopping"
        );
        shutdown.cancel();
        return;
    };
    // A thread of its own: the wait blocks until Terraform exits, however long the run.
    let spawned = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(move || {
            // SAFETY: the handle is open (owned by `parent`) and has SYNCHRONIZE access.
            unsafe { WaitForSingleObject(parent.as_raw_handle() as HANDLE, INFINITE) };
            if !shutdown.is_cancelled() {
                log_at!(Level::Warn, "Terraform exited without Shutdown; stopping");
                shutdown.cancel();
            }
        });
    if let Err(error) = spawned {
        log_at!(
            Level::Warn,
            "cannot watch Terraform's process",
            "error" = error
        );
    }
}

/// A handle on the parent process, or `None` when the parent is already gone (its id missing, or
/// reused by a process younger than this one).
fn open_parent() -> Result<Option<OwnedHandle>, String> {
    let Some(parent_id) = parent_id()? else {
        return Ok(None);
    };
    if parent_id == 0 {
        // No Windows process started this one (wine gives 0 to a program started from Unix).
        return Err("no parent process to watch (parent id 0)".to_string());
    }
    // SAFETY: plain Win32 calls; a returned non-null handle is ours to own and close.
    let raw = unsafe {
        OpenProcess(
            PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
            0,
            parent_id,
        )
    };
    if raw.is_null() {
        return Ok(None);
    }
    // SAFETY: `raw` is a valid process handle that nothing else owns.
    let parent = unsafe { OwnedHandle::from_raw_handle(raw as _) };
    // Process ids are reused: a "parent" started after this process is not Terraform.
    // SAFETY: the pseudo-handle of the current process needs no closing.
    let ours = created_at(unsafe { GetCurrentProcess() })?;
    let theirs = created_at(parent.as_raw_handle() as HANDLE)?;
    Ok((theirs <= ours).then_some(parent))
}

/// The id of the process that started this one, from a snapshot of the process table.
fn parent_id() -> Result<Option<u32>, String> {
    // SAFETY: a snapshot handle, closed through OwnedHandle; the entry is sized as the API needs.
    unsafe {
        let snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if snapshot == INVALID_HANDLE_VALUE {
            return Err(format!(
                "no process snapshot: {}",
                std::io::Error::last_os_error()
            ));
        }
        let snapshot = OwnedHandle::from_raw_handle(snapshot as _);
        let ours = GetCurrentProcessId();
        let mut entry: PROCESSENTRY32W = std::mem::zeroed();
        entry.dwSize = std::mem::size_of::<PROCESSENTRY32W>() as u32;
        let handle = snapshot.as_raw_handle() as HANDLE;
        let mut more = Process32FirstW(handle, &mut entry) != 0;
        while more {
            if entry.th32ProcessID == ours {
                return Ok(Some(entry.th32ParentProcessID));
            }
            more = Process32NextW(handle, &mut entry) != 0;
        }
        Ok(None)
    }
}

fn created_at(process: HANDLE) -> Result<u64, String> {
    let mut times = [FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    }; 4];
    let [created, exited, kernel, user] = &mut times;
    // SAFETY: `process` is a valid handle with query access; the four out-pointers are ours.
    let ok = unsafe { GetProcessTimes(process, created, exited, kernel, user) };
    if ok == 0 {
        return Err(format!(
            "no process times: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok((u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime))
}
