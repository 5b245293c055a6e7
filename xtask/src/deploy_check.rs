//! `cargo xtask deploy-check`: runs every command of `docs/deploy.md`, in order, as the
//! page says — the ```` ```sh build ```` blocks here, in the source tree, the
//! ```` ```sh server ```` blocks as root on a throwaway Debian machine with systemd
//! (`machine.rs`) — and then checks that what they set up works: the service runs as its
//! own user in its sandbox, Caddy answers HTTPS with HSTS and passes requests on, the
//! admin created on the page signs in through it.
//!
//! The only changes to the page's commands: the example domain becomes `localhost`
//! (Caddy then signs with its own local authority instead of asking Let's Encrypt, and
//! curl is told to trust that), and the archive is copied into the machine where the page
//! says to copy it by hand. Caddy is installed on this machine first (by package name), so
//! the page's `apt-get install caddy` finds it in the machine without a network.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, ensure, Context};

use crate::machine::Machine;
use crate::{apt, workspace_root};

/// The page, from the workspace root.
const PAGE: &str = "docs/deploy.md";
/// The domain the page uses, and what the check puts in its place.
const EXAMPLE_DOMAIN: &str = "jemput.example.go.id";
const TEST_DOMAIN: &str = "localhost";
/// The admin's password, typed where the page asks for it.
const ADMIN_PASSWORD: &str = "kopi-tubruk-di-pagi-buta-17";
/// Caddy's own authority, which signs `localhost` (in the caddy user's home).
const CADDY_ROOT_CA: &str = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt";
/// Units of this machine's own that the throwaway one need not start.
const MASKED: &[&str] = &["postgresql.service", "postgresql@.service", "cron.service"];

/// Where a block of the page runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    /// The build machine: the source tree.
    Build,
    /// The server, as root.
    Server,
}

#[derive(Debug)]
struct Block {
    host: Host,
    /// The line of the page the block starts on, for messages.
    line: usize,
    script: String,
}

pub fn run() -> anyhow::Result<()> {
    let page = std::fs::read_to_string(workspace_root().join(PAGE))
        .with_context(|| format!("reading {PAGE}"))?;
    let blocks = blocks(&page)?;
    ensure!(
        blocks.iter().any(|block| block.host == Host::Build)
            && blocks.iter().any(|block| block.host == Host::Server),
        "{PAGE} has no build or no server commands"
    );
    apt::ensure("Caddy", &["/usr/bin/caddy"], &["caddy"])?;

    let mut server_blocks = Vec::new();
    let mut archive = None;
    for block in blocks {
        match block.host {
            Host::Build => {
                println!("deploy-check: {PAGE}:{} on the build machine", block.line);
                let output = crate::succeeded(
                    Command::new("bash")
                        .args(["-euo", "pipefail", "-c", &block.script])
                        .current_dir(workspace_root()),
                    &format!("{PAGE}:{}", block.line),
                )?;
                archive = String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .rev()
                    .find(|line| line.ends_with(".tar.gz"))
                    .map(PathBuf::from)
                    .or(archive);
            }
            Host::Server => server_blocks.push(block),
        }
    }
    let archive = archive.context("the build commands printed no archive (…tar.gz)")?;

    println!("deploy-check: booting a throwaway Debian machine");
    let machine = Machine::boot(MASKED)?;
    let file_name = archive.file_name().context("archive without a name")?;
    std::fs::copy(&archive, machine.root().join("root").join(file_name))
        .context("copying the archive into the machine")?;

    let env = [("CURL_CA_BUNDLE", CADDY_ROOT_CA)];
    for block in &server_blocks {
        println!("deploy-check: {PAGE}:{} on the server", block.line);
        let script = block.script.replace(EXAMPLE_DOMAIN, TEST_DOMAIN);
        let output = machine.run_with(&script, Some(&format!("{ADMIN_PASSWORD}\n")), &env)?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        if !output.status.success() {
            let journal = machine.run("journalctl -u jemput -u caddy -n 80 --no-pager", None)?;
            bail!(
                "{PAGE}:{} failed ({}):\n{}\n--- journal ---\n{}",
                block.line,
                output.status,
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&journal.stdout)
            );
        }
    }
    check_result(&machine)?;
    println!("deploy-check: every command of {PAGE} ran, and the result works");
    Ok(())
}

