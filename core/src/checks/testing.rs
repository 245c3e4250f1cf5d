//! Small builders for the rules' unit tests: datasets made in Rust, no reader involved.

use chrono::NaiveDate;

use super::FileRef;
use crate::diagnostics::{Diagnostic, Objet};
use crate::model::{
    Dataset, Division, DivisionAttachment, FileInfo, Group, MefAttachment, Service, ServiceTeacher,
    Source, StaffMember, StructureKind, StructureRef, Student, Subject,
};

/// A file of a format, for the rules.
pub fn file<'a>(name: &'a str, format: &'a str, dataset: &'a Dataset) -> FileRef<'a> {
    FileRef {
        name,
        format,
        dataset,
    }
}

/// A dataset read from `name`, whose envelope declares this UAJ and year.
pub fn fragment(name: &str, format: &str, uaj: &str, annee: Option<i32>) -> Dataset {
    let mut dataset = Dataset::new(uaj, annee);
    dataset.files.push(FileInfo {
        fichier: name.into(),
        format: format.into(),
        uaj: (!uaj.is_empty()).then(|| uaj.to_string()),
        annee,
        ..FileInfo::default()
    });
    dataset
}

/// A date.
pub fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid test date")
}

fn mef_attachments(mefs: &[&str]) -> Vec<MefAttachment> {
    mefs.iter()
        .map(|mef| MefAttachment {
            code: (*mef).into(),
            ..MefAttachment::default()
        })
        .collect()
}

/// A division with MEFs.
pub fn division(code: &str, mefs: &[&str]) -> Division {
    Division {
        code: code.into(),
        mefs: mef_attachments(mefs),
        source: Source::new("test.xml", Some(10)),
        ..Division::default()
    }
}

/// A group drawing from divisions and MEFs.
pub fn group(code: &str, divisions: &[&str], mefs: &[&str]) -> Group {
    Group {
        code: code.into(),
        divisions: divisions
            .iter()
            .map(|division| DivisionAttachment {
                code: (*division).into(),
                ..DivisionAttachment::default()
            })
            .collect(),
        mefs: mef_attachments(mefs),
        source: Source::new("test.xml", Some(20)),
        ..Group::default()
    }
}

/// A service of a subject to a division or group, by these teachers.
pub fn service(kind: StructureKind, structure: &str, subject: &str, teachers: &[&str]) -> Service {
    Service {
        structure: StructureRef {
            kind,
            code: structure.into(),
        },
        subject: subject.into(),
        course_mode: Some("CG".into()),
        teachers: teachers
            .iter()
            .map(|id| ServiceTeacher {
                id: (*id).into(),
                ..ServiceTeacher::default()
            })
            .collect(),
        source: Source::new("test.xml", Some(30)),
        ..Service::default()
    }
}

/// A staff member with a function.
pub fn staff(id: &str, function: Option<&str>) -> StaffMember {
    StaffMember {
        id: id.into(),
        usage_name: Some("EXEMPLE".into()),
        first_name: Some("Anne".into()),
        function: function.map(str::to_string),
        source: Source::new("test.xml", Some(40)),
        ..StaffMember::default()
    }
}

/// A subject.
pub fn subject(code: &str) -> Subject {
    Subject {
        code: code.into(),
        ..Subject::default()
    }
}

/// A present student of a division, with an INE and a MEF.
pub fn student(id: &str, ine: Option<&str>, division: Option<&str>) -> Student {
    Student {
        eleve_id: id.into(),
        ine: ine.map(str::to_string),
        family_name: Some("EXEMPLE".into()),
        first_name: Some(format!("Élève{id}")),
        birth_date: Some(day(2012, 3, 15)),
        mef: Some("10310019110".into()),
        division: division.map(str::to_string),
        source: Source::new("ElevesSansAdresses.xml", Some(50)),
        ..Student::default()
    }
}

