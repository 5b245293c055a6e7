//! One registration and the supervisors' views of many: the table
//! (`GET /api/registrations`), the exports, reading and reviewing one record, its
//! history, its handover to another officer and a supervisor's follow-up step.

pub mod export;
pub mod follow_ups;
pub mod handover;
pub mod history;
pub mod review;
pub mod table;
