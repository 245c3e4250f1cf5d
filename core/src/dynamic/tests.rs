//! The ABI exercised in-process: the plugin side built by `guest::describe` is called through
//! its `extern "C"` pointers by the host side, as after a `dlopen` (which the integration
//! tests do with real libraries).

use super::*;
use crate::diagnostics::{Diagnostic, Severity};
use crate::format::score;
use crate::xml::probe_root;

/// A format answering after the root of the text it is given: `<ECHO UAJ="…"/>` is read,
/// `<REFUS/>` refused, `<PANIQUE/>` panics, `<OHCE/>` is "another format".
struct Echo;

impl Format for Echo {
    fn id(&self) -> &str {
        "test-echo"
    }

    fn version(&self) -> &str {
        "2.0"
    }

    fn description(&self) -> &str {
        "Format d'essai"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        match probe.root.map(|root| root.name.as_str()) {
            Some("ECHO" | "REFUS" | "PANIQUE") => score::SURE,
            _ if probe.base_name == "echo.txt" => score::WEAK,
            Some("SNIFF_PANIQUE") => panic!("flair en panne"),
            _ => score::NO,
        }
    }

    fn mismatch(&self, probe: &Probe<'_>) -> Option<String> {
        match probe.root.map(|root| root.name.as_str()) {
            Some("OHCE") => Some(format!("« {} » est un fichier OHCE", probe.file_name)),
            Some("MISMATCH_PANIQUE") => panic!("examen en panne"),
            _ => None,
        }
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        let root = probe_root(input.text);
        match root.as_ref().map(|root| root.name.as_str()) {
            Some("REFUS") => Err(FormatError::Invalid {
                file: input.file_name.to_string(),
                line: Some(1),
                message: "ce fichier est refusé".to_string(),
            }),
            Some("PANIQUE") => panic!("lecture impossible"),
            _ => {
                let mut dataset = Dataset::default();
                dataset.establishment.uaj = root
                    .as_ref()
                    .and_then(|root| root.attr("UAJ"))
                    .unwrap_or_default()
                    .to_string();
                let remark = format!(
                    "lu {} ({}) avec {:?}",
                    input.base_name, input.file_name, input.options.params
                );
                Ok(ReadOutput {
                    dataset,
                    diagnostics: vec![
                        Diagnostic::new("ESSAI", Severity::Info, remark).in_file(input.file_name),
                    ],
                })
            }
        }
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        match dataset.establishment.uaj.as_str() {
            "PANIQUE" => panic!("écriture impossible"),
            "" => Err(FormatError::MissingData("pas d'UAJ".to_string())),
            uaj => Ok(vec![
                OutputFile {
                    name: format!("{uaj}.xml"),
                    bytes: format!("<ECHO UAJ=\"{uaj}\"/>").into_bytes(),
                },
                OutputFile {
                    name: options.target_name.clone().unwrap_or_default(),
                    bytes: vec![0, 159, 255],
                },
            ]),
        }
    }
}

static ECHO: Echo = Echo;
static FORMATS: [&dyn Format; 1] = [&ECHO];

/// The test plugin's descriptor (built once: a plugin has one format table).
fn plugin() -> &'static RawPlugin {
    let descriptor = guest::describe("essai", "0.1.0", &FORMATS, ABI_VERSION, MODEL_VERSION);
    assert!(!descriptor.is_null());
    // SAFETY: non-null, built and leaked for ever by `describe`.
    unsafe { &*descriptor }
}

fn echo() -> &'static dyn Format {
    let formats = formats_of(plugin(), Path::new("/plugins/libessai.so"), "libessai.so").unwrap();
    assert_eq!(formats.len(), 1);
    formats[0]
}

fn probe_of<'a>(name: &'a str, text: &'a str, root: Option<&'a crate::xml::StartTag>) -> Probe<'a> {
    Probe {
        file_name: name,
        base_name: name.rsplit(['!', '/']).next().unwrap_or(name),
        text,
        root,
    }
}

fn read(text: &str) -> Result<ReadOutput, FormatError> {
    let mut options = ReadOptions::default();
    options.params.insert("cle".into(), "valeur".into());
    echo().read(&ReadInput {
        file_name: "archive.zip!dossier/a.xml",
        base_name: "a.xml",
        text,
        options: &options,
    })
}

#[test]
fn the_descriptor_is_built_once_and_describes_the_formats() {
    let first = guest::describe("essai", "0.1.0", &FORMATS, ABI_VERSION, MODEL_VERSION);
    let second = guest::describe("autre", "9", &FORMATS, 7, 7);
    assert_eq!(first, second);
    let format = echo();
    assert_eq!(
        (format.id(), format.version(), format.description()),
        ("test-echo", "2.0", "Format d'essai")
    );
    assert!(format.can_read() && format.can_write());
    assert_eq!(
        format.origin(),
        Origin::Dynamic(PathBuf::from("/plugins/libessai.so"))
    );
}

