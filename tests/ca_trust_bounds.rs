//! `--ca-trust` reads only a regular file of at most 16 MiB: FIFOs, devices,
//! directories and oversized files get a one-line error at once, before any
//! connection, instead of a hang or unbounded memory.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A guard against a hang (the bug these tests exist for), not a timing
/// assertion: every case returns in milliseconds.
const HANG_GUARD: Duration = Duration::from_secs(60);

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ca-trust-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs a check of a port nobody listens on with `--ca-trust path`; stdin
/// is a pipe that stays open (so `/dev/stdin` would block if read).
fn check_with_ca(path: &Path) -> String {
    let child: Child = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .args(["127.0.0.1", "9", "smtp", "--timeout", "5", "--ca-trust"])
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(HANG_GUARD) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("starttls-cert hung reading {}", path.display());
        }
    };
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["prtg"]["error"], 1, "{v}");
    let text = v["prtg"]["text"].as_str().unwrap().to_owned();
    assert!(!text.contains('\n'), "one line: {text}");
    text
}

#[test]
fn a_fifo_is_refused_without_opening_it_for_a_writer() {
    let fifo = scratch("ca.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let text = check_with_ca(&fifo);
    assert!(
        text.contains("is a FIFO (named pipe), not a regular file"),
        "{text}"
    );
    assert!(text.contains("cannot read CA file"), "{text}");
}

#[test]
fn devices_are_refused() {
    for (path, kind) in [
        ("/dev/zero", "a character device"),
        ("/dev/null", "a character device"),
        // stdin is a pipe here.
        ("/dev/stdin", "a FIFO (named pipe)"),
    ] {
        let text = check_with_ca(Path::new(path));
        assert!(
            text.contains(&format!("cannot read CA file {path}: it is {kind}")),
            "{path}: {text}"
        );
    }
}

#[test]
fn a_directory_is_refused() {
    let dir = scratch("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let text = check_with_ca(&dir);
    assert!(
        text.contains("it is a directory, not a regular file"),
        "{text}"
    );
}

#[test]
fn a_file_over_16_mib_is_refused_without_reading_it() {
    let big = scratch("big.pem");
    let file = std::fs::File::create(&big).unwrap();
    // Sparse: no 17 MiB written to disk.
    file.set_len(17 * 1024 * 1024).unwrap();
    let text = check_with_ca(&big);
    assert!(
        text.contains("it has 17825792 bytes, more than the 16 MiB a CA file may have"),
        "{text}"
    );
    std::fs::remove_file(&big).unwrap();
}
