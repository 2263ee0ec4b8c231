//! Writing an output file so that a reader (node_exporter's textfile
//! collector, a script) sees the old content or the new, never half of it:
//! a temporary file in the same directory, synced, then renamed over the
//! target.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why the output file could not be written.
#[derive(Debug)]
pub struct WriteError {
    /// The file that was being written.
    pub path: PathBuf,
    /// What failed: creating, writing or renaming.
    pub step: &'static str,
    /// The operating system's error.
    pub error: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not write {}: {} failed: {}",
            self.path.display(),
            self.step,
            self.error
        )
    }
}

impl std::error::Error for WriteError {}

/// Replaces `path` with `contents` atomically. The temporary file is
/// `.<name>.<pid>.tmp` next to it (node_exporter ignores files not ending
/// in `.prom`), and is removed if anything fails.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let fail = |step, error| WriteError {
        path: path.to_owned(),
        step,
        error,
    };
    let name = path
        .file_name()
        .ok_or_else(|| fail("naming", io::Error::other("the path names no file")))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = File::create(&tmp).map_err(|e| fail("creating the temporary file", e))?;
        file.write_all(contents)
            .map_err(|e| fail("writing the temporary file", e))?;
        file.sync_all()
            .map_err(|e| fail("syncing the temporary file", e))?;
        fs::rename(&tmp, path).map_err(|e| fail("renaming the temporary file", e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("starttls-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_file_is_replaced_and_no_temporary_file_stays() {
        let d = dir("replace");
        let path = d.join("out.prom");
        fs::write(&path, "old\n").unwrap();
        write_atomically(&path, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.prom")]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_that_names_the_file() {
        let d = dir("missing");
        let path = d.join("no/such/dir/out.prom");
        let e = write_atomically(&path, b"x").unwrap_err();
        assert!(e.to_string().contains("out.prom"), "{e}");
        assert_eq!(e.step, "creating the temporary file");
        fs::remove_dir_all(&d).unwrap();
    }
}