#[test]
fn sniff_and_mismatch_see_the_hosts_probe() {
    let format = echo();
    let text = "<?xml version=\"1.0\"?>\n<ECHO UAJ=\"0999999Z\"/>";
    let root = probe_root(text);
    assert_eq!(
        format.sniff(&probe_of("a.xml", text, root.as_ref())),
        score::SURE
    );
    assert_eq!(
        format.sniff(&probe_of("x.zip!echo.txt", "bonjour", None)),
        score::WEAK
    );
    assert_eq!(
        format.sniff(&probe_of("b.xml", "<AUTRE/>", None)),
        score::NO
    );
    let text = "<OHCE/>";
    let root = probe_root(text);
    assert_eq!(
        format.mismatch(&probe_of("o.xml", text, root.as_ref())),
        Some("« o.xml » est un fichier OHCE".to_string())
    );
    assert_eq!(format.mismatch(&probe_of("b.xml", "<AUTRE/>", None)), None);
}

#[test]
fn a_panicking_sniff_or_mismatch_is_a_no() {
    let format = echo();
    let text = "<SNIFF_PANIQUE/>";
    assert_eq!(format.sniff(&probe_of("p.xml", text, None)), score::NO);
    let text = "<MISMATCH_PANIQUE/>";
    assert_eq!(format.mismatch(&probe_of("p.xml", text, None)), None);
}

#[test]
fn a_read_crosses_as_canonical_json_with_its_diagnostics() {
    let output = read("<ECHO UAJ=\"0999999Z\"/>").unwrap();
    assert_eq!(output.dataset.establishment.uaj, "0999999Z");
    assert_eq!(output.diagnostics.len(), 1);
    assert_eq!(output.diagnostics[0].code, "ESSAI");
    assert!(
        output.diagnostics[0]
            .message
            .contains("lu a.xml (archive.zip!dossier/a.xml) avec {\"cle\": \"valeur\"}"),
        "{}",
        output.diagnostics[0].message
    );
}

#[test]
fn a_refusal_keeps_the_formats_own_message() {
    let error = read("<REFUS/>").unwrap_err();
    assert_eq!(
        error.to_string(),
        "archive.zip!dossier/a.xml, ligne 1 : ce fichier est refusé"
    );
}

#[test]
fn a_panicking_reader_is_an_error_naming_the_plugin_and_the_file() {
    let message = read("<PANIQUE/>").unwrap_err().to_string();
    assert!(
        message.starts_with(
            "le plugin « /plugins/libessai.so » a planté en lisant « archive.zip!dossier/a.xml » \
             (format test-echo) : lecture impossible (core/src/dynamic/tests.rs:"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("le fichier n'a pas été lu, signalez ce défaut à l'auteur du plugin"),
        "{message}"
    );
    // The plugin still works afterwards.
    assert!(read("<ECHO UAJ=\"1\"/>").is_ok());
}

#[test]
fn a_write_crosses_as_framed_files() {
    let mut dataset = Dataset::default();
    dataset.establishment.uaj = "0999999Z".to_string();
    let options = WriteOptions {
        target_name: Some("sortie.bin".to_string()),
        ..WriteOptions::default()
    };
    let outputs = echo().write(&dataset, &options).unwrap();
    assert_eq!(
        outputs,
        vec![
            OutputFile {
                name: "0999999Z.xml".into(),
                bytes: b"<ECHO UAJ=\"0999999Z\"/>".to_vec(),
            },
            OutputFile {
                name: "sortie.bin".into(),
                bytes: vec![0, 159, 255],
            },
        ]
    );
    let error = echo()
        .write(&Dataset::default(), &options)
        .unwrap_err()
        .to_string();
    assert_eq!(error, "pas d'UAJ");
    dataset.establishment.uaj = "PANIQUE".to_string();
    let error = echo().write(&dataset, &options).unwrap_err().to_string();
    assert!(
        error.contains("a planté en écrivant (format test-echo) : écriture impossible")
            && error.contains("rien n'a été écrit"),
        "{error}"
    );
}

fn with_versions(abi_version: u32, model_version: u32) -> &'static RawPlugin {
    let plugin = plugin();
    Box::leak(Box::new(RawPlugin {
        abi_version,
        model_version,
        name: plugin.name,
        version: plugin.version,
        formats: plugin.formats,
        format_count: plugin.format_count,
        sniff: plugin.sniff,
        mismatch: plugin.mismatch,
        read: plugin.read,
        write: plugin.write,
        free: plugin.free,
    }))
}

#[test]
fn a_descriptor_contradicting_the_exported_versions_is_refused() {
    for plugin in [
        with_versions(ABI_VERSION + 1, MODEL_VERSION),
        with_versions(ABI_VERSION, MODEL_VERSION + 1),
    ] {
        let error = formats_of(plugin, Path::new("/p/libx.so"), "libx.so")
            .err()
            .unwrap();
        assert!(
            matches!(error, PluginError::BadDescriptor { .. }),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .starts_with("« libx.so » a renvoyé une description invalide")
        );
    }
}

