//! Writing outputs: atomically, never over an input, and zipped when a format says so.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Datelike, NaiveDateTime, Timelike};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target is one of the inputs.
    #[error(
        "« {0} » est un des fichiers lus : passerelle n'écrit jamais par-dessus une entrée, choisissez un autre chemin avec -o"
    )]
    WouldOverwriteInput(String),
    /// The file system refused.
    #[error("impossible d'écrire « {path} » : {}", io_reason(.error))]
    Io {
        /// Target path.
        path: String,
        /// System error: not a `source`, its English text is already said in French.
        error: std::io::Error,
    },
    /// The zip could not be built.
    #[error("impossible de construire l'archive « {name} » : {message}")]
    Zip {
        /// Archive name.
        name: String,
        /// Why.
        message: String,
    },
}

/// Why the file system refused to write, and what to do, in French.
pub fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => {
            "le dossier qui doit le contenir n'existe pas ; vérifiez le chemin donné avec -o"
                .to_string()
        }
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "ce dossier est en lecture seule ou vous n'avez pas le droit d'y écrire ; choisissez \
             un autre dossier avec -o"
                .to_string()
        }
        ErrorKind::IsADirectory | ErrorKind::DirectoryNotEmpty => {
            "un dossier porte déjà ce nom ; choisissez un autre chemin avec -o".to_string()
        }
        ErrorKind::NotADirectory => {
            "un élément du chemin est un fichier et non un dossier ; vérifiez le chemin donné \
             avec -o"
                .to_string()
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            "le disque est plein ; libérez de la place ou choisissez un autre dossier avec -o"
                .to_string()
        }
        ErrorKind::Interrupted => "passerelle a été interrompu".to_string(),
        _ => format!("erreur du système ({error}) ; vérifiez le dossier et les droits"),
    }
}

/// Temporary files being written, removed by [`remove_pending_temporaries`] on interruption.
/// A temporary file is created and registered, and renamed and unregistered, under this lock:
/// the interruption handler, which takes it too, never misses one.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set once the run is interrupted: no temporary file is created after the clean-up.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves a plain list of paths: still usable.
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes the temporary files of writes still under way, and refuses to start new ones: call
/// it from an interruption handler (SIGINT) so that an interrupted run leaves nothing behind.
pub fn remove_pending_temporaries() {
    let mut list = pending();
    INTERRUPTED.store(true, Ordering::SeqCst);
    for path in list.drain(..) {
        // Best effort: the rename may have happened just before the interruption.
        let _ = fs::remove_file(path);
    }
}

/// A temporary file being written, registered for removal on interruption until it is
/// renamed over its target.
struct Temporary {
    path: PathBuf,
    file: fs::File,
}

