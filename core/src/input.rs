//! Inputs: files, folders and zips become a list of named byte buffers, within limits.
//!
//! Zip members are read in memory, never extracted: a member name never touches the disk.
//! Each XML or CSV member is an input of its own, named `archive.zip!member.xml`.

use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// Limits that protect against hostile or broken inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read from disk, in bytes.
    pub max_file_size: u64,
    /// Largest total inflated size of the members of one zip, in bytes.
    pub max_zip_inflated: u64,
    /// Most members in one zip.
    pub max_zip_entries: usize,
}

impl Limits {
    /// Default largest file: 512 Mio (a large lycée's students file is 5–15 Mo).
    pub const DEFAULT_MAX_FILE_SIZE: u64 = 512 * 1024 * 1024;
    /// Default largest inflated zip: 512 Mio.
    pub const DEFAULT_MAX_ZIP_INFLATED: u64 = 512 * 1024 * 1024;
    /// Default most zip members: 1,000 (a SIECLE zip holds one).
    pub const DEFAULT_MAX_ZIP_ENTRIES: usize = 1_000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: Limits::DEFAULT_MAX_FILE_SIZE,
            max_zip_inflated: Limits::DEFAULT_MAX_ZIP_INFLATED,
            max_zip_entries: Limits::DEFAULT_MAX_ZIP_ENTRIES,
        }
    }
}

/// Why a path could not be read at all (a usage or input error, exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The path does not exist.
    #[error("« {path} » n'existe pas : vérifiez le chemin.")]
    NotFound {
        /// The path as given.
        path: String,
    },
    /// The path exists but cannot be read.
    #[error("« {path} » ne peut pas être lu ({source}) : vérifiez les droits d'accès.")]
    Unreadable {
        /// The path as given.
        path: String,
        /// The system error.
        source: std::io::Error,
    },
    /// The file is larger than the limit.
    #[error(
        "« {path} » fait {size} octets, plus que la limite de {limit} octets : ce n'est pas un \
         export attendu (la limite se change avec --max-taille-fichier)."
    )]
    TooLarge {
        /// The path as given.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// Why a zip was refused (`ARCHIVE_REFUSEE`: nothing from it is read).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("l'archive « {archive} » est refusée : {reason}")]
pub struct ArchiveRefused {
    /// Display name of the zip.
    pub archive: String,
    /// Why, in French.
    pub reason: String,
}

/// One input: a file, or a member of a zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// Display name: the file name, or `archive.zip!member.xml`.
    pub name: String,
    /// The file on disk it came from (the zip, for a member).
    pub disk_path: PathBuf,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

/// Everything found under the paths given for one establishment.
#[derive(Debug, Default)]
pub struct LoadedInputs {
    /// Inputs sorted by display name (byte order).
    pub files: Vec<InputFile>,
    /// Files seen but not candidates (not `*.xml`, `*.zip`, `*.csv`), as display names.
    pub ignored: Vec<String>,
    /// Zips refused, with the reason.
    pub refused: Vec<ArchiveRefused>,
}

/// True for names passerelle reads: `*.xml`, `*.zip`, `*.csv` (any case).
pub fn is_candidate_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xml", ".zip", ".csv"]
        .iter()
        .any(|extension| lower.ends_with(extension))
}

fn is_zip_bytes(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads a file from disk within the size limit.
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, InputError> {
    let shown = path.display().to_string();
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => InputError::NotFound {
            path: shown.clone(),
        },
        _ => InputError::Unreadable {
            path: shown.clone(),
            source,
        },
    })?;
    if metadata.len() > limits.max_file_size {
        return Err(InputError::TooLarge {
            path: shown,
            size: metadata.len(),
            limit: limits.max_file_size,
        });
    }
    let mut bytes = buffer_for(metadata.len());
    fs::File::open(path)
        .and_then(|file| file.take(limits.max_file_size + 1).read_to_end(&mut bytes))
        .map_err(|source| InputError::Unreadable {
            path: shown.clone(),
            source,
        })?;
    Ok(bytes)
}

/// A buffer for content of a known size: one allocation of that size rather than a doubling
/// one. When memory cannot hold it, an empty buffer: reading then fails with a readable error
/// ("out of memory") instead of aborting the process.
fn buffer_for(size: u64) -> Vec<u8> {
    let mut buffer = Vec::new();
    if let Ok(size) = usize::try_from(size) {
        let _ = buffer.try_reserve_exact(size);
    }
    buffer
}

/// A zip member name that must not be followed: `..`, absolute, or a drive letter.
fn unsafe_member_name(name: &str) -> bool {
    name.starts_with('/')
        || name.starts_with('\\')
        || name.get(1..2) == Some(":")
        || name.split(['/', '\\']).any(|part| part == "..")
}

