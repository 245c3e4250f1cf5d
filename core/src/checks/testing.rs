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

/// A division with MEFs.
pub fn division(code: &str, mefs: &[&str]) -> Division {
    Division {
        code: code.into(),
        mefs: mefs
            .iter()
            .map(|mef| MefAttachment {
                code: (*mef).into(),
                ..MefAttachment::default()
            })
            .collect(),
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
        mefs: mefs
            .iter()
            .map(|mef| MefAttachment {
                code: (*mef).into(),
                ..MefAttachment::default()
            })
            .collect(),
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