/// What the page promises, beyond its own checks.
fn check_result(machine: &Machine) -> anyhow::Result<()> {
    let expect = |script: &str, what: &str| -> anyhow::Result<String> {
        let output = machine.run_with(script, None, &[("CURL_CA_BUNDLE", CADDY_ROOT_CA)])?;
        ensure!(
            output.status.success(),
            "{what}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let user = expect(
        "ps -o user= -C jemput-server",
        "the server should be running",
    )?;
    ensure!(
        user == "jemput",
        "the server runs as {user:?}, not as jemput"
    );
    // The admin created on the page signs in through Caddy.
    let login = expect(
        &format!(
            "curl -fsS -H 'content-type: application/json' \
             -d '{{\"username\":\"admin\",\"password\":\"{ADMIN_PASSWORD}\"}}' \
             https://{TEST_DOMAIN}/api/auth/login"
        ),
        "the admin should sign in through Caddy",
    )?;
    ensure!(login.contains("token"), "the login answered {login}");
    // Plain HTTP is sent to HTTPS.
    let redirect = expect(
        &format!(
            "curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' http://{TEST_DOMAIN}/"
        ),
        "plain HTTP should answer",
    )?;
    ensure!(
        redirect.starts_with("308 https://") || redirect.starts_with("301 https://"),
        "plain HTTP answered {redirect}"
    );
    // The daily backup directory holds the page's backups, and the database is the
    // service user's alone.
    let listing = expect("ls /var/lib/jemput/backups", "the backups should be there")?;
    ensure!(
        listing.contains("before-upgrade.sqlite3") && listing.contains("by-hand.sqlite3"),
        "backups: {listing}"
    );
    let mode = expect(
        "stat -c '%U %a' /var/lib/jemput /var/lib/jemput/* /var/lib/jemput/backups/*",
        "the data should be there",
    )?;
    // Owner "jemput", and nothing for the group or others (mode ends in 00).
    let open_to_others = mode
        .lines()
        .filter(|line| !(line.starts_with("jemput ") && line.ends_with("00")))
        .collect::<Vec<_>>();
    ensure!(
        open_to_others.is_empty(),
        "data open to others (owner, mode): {open_to_others:?}"
    );
    Ok(())
}

/// The page's ```` ```sh build ```` and ```` ```sh server ```` blocks, in order. Any
/// other fenced block tagged `sh` is an error: every command on the page must say where
/// it runs.
fn blocks(page: &str) -> anyhow::Result<Vec<Block>> {
    /// Where the reader is: outside code, in a command block, in another block (a table,
    /// a configuration excerpt), which is skipped.
    enum Inside {
        Text,
        Commands(Block),
        Other,
    }
    let mut blocks = Vec::new();
    let mut inside = Inside::Text;
    for (index, line) in page.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        inside = match inside {
            Inside::Commands(block) if fence => {
                blocks.push(block);
                Inside::Text
            }
            Inside::Commands(mut block) => {
                block.script.push_str(line);
                block.script.push('\n');
                Inside::Commands(block)
            }
            Inside::Other if fence => Inside::Text,
            Inside::Other => Inside::Other,
            Inside::Text if fence => {
                let info: Vec<&str> = line
                    .trim_start()
                    .trim_start_matches('`')
                    .split_whitespace()
                    .collect();
                let host = match info.as_slice() {
                    ["sh", "build"] => Some(Host::Build),
                    ["sh", "server"] => Some(Host::Server),
                    ["sh" | "bash" | "shell" | "console", ..] => {
                        bail!(
                            "{PAGE}:{}: say where it runs: ```sh build or ```sh server",
                            index + 1
                        )
                    }
                    _ => None,
                };
                match host {
                    Some(host) => Inside::Commands(Block {
                        host,
                        line: index + 1,
                        script: String::new(),
                    }),
                    None => Inside::Other,
                }
            }
            Inside::Text => Inside::Text,
        };
    }
    ensure!(
        matches!(inside, Inside::Text),
        "{PAGE}: a code block is not closed"
    );
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blocks_say_where_they_run() {
        let page = "text\n```sh build\nmake\n```\n```toml\nx = 1\n```\n```sh server\na\nb\n```\n";
        let blocks = blocks(page).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            (blocks[0].host, blocks[0].script.as_str()),
            (Host::Build, "make\n")
        );
        assert_eq!(
            (blocks[1].host, blocks[1].script.as_str(), blocks[1].line),
            (Host::Server, "a\nb\n", 8)
        );
        assert!(super::blocks("```sh\nrm -rf /\n```\n").is_err());
    }
}
