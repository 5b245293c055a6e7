//! Which database a test server uses. By default SQLite in the server's temporary data
//! directory. When `JEMPUT_TEST_DATABASE_URL` names a PostgreSQL server (an admin URL,
//! e.g. `postgres://postgres@127.0.0.1:5432/postgres`), every test server gets a fresh
//! database of its own there, dropped again when the test ends; `cargo xtask test` runs
//! the whole suite both ways.
//!
//! Included by both spawners (`support` and `common`) with `#[path]`.
#![allow(dead_code)]

use std::ffi::OsString;

/// The variable naming the PostgreSQL server to test against.
pub const TEST_DATABASE_URL: &str = "JEMPUT_TEST_DATABASE_URL";

/// A test server's database: nothing to do for SQLite; for PostgreSQL a database created
/// for this test and dropped when this value is.
pub struct TestDatabase {
    postgres: Option<Created>,
}

struct Created {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A fresh database on the backend the environment selects.
    pub fn create() -> TestDatabase {
        match std::env::var(TEST_DATABASE_URL)
            .ok()
            .filter(|url| !url.is_empty())
        {
            Some(admin_url) => TestDatabase::create_on(&admin_url),
            None => TestDatabase { postgres: None },
        }
    }

    /// A fresh database on the PostgreSQL server of `admin_url`, whatever the
    /// environment selects (the failover test's cluster).
    pub fn create_on(admin_url: &str) -> TestDatabase {
        let admin_url = admin_url.to_owned();
        let name = format!("jemput_test_{}", uuid::Uuid::new_v4().simple());
        run_sql(&admin_url, &format!("CREATE DATABASE {name}"));
        let url = with_database(&admin_url, &name);
        TestDatabase {
            postgres: Some(Created {
                admin_url,
                name,
                url,
            }),
        }
    }

    /// True when the tests run against PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The `postgres://` URL of this database, if PostgreSQL.
    pub fn url(&self) -> Option<&str> {
        self.postgres.as_ref().map(|p| p.url.as_str())
    }

    /// Runs `sql` (one or more statements) on this PostgreSQL database, as an operator
    /// with `psql` would. Panics on SQLite.
    pub fn execute(&self, sql: &str) {
        let created = self.postgres.as_ref().expect("a PostgreSQL test database");
        run_sql(&created.url, sql);
    }

    /// The arguments selecting this database on `jemput-server`'s command line (none for
    /// SQLite: `--data-dir` is enough).
    pub fn args(&self) -> Vec<OsString> {
        match &self.postgres {
            Some(created) => vec!["--database".into(), created.url.clone().into()],
            None => Vec::new(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(created) = &self.postgres {
            // FORCE: a killed server's connections may still be closing.
            run_sql(
                &created.admin_url,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", created.name),
            );
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (authority, tail) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash + 1..]),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |q| &tail[q..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Runs one statement on its own thread and runtime: callers may be sync code inside an
/// async test, where blocking on the test's runtime is not allowed.
fn run_sql(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("connecting to {TEST_DATABASE_URL}: {e}"));
            tokio::spawn(connection);
            client
                .batch_execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        });
    })
    .join()
    .expect("the database setup thread");
}
