//! Writing output files safely: every failure names the file and a fix, and a set of files that
//! belong together (`schedule.csv` and `plan.json`) is replaced as one.
//!
//! # How a set of files is replaced
//! A plan's files are written in three steps:
//! 1. every new file is written to a temporary file in the same folder (`.plan.json.tmp-PID`)
//!    and synced to disk. A full disk, a size limit or a read-only folder fails here, before any
//!    file the user sees has changed; the temporaries are removed.
//! 2. files of the previous run that the new run does not replace (the `schedule.csv` beside an
//!    infeasible run's `plan.json`) are removed.
//! 3. each temporary is renamed over its final name, `plan.json` last. A rename within one folder
//!    is atomic on POSIX filesystems, so each file is always either the old one or the new one,
//!    whole. Two renames cannot be one atomic step; between them (microseconds) a reader may see
//!    the new `schedule.csv` beside the old `plan.json`. Should a rename fail after another one
//!    succeeded (only if the folder changes under us), the files already renamed are removed, so
//!    the folder never keeps a `schedule.csv` and a `plan.json` from different runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Why an output could not be written: the target, the cause and what to do.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {cause}\n    help: {}", target.display(), help(cause))]
pub struct OutputError {
    /// The file or folder (or `standard output`).
    pub target: PathBuf,
    /// The cause.
    pub cause: std::io::Error,
}

impl OutputError {
    /// An error about `target`.
    pub fn new(target: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        OutputError {
            target: target.into(),
            cause,
        }
    }
}

/// A fix for each way a write fails.
fn help(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::StorageFull | K::QuotaExceeded => {
            "the disk is full: free some space or write to a folder on another disk"
        }
        K::FileTooLarge => {
            "the file is over this process's file size limit (`ulimit -f`): raise the limit or write elsewhere"
        }
        K::PermissionDenied | K::ReadOnlyFilesystem => {
            "choose a folder you may write to (or change its permissions)"
        }
        K::NotADirectory | K::AlreadyExists => {
            "a file is in the way of the folder: remove it or name another folder"
        }
        K::IsADirectory => "a folder is in the way of the file: remove it or name another file",
        K::NotFound => "a folder on the path does not exist: create it or name another path",
        K::BrokenPipe => "the program reading the output stopped early",
        _ => "check the path, the permissions and the free space, or write somewhere else",
    }
}

/// The temporary file `name` is written to in `dir` before it is renamed.
fn temporary(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The folder of `path` (`.` for a bare file name) and its file name.
fn split(path: &Path) -> (PathBuf, String) {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (dir.to_path_buf(), name)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, so a reader never
/// sees a partly written file and a failure leaves nothing behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let (dir, name) = split(path);
    let tmp = temporary(&dir, &name);
    let result = write_synced(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| OutputError::new(path, e))
}

/// Checks, before any work is done, that the plan files can be written into `dir`: creates the
/// folder if missing, refuses a file in its way, and writes and removes an empty probe file.
pub fn prepare_folder(dir: &Path, names: &[&str]) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::new(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "it is a file; --out names a folder",
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| OutputError::new(dir, e))?;
    for name in names {
        let path = dir.join(name);
        if path.is_dir() {
            return Err(OutputError::new(
                &path,
                std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a folder"),
            ));
        }
    }
    let probe = temporary(dir, "capplan-probe");
    std::fs::File::create(&probe).map_err(|e| OutputError::new(dir, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Replaces a set of files in `dir` as one (see the module documentation): `files` are written
/// in order (the last is renamed last) and `stale` names of a previous run are removed.
pub fn replace_set(dir: &Path, files: &[(&str, &[u8])], stale: &[&str]) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(|e| OutputError::new(dir, e))?;
    let temps: Vec<PathBuf> = files.iter().map(|(n, _)| temporary(dir, n)).collect();
    let clean = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for ((name, bytes), tmp) in files.iter().zip(&temps) {
        if let Err(e) = write_synced(tmp, bytes) {
            clean(&temps);
            return Err(OutputError::new(dir.join(name), e));
        }
    }
    for name in stale {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                clean(&temps);
                return Err(OutputError::new(dir.join(name), e));
            }
            _ => {}
        }
    }
    for (k, ((name, _), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(tmp, dir.join(name)) {
            clean(&temps[k..]);
            for (done, _) in &files[..k] {
                let _ = std::fs::remove_file(dir.join(done));
            }
            return Err(OutputError::new(dir.join(name), e));
        }
    }
    // Make the renames durable; a folder that cannot be synced is no reason to fail.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