/// The `(code, objet)` pairs found, in order.
pub fn found(diagnostics: &[Diagnostic]) -> Vec<(String, Objet)> {
    diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.clone(), diagnostic.objet.clone()))
        .collect()
}

/// The codes found, in order.
pub fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code.as_str())
        .collect()
}

/// A stand-in for a real format plugin, for pipeline tests: the file is a real envelope
/// (root, `PARAMETRES` with `UAJ` and `ANNEE_SCOLAIRE` as text, `DONNEES`) whose `DONNEES`
/// holds the dataset as passerelle JSON. Recognised by its root element.
pub struct FakeFormat {
    /// Format id it stands for.
    pub id: &'static str,
    /// Root element.
    pub root: &'static str,
    /// Zip name without extension, when the format is zipped (`{uaj}`, `{annee}` replaced).
    pub zip: Option<&'static str>,
    /// File (or member) name (`{uaj}`, `{annee}` replaced).
    pub member: &'static str,
}

/// The fake formats, one per format the checks know.
pub static FAKE_FORMATS: [FakeFormat; 8] = [
    FakeFormat {
        id: "sts-emp",
        root: "STS_EDT",
        zip: None,
        member: "sts_emp_{uaj}_{annee}.xml",
    },
    FakeFormat {
        id: "edt-sts",
        root: "EDT_STS",
        zip: None,
        member: "emp_sts_{uaj}_{annee}.xml",
    },
    FakeFormat {
        id: "siecle-eleves",
        root: "BEE_ELEVES",
        zip: Some("ExportXML_ElevesSansAdresses"),
        member: "ElevesSansAdresses.xml",
    },
    FakeFormat {
        id: "siecle-structures",
        root: "BEE_STRUCTURES",
        zip: Some("ExportXML_Structures"),
        member: "Structures.xml",
    },
    FakeFormat {
        id: "siecle-communs",
        root: "BEE_COMMUN",
        zip: Some("ExportXML_Communs"),
        member: "Communs.xml",
    },
    FakeFormat {
        id: "siecle-responsables",
        root: "BEE_RESPONSABLES",
        zip: Some("ExportXML_ResponsablesAvecAdresses"),
        member: "ResponsablesAvecAdresses.xml",
    },
    FakeFormat {
        id: "siecle-nomenclatures",
        root: "BEE_NOMENCLATURES",
        zip: Some("ExportXML_Nomenclature"),
        member: "Nomenclature.xml",
    },
    FakeFormat {
        id: "pronote-liens",
        root: "IMPORT_ELEVES",
        zip: Some("{uaj}ELEGROUPE{annee}{horodatage}"),
        member: "{uaj}ELEGROUPE{annee}{horodatage}.xml",
    },
];

/// A registry of the fake formats and the JSON format.
pub fn fake_registry() -> crate::format::Registry {
    static JSON: crate::json_format::JsonFormat = crate::json_format::JsonFormat;
    let mut registry = crate::format::Registry::default();
    for format in &FAKE_FORMATS {
        registry.add(format).expect("distinct fake ids");
    }
    registry.add(&JSON).expect("json once");
    registry
}

impl FakeFormat {
    fn name(
        &self,
        pattern: &str,
        dataset: &Dataset,
        options: &crate::format::WriteOptions,
    ) -> String {
        let stamp = options
            .timestamp
            .map(|time| time.format("%y%m%d%H%M%S").to_string())
            .unwrap_or_default();
        pattern
            .replace("{uaj}", dataset.establishment.uaj.trim())
            .replace(
                "{annee}",
                &dataset
                    .school_year
                    .millesime
                    .map(|year| year.to_string())
                    .unwrap_or_default(),
            )
            .replace("{horodatage}", &stamp)
    }
}

impl crate::format::Format for FakeFormat {
    fn id(&self) -> &str {
        self.id
    }

    fn version(&self) -> &str {
        "1.0"
    }

    fn description(&self) -> &str {
        "format de test"
    }