impl Temporary {
    fn create(path: PathBuf) -> std::io::Result<Self> {
        let mut list = pending();
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "passerelle a été interrompu",
            ));
        }
        let file = fs::File::create(&path)?;
        list.push(path.clone());
        Ok(Temporary { path, file })
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.file.sync_all()
    }

    /// Renames the file over `target`.
    fn persist(self, target: &Path) -> std::io::Result<()> {
        let mut list = pending();
        let renamed = fs::rename(&self.path, target);
        list.retain(|path| *path != self.path);
        if renamed.is_err() {
            // Best effort: nothing must be left beside the target.
            let _ = fs::remove_file(&self.path);
        }
        renamed
    }

    /// Removes the file after a failed write.
    fn discard(self) {
        let mut list = pending();
        list.retain(|path| *path != self.path);
        // Best effort: the file may already be gone.
        let _ = fs::remove_file(&self.path);
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `bytes` to `target` through a temporary file in the same folder, then renames it:
/// a failure leaves any previous file intact, and an interruption
/// ([`remove_pending_temporaries`]) leaves no temporary file. Refuses to write over one of
/// `inputs`.
pub fn write_atomic(target: &Path, bytes: &[u8], inputs: &[PathBuf]) -> Result<(), OutputError> {
    if inputs.iter().any(|input| same_file(input, target)) {
        return Err(OutputError::WouldOverwriteInput(
            target.display().to_string(),
        ));
    }
    let io_error = |error| OutputError::Io {
        path: target.display().to_string(),
        error,
    };
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sortie".to_string());
    let path = folder.join(format!(
        ".{file_name}.passerelle-{}.tmp",
        std::process::id()
    ));
    let mut temporary = Temporary::create(path).map_err(io_error)?;
    match temporary.write(bytes) {
        Ok(()) => temporary.persist(target).map_err(io_error),
        Err(error) => {
            temporary.discard();
            Err(io_error(error))
        }
    }
}

/// Builds a zip holding one member, deflated, with a fixed modification time so that the
/// same content always gives the same bytes.
pub fn zip_single(
    member_name: &str,
    content: &[u8],
    modified: NaiveDateTime,
) -> Result<Vec<u8>, OutputError> {
    let zip_error = |error: &dyn std::fmt::Display| OutputError::Zip {
        name: member_name.to_string(),
        message: error.to_string(),
    };
    let date = zip::DateTime::from_date_and_time(
        u16::try_from(modified.year()).unwrap_or(1980),
        u8::try_from(modified.month()).unwrap_or(1),
        u8::try_from(modified.day()).unwrap_or(1),
        u8::try_from(modified.hour()).unwrap_or(0),
        u8::try_from(modified.minute()).unwrap_or(0),
        u8::try_from(modified.second()).unwrap_or(0),
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(date)
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file(member_name, options)
        .map_err(|error| zip_error(&error))?;
    writer
        .write_all(content)
        .map_err(|error| zip_error(&error))?;
    let cursor = writer.finish().map_err(|error| zip_error(&error))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_refuses_inputs() {
        let folder = std::env::temp_dir().join(format!("passerelle-output-{}", std::process::id()));
        fs::create_dir_all(&folder).unwrap();
        let target = folder.join("sortie.xml");
        write_atomic(&target, b"un", &[]).unwrap();
        write_atomic(&target, b"deux", &[]).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"deux");
        let refused = write_atomic(&target, b"trois", std::slice::from_ref(&target));
        assert!(matches!(refused, Err(OutputError::WouldOverwriteInput(_))));
        assert_eq!(fs::read(&target).unwrap(), b"deux");
        let leftovers: Vec<_> = fs::read_dir(&folder)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn file_system_refusals_are_said_in_french() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("absent").join("sortie.json");
        let error = write_atomic(&missing, b"x", &[]).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "impossible d'écrire « {} » : le dossier qui doit le contenir n'existe pas ; \
                 vérifiez le chemin donné avec -o",
                missing.display()
            )
        );
        let taken = folder.path().join("sortie.json");
        fs::create_dir(&taken).unwrap();
        let error = write_atomic(&taken, b"x", &[]).unwrap_err().to_string();
        assert!(
            error.ends_with("un dossier porte déjà ce nom ; choisissez un autre chemin avec -o")
        );
        let left: Vec<_> = fs::read_dir(folder.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left beside the target");
    }

    #[test]
    fn temporaries_are_registered_until_renamed() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(".sortie.tmp");
        let mut temporary = Temporary::create(path.clone()).unwrap();
        assert!(pending().contains(&path), "an interruption now removes it");
        temporary.write(b"contenu").unwrap();
        let target = folder.path().join("sortie.json");
        temporary.persist(&target).unwrap();
        assert!(!pending().contains(&path));
        assert_eq!(fs::read(&target).unwrap(), b"contenu");
        let discarded = Temporary::create(path.clone()).unwrap();
        discarded.discard();
        assert!(!pending().contains(&path) && !path.exists());
    }

    #[test]
    fn zips_are_reproducible_and_readable() {
        let when = chrono::NaiveDate::from_ymd_opt(2025, 10, 14)
            .unwrap()
            .and_hms_opt(10, 15, 30)
            .unwrap();
        let a = zip_single("a.xml", b"<A/>", when).unwrap();
        let b = zip_single("a.xml", b"<A/>", when).unwrap();
        assert_eq!(a, b);
        let limits = crate::input::Limits::default();
        let (members, _) =
            crate::input::read_zip("a.zip", Path::new("a.zip"), &a, &limits).unwrap();
        assert_eq!(members[0].name, "a.zip!a.xml");
        assert_eq!(members[0].bytes, b"<A/>");
    }
}
