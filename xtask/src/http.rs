//! A small HTTP/1.1 client on std's `TcpStream`, enough for the benchmarks: one request
//! per connection (`Connection: close`), bodies sized by `Content-Length`, chunked or
//! ending with the connection. A body can be kept (JSON answers) or only counted (a
//! million-row export), so the client's own memory stays flat.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{bail, Context};

/// What to do with a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Keep,
    /// Count its bytes and newlines, keep nothing.
    Count,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Empty when the body was only counted.
    pub body: Vec<u8>,
    pub bytes: u64,
    pub newlines: u64,
}

impl Response {
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "the answer is not JSON: {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    /// The body as text, shortened, for error messages.
    pub fn snippet(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned()
    }
}

/// Signs `username` in with `password` as a device named `device_name`; the session's
/// bearer token.
pub fn login(
    base: &str,
    username: &str,
    password: &str,
    device_name: &str,
) -> anyhow::Result<String> {
    let body = serde_json::json!({
        "username": username, "password": password, "device_name": device_name,
    });
    let response = request(
        base,
        "POST",
        "/api/auth/login",
        None,
        Some(&body),
        Body::Keep,
    )?;
    if response.status != 200 {
        bail!(
            "signing in as {username}: {} {}",
            response.status,
            response.snippet()
        );
    }
    response.json()?["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the login answer")
}

/// `base` is `http://host:port`; `path` includes the query. `json` is sent as the body
/// with `Content-Type: application/json`.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    json: Option<&serde_json::Value>,
    body: Body,
) -> anyhow::Result<Response> {
    let host = base
        .strip_prefix("http://")
        .with_context(|| format!("{base} is not an http:// address"))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host).with_context(|| format!("connecting to {host}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    stream.set_nodelay(true)?;
    let payload = json.map(|j| j.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if json.is_some() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            payload.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(payload.as_bytes())?;
    stream.flush()?;

    let mut reader = BufReader::with_capacity(256 * 1024, stream);
    let status_line = read_line(&mut reader)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("a bad status line: {status_line:?}"))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut reader)?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut sink = Sink {
        keep: body == Body::Keep,
        body: Vec::new(),
        bytes: 0,
        newlines: 0,
    };
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            let size_line = read_line(&mut reader)?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size_hex, 16)
                .with_context(|| format!("a bad chunk size: {size_line:?}"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !read_line(&mut reader)?.is_empty() {}
                break;
            }
            let copied = std::io::copy(&mut (&mut reader).take(size), &mut sink)?;
            if copied != size {
                bail!("the connection closed inside a chunk");
            }
            read_line(&mut reader)?;
        }
    } else if let Some(length) = header("content-length") {
        let length: u64 = length.parse().context("a bad Content-Length")?;
        let copied = std::io::copy(&mut (&mut reader).take(length), &mut sink)?;
        if copied != length {
            bail!("the connection closed after {copied} of {length} bytes");
        }
    } else {
        std::io::copy(&mut reader, &mut sink)?;
    }
    Ok(Response {
        status,
        body: sink.body,
        bytes: sink.bytes,
        newlines: sink.newlines,
    })
}

fn read_line(reader: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        bail!("the connection closed before the answer was complete");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

struct Sink {
    keep: bool,
    body: Vec<u8>,
    bytes: u64,
    newlines: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        self.newlines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        if self.keep {
            self.body.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
