//! # passerelle-edt
//!
//! The EDT (Index Éducation) side of the synchronisations:
//!
//! - [`emp_sts`], format `edt-sts`: reads and writes EDT's services upload
//!   `emp_sts_<UAJ>_<ANNEE>.xml` (root `EDT_STS`, synchronisation 3);
//! - [`table`], format `edt-table`: reads EDT/PRONOTE list exports (`EXP_*.xml`,
//!   `EXP_*.csv`: students become group memberships, courses become courses) and writes the
//!   student list `EXP_ELEVE.xml`.
//!
//! Both register themselves with [`passerelle_core::register_format!`].

mod common;
pub mod emp_sts;
pub mod table;
