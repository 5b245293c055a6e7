//! A minimal HTTP/1.1 client over one keep-alive TCP connection that counts every byte it
//! sends and receives, headers included — the figures the load generator reports.

use std::io;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

pub struct HttpConnection {
    host: String,
    stream: Option<BufReader<TcpStream>>,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

impl HttpConnection {
    /// `base` is `http://host:port` (no TLS: production sits behind a TLS proxy).
    pub fn new(base: &str) -> io::Result<Self> {
        let host = base
            .strip_prefix("http://")
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "only http:// URLs"))?
            .trim_end_matches('/')
            .to_owned();
        Ok(HttpConnection {
            host,
            stream: None,
            bytes_up: 0,
            bytes_down: 0,
        })
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<HttpResponse> {
        let reused = self.stream.is_some();
        let mut result = self.try_request(method, path, headers, body).await;
        if result.is_err() {
            // A broken connection is not reused.
            self.stream = None;
            if reused {
                // The server may have closed an idle or finished keep-alive connection
                // (after answering early without reading a body): one fresh try.
                result = self.try_request(method, path, headers, body).await;
                if result.is_err() {
                    self.stream = None;
                }
            }
        }
        result
    }

    async fn try_request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<HttpResponse> {
        if self.stream.is_none() {
            let tcp = TcpStream::connect(&self.host).await?;
            tcp.set_nodelay(true)?;
            self.stream = Some(BufReader::new(tcp));
        }
        let stream = self.stream.as_mut().expect("connected above");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n",
            self.host,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.get_mut().write_all(head.as_bytes()).await?;
        // A server refusing the request early (413) may close before the body is sent:
        // its answer is still there to read.
        let body_sent = stream.get_mut().write_all(body).await;
        self.bytes_up += (head.len() + body.len()) as u64;

        let mut line = String::new();
        let mut read = match stream.read_line(&mut line).await {
            Ok(0) | Err(_) if body_sent.is_err() => return Err(body_sent.unwrap_err()),
            other => other?,
        };
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad status line {line:?}"),
                )
            })?;
        let mut content_length = None;
        let mut chunked = false;
        let mut close = false;
        loop {
            line.clear();
            let n = stream.read_line(&mut line).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            read += n;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => content_length = value.parse::<usize>().ok(),
                    "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                    "connection" => close = value.eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                read += stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
                let mut chunk = vec![0; size + 2];
                stream.read_exact(&mut chunk).await?;
                read += chunk.len();
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(length) = content_length {
            body.resize(length, 0);
            stream.read_exact(&mut body).await?;
            read += length;
        }
        self.bytes_down += read as u64;
        if close {
            self.stream = None;
        }
        Ok(HttpResponse { status, body })
    }
}
