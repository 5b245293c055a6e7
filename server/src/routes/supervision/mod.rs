//! The supervisors' and admins' screens over their scope: the overview, the yearly
//! targets, the duplicates queue and the live events that tell those screens to reload.
//! Every route here takes the `auth::SupervisorScope` extractor (or, for the events'
//! token in the query string, checks the same rule through `SupervisorScope::of`).

pub mod duplicates;
pub mod events;
mod outcomes;
pub mod overview;
pub mod targets;