fn skipped_member(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.starts_with("__MACOSX/") || base.starts_with("._") || name.ends_with('/')
}

/// Reads the XML and CSV members of a zip held in memory. Returns the members and the names
/// of the other members, or why the whole archive is refused.
pub fn read_zip(
    archive_name: &str,
    disk_path: &Path,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Vec<InputFile>, Vec<String>), ArchiveRefused> {
    let refuse = |reason: String| ArchiveRefused {
        archive: archive_name.to_string(),
        reason,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| refuse(format!("ce n'est pas une archive zip lisible ({error})")))?;
    if archive.len() > limits.max_zip_entries {
        return Err(refuse(format!(
            "elle contient {} fichiers, plus que la limite de {} (la limite se change avec \
             --max-entrees-zip)",
            archive.len(),
            limits.max_zip_entries
        )));
    }
    let mut members = Vec::new();
    let mut others = Vec::new();
    let mut inflated_total: u64 = 0;
    for index in 0..archive.len() {
        // Without decrypting: `by_index` refuses an encrypted member with an English error
        // before its flag can be looked at.
        if let Ok(raw) = archive.by_index_raw(index)
            && raw.encrypted()
        {
            return Err(refuse(format!(
                "« {} » est chiffré (protégé par un mot de passe), ce que passerelle ne lit pas",
                raw.name().unwrap_or_default()
            )));
        }
        let mut member = archive.by_index(index).map_err(|error| {
            refuse(format!(
                "le fichier n°{} ne peut pas être lu ({error} ; archive chiffrée ou méthode de \
                 compression non prise en charge ?)",
                index + 1
            ))
        })?;
        let name = member
            .name()
            .map_err(|error| {
                refuse(format!(
                    "le nom du fichier n°{} est illisible ({error})",
                    index + 1
                ))
            })?
            .into_owned();
        if unsafe_member_name(&name) {
            return Err(refuse(format!(
                "elle contient un nom de fichier dangereux « {name} » (chemin absolu ou « .. »)"
            )));
        }
        if member.is_dir() || skipped_member(&name) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".csv")) {
            others.push(format!("{archive_name}!{name}"));
            continue;
        }
        let remaining = limits.max_zip_inflated.saturating_sub(inflated_total);
        // Refuse on the declared size first: a bomb is then refused without inflating
        // anything; a lying header is still caught by the bounded read below.
        if member.size() > remaining {
            return Err(refuse(format!(
                "« {name} » se décompresse en {} octets, au-delà de la limite de {} octets : \
                 archive piégée ou corrompue (la limite se change avec --max-taille-zip)",
                member.size(),
                limits.max_zip_inflated
            )));
        }
        let mut content = buffer_for(member.size());
        (&mut member)
            .take(remaining + 1)
            .read_to_end(&mut content)
            .map_err(|error| {
                refuse(format!(
                    "« {name} » ne peut pas être décompressé : archive corrompue ou piégée \
                     ({error})"
                ))
            })?;
        inflated_total += content.len() as u64;
        if inflated_total > limits.max_zip_inflated {
            return Err(refuse(format!(
                "son contenu décompressé dépasse la limite de {} octets : archive piégée ou \
                 corrompue (la limite se change avec --max-taille-zip)",
                limits.max_zip_inflated
            )));
        }
        members.push(InputFile {
            name: format!("{archive_name}!{name}"),
            disk_path: disk_path.to_path_buf(),
            bytes: content,
        });
    }
    Ok((members, others))
}

impl LoadedInputs {
    /// Adds what another load found.
    fn absorb(&mut self, other: LoadedInputs) {
        self.files.extend(other.files);
        self.ignored.extend(other.ignored);
        self.refused.extend(other.refused);
    }

    fn sort(&mut self) {
        self.files
            .sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        self.ignored.sort();
        self.refused.sort_by(|a, b| a.archive.cmp(&b.archive));
    }
}

/// The entries of a folder, sorted by name (byte order).
pub fn folder_entries(folder: &Path) -> Result<Vec<PathBuf>, InputError> {
    let unreadable = |source| InputError::Unreadable {
        path: folder.display().to_string(),
        source,
    };
    let mut entries = Vec::new();
    for entry in fs::read_dir(folder).map_err(unreadable)? {
        entries.push(entry.map_err(unreadable)?.path());
    }
    entries.sort_by(|a, b| display_name(a).as_bytes().cmp(display_name(b).as_bytes()));
    Ok(entries)
}

/// The files of one establishment, found but not read yet.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListedInputs {
    /// Files to read (plain files and zips), in the order found.
    pub files: Vec<PathBuf>,
    /// Files seen but not candidates (not `*.xml`, `*.zip`, `*.csv`), as display names.
    pub ignored: Vec<String>,
}