    fn sniff(&self, probe: &crate::format::Probe<'_>) -> u8 {
        match probe.root {
            Some(root) if root.name == self.root => crate::format::score::SURE,
            _ => crate::format::score::NO,
        }
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(
        &self,
        input: &crate::format::ReadInput<'_>,
    ) -> Result<crate::format::ReadOutput, crate::format::FormatError> {
        let mut stream = input.xml_stream();
        let root = stream.root()?;
        let mut uaj = None;
        let mut annee = None;
        let mut dataset = None;
        while let Some(tag) = stream.next_child()? {
            let node = stream.read_node(tag)?;
            match node.name.as_str() {
                "PARAMETRES" => {
                    uaj = node.child_value("UAJ");
                    annee = node
                        .child_value("ANNEE_SCOLAIRE")
                        .and_then(|year| year.parse::<i32>().ok());
                }
                "DONNEES" => {
                    dataset = Some(crate::json_format::from_json(&node.text, input.file_name)?);
                }
                _ => {}
            }
        }
        stream.finish()?;
        let version = root.attr("VERSION").unwrap_or_default();
        let diagnostics = if version == "1.0" {
            Vec::new()
        } else {
            vec![Diagnostic::new(
                crate::diagnostics::codes::VERSION_INCONNUE,
                crate::Severity::Warning,
                format!("version {version} inconnue"),
            )]
        };
        let mut dataset = dataset.unwrap_or_default();
        dataset.files = vec![FileInfo {
            fichier: input.file_name.to_string(),
            format: self.id.to_string(),
            version: root.attr("VERSION").map(str::to_string),
            uaj: uaj.clone(),
            annee,
            ..FileInfo::default()
        }];
        dataset.establishment.uaj = uaj.unwrap_or_default();
        dataset.school_year.millesime = annee;
        Ok(crate::format::ReadOutput {
            dataset,
            diagnostics,
        })
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &crate::format::WriteOptions,
    ) -> Result<Vec<crate::format::OutputFile>, crate::format::FormatError> {
        let mut writer = crate::xml::XmlWriter::with_declaration("ISO-8859-15");
        writer.open(self.root, &[("VERSION", "1.0")]);
        writer.open("PARAMETRES", &[]);
        writer.leaf("UAJ", dataset.establishment.uaj.trim());
        if let Some(year) = dataset.school_year.millesime {
            writer.leaf("ANNEE_SCOLAIRE", &year.to_string());
        }
        writer.close();
        writer.leaf("DONNEES", &crate::json_format::to_json(dataset));
        writer.close();
        let bytes = writer.finish_latin9();
        let member = self.name(self.member, dataset, options);
        let output = match self.zip {
            None => crate::format::OutputFile {
                name: member,
                bytes,
            },
            Some(zip) => crate::format::OutputFile {
                name: format!("{}.zip", self.name(zip, dataset, options)),
                bytes: crate::output::zip_single(
                    &member,
                    &bytes,
                    options.timestamp.unwrap_or_default(),
                )
                .map_err(|error| crate::format::FormatError::MissingData(error.to_string()))?,
            },
        };
        Ok(vec![output])
    }
}

/// Writes a dataset with a fake format into a folder; returns the names written.
pub fn write_fake(folder: &std::path::Path, format: &str, dataset: &Dataset) -> Vec<String> {
    let format = FAKE_FORMATS
        .iter()
        .find(|fake| fake.id == format)
        .expect("a fake format");
    let options = crate::format::WriteOptions {
        timestamp: Some(crate::demo::demo_timestamp(dataset)),
        ..crate::format::WriteOptions::default()
    };
    let outputs = crate::format::Format::write(format, dataset, &options).expect("fake writer");
    outputs
        .into_iter()
        .map(|output| {
            std::fs::write(folder.join(&output.name), &output.bytes).expect("temporary folder");
            output.name
        })
        .collect()
}