#[test]
fn a_dynamic_format_replaces_only_an_older_version() {
    struct Builtin(&'static str);
    impl Format for Builtin {
        fn id(&self) -> &str {
            "test-echo"
        }
        fn version(&self) -> &str {
            self.0
        }
        fn description(&self) -> &str {
            "intégré"
        }
        fn sniff(&self, _probe: &Probe<'_>) -> u8 {
            score::NO
        }
        fn can_read(&self) -> bool {
            false
        }
        fn can_write(&self) -> bool {
            false
        }
    }
    static OLDER: Builtin = Builtin("1.9");
    static SAME: Builtin = Builtin("2.0");
    let file = PathBuf::from("libessai.so");

    let mut registry = Registry::default();
    registry.add(&OLDER).unwrap();
    add_formats(&mut registry, vec![echo()], &file).unwrap();
    assert_eq!(registry.get("test-echo").unwrap().version(), "2.0");
    assert_eq!(registry.ids(), vec!["test-echo"]);

    let mut registry = Registry::default();
    registry.add(&SAME).unwrap();
    let error = add_formats(&mut registry, vec![echo()], &file)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        error,
        "le plugin « libessai.so » fournit le format « test-echo » en version 2.0, mais \
         passerelle le connaît déjà en version 2.0 (format intégré) : un plugin ne peut \
         remplacer qu'une version plus ancienne"
    );
    assert_eq!(registry.get("test-echo").unwrap().description(), "intégré");
}

#[test]
fn outputs_survive_framing() {
    let outputs = vec![
        OutputFile {
            name: "a.xml".into(),
            bytes: b"<A/>".to_vec(),
        },
        OutputFile {
            name: "vide.zip".into(),
            bytes: Vec::new(),
        },
    ];
    let framed = frame(&outputs);
    assert_eq!(
        unframe(&framed),
        Some(vec![("a.xml", &b"<A/>"[..]), ("vide.zip", &[][..])])
    );
    assert_eq!(unframe(&[1, 0, 0]), None);
    assert_eq!(unframe(&[1, 0, 0, 0, b'a', 9, 0, 0, 0, 0, 0, 0, 0]), None);
}

#[test]
fn versions_compare_numerically() {
    assert!(newer_version("4.0", "3.0"));
    assert!(newer_version("4.0", "3.10"));
    assert!(newer_version("3.10", "3.9"));
    assert!(newer_version("3.0.1", "3"));
    assert!(!newer_version("3.0", "3.0"));
    assert!(!newer_version("3.0", "3"));
    assert!(!newer_version("3", "3.0"));
    assert!(!newer_version("2.1", "3.0"));
}

fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("passerelle-dyn-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

#[test]
fn a_file_that_is_not_a_library_is_refused_in_one_sentence() {
    let folder = scratch("faux");
    let fake = folder.join("libfaux.so");
    std::fs::write(&fake, b"pas une bibliotheque").unwrap();
    let error = load_library(&fake).err().unwrap();
    assert!(matches!(error, PluginError::NotALibrary { .. }), "{error}");
    let message = error.to_string();
    assert_eq!(message.matches("libfaux.so").count(), 1, "{message}");
    // The system's reason, not libloading's generic "dlopen failed".
    assert!(!message.contains("failed"), "{message}");
    let missing = load_library(&folder.join("absent.so")).err().unwrap();
    assert!(matches!(missing, PluginError::NotFound(_)));
    let folder_error = load_library(&folder).err().unwrap();
    assert!(matches!(folder_error, PluginError::Folder(_)));
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn plugin_path_lists_files_and_folders() {
    let folder = scratch("path");
    let extension = std::env::consts::DLL_EXTENSION;
    let second = folder.join(format!("libb.{extension}"));
    let first = folder.join(format!("liba.{extension}"));
    std::fs::write(&second, b"").unwrap();
    std::fs::write(&first, b"").unwrap();
    std::fs::write(folder.join("LISEZMOI.txt"), b"").unwrap();
    std::fs::create_dir_all(folder.join(format!("dossier.{extension}"))).unwrap();
    let value =
        std::env::join_paths([folder.clone(), PathBuf::new(), PathBuf::from("/x/autre.so")])
            .unwrap();
    let files = plugin_files(&[PathBuf::from("explicite.so")], Some(&value)).unwrap();
    assert_eq!(
        files,
        vec![
            PathBuf::from("explicite.so"),
            first,
            second,
            PathBuf::from("/x/autre.so")
        ]
    );
    assert_eq!(plugin_files(&[], None).unwrap(), Vec::<PathBuf>::new());
    std::fs::remove_dir_all(&folder).unwrap();
}