/// Lists the files given and the candidate files directly inside the folders given, without
/// reading them: a caller can then read them one at a time ([`load_file`]) rather than hold
/// every file in memory. A missing path is an error.
pub fn list_paths(paths: &[PathBuf]) -> Result<ListedInputs, InputError> {
    let mut listed = ListedInputs::default();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => InputError::NotFound {
                path: path.display().to_string(),
            },
            _ => InputError::Unreadable {
                path: path.display().to_string(),
                source,
            },
        })?;
        if !metadata.is_dir() {
            listed.files.push(path.clone());
            continue;
        }
        for entry in folder_entries(path)? {
            if entry.is_dir() {
                continue;
            }
            if is_candidate_name(&display_name(&entry)) {
                listed.files.push(entry);
            } else {
                listed.ignored.push(display_name(&entry));
            }
        }
    }
    Ok(listed)
}

/// Loads one file: a plain file is one input; a zip gives its XML and CSV members, or is
/// refused whole.
pub fn load_file(path: &Path, limits: &Limits) -> Result<LoadedInputs, InputError> {
    let mut loaded = LoadedInputs::default();
    let bytes = read_file(path, limits)?;
    let name = display_name(path);
    let named_zip = name.to_ascii_lowercase().ends_with(".zip");
    if is_zip_bytes(&bytes) || named_zip {
        match read_zip(&name, path, &bytes, limits) {
            Ok((members, others)) => {
                loaded.files = members;
                loaded.ignored = others;
            }
            Err(refused) => loaded.refused.push(refused),
        }
    } else {
        loaded.files.push(InputFile {
            name,
            disk_path: path.to_path_buf(),
            bytes,
        });
    }
    Ok(loaded)
}

/// Loads files, folders (their direct candidate files) and zips as the inputs of one
/// establishment. A missing or unreadable path is an error; a refused zip is reported in
/// [`LoadedInputs::refused`].
pub fn load_paths(paths: &[PathBuf], limits: &Limits) -> Result<LoadedInputs, InputError> {
    let listed = list_paths(paths)?;
    let mut loaded = LoadedInputs {
        ignored: listed.ignored,
        ..LoadedInputs::default()
    };
    for path in &listed.files {
        loaded.absorb(load_file(path, limits)?);
    }
    loaded.sort();
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_that_escape_are_unsafe() {
        assert!(unsafe_member_name("../etc/passwd"));
        assert!(unsafe_member_name("a/../../b.xml"));
        assert!(unsafe_member_name("/abs.xml"));
        assert!(unsafe_member_name("C:\\x.xml"));
        assert!(!unsafe_member_name("dossier/Eleves.xml"));
        assert!(!unsafe_member_name("a..b.xml"));
    }

    fn zip_of(name: &str, content: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(name, options).unwrap();
        writer.write_all(content).unwrap();
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn sizes_are_bounded_whether_declared_or_lied_about() {
        let limits = Limits {
            max_zip_inflated: 1000,
            ..Limits::default()
        };
        let honest = zip_of("a.xml", &[b' '; 4096]);
        let refused = read_zip("a.zip", Path::new("a.zip"), &honest, &limits).unwrap_err();
        assert!(
            refused.reason.contains("se décompresse en 4096 octets")
                && refused.reason.contains("--max-taille-zip"),
            "{refused}"
        );
        // The same member claiming 10 bytes in both headers: inflating stops at the lie.
        let mut lying = honest;
        for (signature, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let start = lying.windows(4).position(|w| w == signature).unwrap();
            lying[start + at..start + at + 4].copy_from_slice(&10u32.to_le_bytes());
        }
        let refused = read_zip("a.zip", Path::new("a.zip"), &lying, &limits).unwrap_err();
        assert!(
            refused.reason.contains("archive corrompue ou piégée"),
            "{refused}"
        );
    }

    #[test]
    fn an_encrypted_member_is_named() {
        let mut encrypted = zip_of("Eleves.xml", b"<A/>");
        for (signature, at) in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)] {
            let start = encrypted.windows(4).position(|w| w == signature).unwrap();
            encrypted[start + at] |= 1;
        }
        let refused =
            read_zip("a.zip", Path::new("a.zip"), &encrypted, &Limits::default()).unwrap_err();
        assert_eq!(
            refused.reason,
            "« Eleves.xml » est chiffré (protégé par un mot de passe), ce que passerelle ne lit pas"
        );
    }

    #[test]
    fn mac_resource_forks_are_skipped() {
        assert!(skipped_member("__MACOSX/._Eleves.xml"));
        assert!(skipped_member("._Eleves.xml"));
        assert!(!skipped_member("Eleves.xml"));
    }
}
