//! The files and directories Tally writes belong to its user alone (DESIGN §4.2):
//! directories 0700, files 0600, whatever the umask, and existing ones are tightened
//! when they are reused, so an install made before modes were set is closed too.
//!
//! Every file Tally writes goes through this module; SQLite's own files are tightened by
//! `Store::open` with [`tighten`]. Elsewhere than on Unix, modes do not apply and the
//! functions only create and write.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Mode of the directories Tally creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files Tally writes.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents owner-only (as the XDG base directory spec
/// asks of them), and tightens `dir` itself if it already exists.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Makes an existing file owner-only; a missing one is left missing.
pub fn tighten(path: &Path) -> io::Result<()> {
    match set_mode(path, FILE_MODE) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Writes `bytes` to `path` in place, owner-only (a file that existed is tightened).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_private(path, false)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    file.write_all(bytes)
}

/// Writes `bytes` to a new owner-only file at `path`, synced; an existing file is left
/// alone (`AlreadyExists`), so a backup never replaces what an admin chose to keep.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_private(path, true)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes through `write` into a new owner-only file beside `path`, syncs it and renames
/// it over `path`, so readers see the old file or the whole new one. A failure removes
/// the temporary file.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    write_atomically_as(path, Access::OwnerOnly, write)
}

/// Who a file written by [`write_atomically_as`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Tally's own files: mode 0600.
    OwnerOnly,
    /// Files in a folder shared with another account (the team rollup's shared folder,
    /// which the admin reads): the folder's default modes; their content is sealed.
    Shared,
}

/// [`write_atomically`] for either kind of file.
pub fn write_atomically_as(
    path: &Path,
    access: Access,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temporary_beside(path)?;
    // A leftover of a crashed run with our pid would keep its mode if reused.
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut file = match access {
            Access::OwnerOnly => create_private(&tmp, true)?,
            Access::Shared => std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?,
        };
        write(&mut file)?;
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.NAME.tmpPID` in the directory of `path`.
fn temporary_beside(path: &Path) -> io::Result<PathBuf> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?
        .to_string_lossy();
    Ok(dir.join(format!(".{name}.tmp{}", std::process::id())))
}

/// Opens `path` for writing with mode [`FILE_MODE`] if it is created; `new` refuses an
/// existing file instead of truncating it.
fn create_private(path: &Path, new: bool) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options.open(path)
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if current != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_are_owner_only_and_existing_files_are_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("b");
        private_dir(&nested).unwrap();
        assert_eq!((mode(&nested), mode(&dir.path().join("a"))), (0o700, 0o700));

        let open = dir.path().join("open");
        std::fs::write(&open, b"x").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&open, b"y").unwrap();
        assert_eq!((mode(&open), std::fs::read(&open).unwrap()), (0o600, b"y".to_vec()));

        let report = dir.path().join("report.csv");
        std::fs::write(&report, b"old").unwrap();
        std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&report, |f| f.write_all(b"new")).unwrap();
        assert_eq!((mode(&report), std::fs::read(&report).unwrap()), (0o600, b"new".to_vec()));

        tighten(&dir.path().join("missing")).unwrap();
        std::fs::set_permissions(&nested, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&nested).unwrap();
        assert_eq!(mode(&nested), 0o700);
    }

    #[test]
    fn a_failed_atomic_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, |_| Err(io::Error::other("disk full"))).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
