//! One registration and the supervisors' views of many: the table
//! (`GET /api/registrations`), the exports, reading and reviewing one record, its
//! history and its handover to another officer.

pub mod export;
pub mod handover;
pub mod history;
pub mod review;
pub mod table;
