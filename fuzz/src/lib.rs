//! What the fuzz targets share: each feeds bytes to a family of readers, to the detection or
//! to the zip layer, the way passerelle reads a file. A panic, a hang or an allocation
//! without bound is a finding; every `Err` is an answer.

use std::sync::OnceLock;

use passerelle_core::detect::{ProbedFile, detect, read_with};
use passerelle_core::format::{ReadOptions, Registry};
use passerelle_core::input::{InputFile, Limits, read_zip};

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| match passerelle_builtin::registry() {
        Ok(registry) => registry,
        Err(error) => panic!("the built-in registry: {error}"),
    })
}

fn input(name: &str, data: &[u8]) -> InputFile {
    InputFile {
        name: name.to_string(),
        disk_path: name.into(),
        bytes: data.to_vec(),
    }
}

/// Decodes and probes the bytes, then reads them with every format whose id starts with one
/// of `prefixes`, whatever detection would say.
pub fn read_as(prefixes: &[&str], data: &[u8]) {
    let probed = ProbedFile::new(&input("fuzz.xml", data));
    for format in registry()
        .iter()
        .filter(|format| format.can_read())
        .filter(|format| {
            prefixes
                .iter()
                .any(|prefix| format.id().starts_with(prefix))
        })
    {
        let _ = read_with(format, &probed, &ReadOptions::default());
    }
}

/// Detection, then the reader it chooses, as `passerelle detect` does.
pub fn detect_and_read(data: &[u8]) {
    for name in ["fuzz.xml", "fuzz.csv", "sts_emp_fuzz.xml"] {
        let probed = ProbedFile::new(&input(name, data));
        if let Ok(format) = detect(registry(), &probed) {
            let _ = read_with(format, &probed, &ReadOptions::default());
        }
    }
}

/// The zip layer with small limits, then detection and reading of every member.
pub fn open_zip(data: &[u8]) {
    let limits = Limits {
        max_file_size: 1 << 20,
        max_zip_inflated: 8 << 20,
        max_zip_entries: 64,
    };
    if let Ok((members, _)) = read_zip("fuzz.zip", "fuzz.zip".as_ref(), data, &limits) {
        for member in members {
            detect_and_read(&member.bytes);
        }
    }
}
