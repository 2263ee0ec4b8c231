//! Reading a CA file with bounds: only a regular file, at most
//! [`MAX_CA_FILE`] bytes. A FIFO or a device (`/dev/stdin`, `/dev/zero`)
//! would block or never end; checking the type before reading gives a clear
//! error at once instead.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Largest CA file read: 16 MiB. Debian's whole bundle is about 0.2 MiB.
pub const MAX_CA_FILE: u64 = 16 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum FileProblem {
    /// The operating system could not open or read it.
    Io(io::Error),
    /// It is not a regular file; the text names what it is.
    NotRegular(&'static str),
    /// It is larger than the limit.
    TooLarge {
        /// Its size in bytes (at least `limit + 1` when it grew while read).
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::Io(e) => write!(f, "{e}"),
            FileProblem::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            FileProblem::TooLarge { size, limit } => write!(
                f,
                "it has {} bytes, more than the {} MiB a CA file may have",
                size,
                limit / (1024 * 1024)
            ),
        }
    }
}

/// Opens `path` for reading when it is a regular file of at most `limit`
/// bytes; the reader stops after `limit` bytes whatever happens to the file.
pub fn open_regular_file(path: &Path, limit: u64) -> Result<io::Take<File>, FileProblem> {
    // The type is checked before opening: opening a FIFO for reading blocks
    // until a writer appears.
    let before = std::fs::metadata(path).map_err(FileProblem::Io)?;
    check(&before, limit)?;
    let file = open_without_blocking(path).map_err(FileProblem::Io)?;
    // And again on what was opened, in case the path changed in between.
    let opened = file.metadata().map_err(FileProblem::Io)?;
    check(&opened, limit)?;
    Ok(file.take(limit))
}

/// Reads `path` whole when it is a regular file of at most `limit` bytes.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, FileProblem> {
    let mut reader = open_regular_file(path, limit)?;
    reader.set_limit(limit + 1);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(FileProblem::Io)?;
    let size = bytes.len() as u64;
    if size > limit {
        return Err(FileProblem::TooLarge { size, limit });
    }
    Ok(bytes)
}

fn check(meta: &Metadata, limit: u64) -> Result<(), FileProblem> {
    if !meta.is_file() {
        return Err(FileProblem::NotRegular(kind(meta)));
    }
    if meta.len() > limit {
        return Err(FileProblem::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: a FIFO swapped in after the check opens at once instead of
    // waiting for a writer (and then fails the type check). It changes
    // nothing for regular files.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_within_the_limit_are_read_whole() {
        let dir = std::env::temp_dir().join(format!("bounded-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("small.pem");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular_file(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_regular_file(&path, 9),
            Err(FileProblem::TooLarge { size: 10, limit: 9 })
        ));
        assert!(matches!(
            read_regular_file(&dir, 10),
            Err(FileProblem::NotRegular("a directory"))
        ));
        assert!(matches!(
            read_regular_file(&dir.join("missing"), 10),
            Err(FileProblem::Io(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_without_reading() {
        let e = read_regular_file(Path::new("/dev/zero"), MAX_CA_FILE).unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is a character device, not a regular file"
        );
    }
}
