//! A small HTTP/1.1 server, over TLS (or, as a loudly logged development
//! setting, plain TCP): one request per connection, `Content-Length`
//! bodies only (chunked bodies are refused), bounded head, body, time and
//! connections. The request head is parsed by `httparse`. Used by the
//! kiosk's staff API and by the simulator's reception terminal.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::tls::public_key_of;

/// Largest request head (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// Most connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 32;
/// How long a client may take to send its request or read the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One request.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ….
    pub method: String,
    /// The request target (path and query).
    pub path: String,
    headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The client's address.
    pub peer: SocketAddr,
    /// The client certificate's SubjectPublicKeyInfo DER (mutual TLS only).
    pub client_key: Option<Vec<u8>>,
}

impl Request {
    /// A header's value (names compare without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    delivery: Delivery,
}

/// How much of an answer goes out: all of it, unless a simulator plays a
/// broken peer ([`Response::cut_after`], [`Response::never_sent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Whole,
    CutAfter(usize),
    Nothing,
}

impl Response {
    /// A response with a body of `content_type`.
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self { status, headers: vec![("Content-Type".into(), content_type.into())], body, delivery: Delivery::Whole }
    }

    /// Sends the head (with the whole body's `Content-Length`) and only the
    /// first `bytes` of the body, then drops the connection without closing
    /// TLS: a connection reset mid-body. Only the simulator's reception
    /// terminal plays this fault; the kiosk's own servers never do.
    #[must_use]
    pub fn cut_after(mut self, bytes: usize) -> Self {
        self.delivery = Delivery::CutAfter(bytes);
        self
    }

    /// Sends nothing and drops the connection: the request was handled but
    /// its answer was lost on the way (the simulator's fault, as above).
    #[must_use]
    pub fn never_sent(mut self) -> Self {
        self.delivery = Delivery::Nothing;
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// What answers requests (called from several connection threads at once).
pub type Handler<'h> = dyn Fn(&Request) -> Response + Sync + 'h;

/// A bound server, not yet serving.
pub struct Server {
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    max_body: usize,
}

impl Server {
    /// Binds `addr`; `tls` none serves plain HTTP (development only).
    pub fn bind(addr: impl ToSocketAddrs, tls: Option<Arc<ServerConfig>>, max_body: usize) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(Self { listener, tls, max_body })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` is raised, each connection on its own (scoped)
    /// thread; returns once the connections still open have ended.
    pub fn serve(self, stop: &AtomicBool, handler: &Handler<'_>) {
        let active = AtomicUsize::new(0);
        std::thread::scope(|scope| self.accept_loop(scope, stop, handler, &active));
    }

    fn accept_loop<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        stop: &AtomicBool,
        handler: &'s Handler<'s>,
        active: &'s AtomicUsize,
    ) {
        while !stop.load(Ordering::Relaxed) {
            // At the limit, the next connections wait in the kernel's
            // backlog until one ends (accepting and dropping them would
            // reset a staff console's request while others poll).
            if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    active.fetch_add(1, Ordering::SeqCst);
                    let tls = self.tls.clone();
                    scope.spawn(move || {
                        if let Err(e) = connection(stream, peer, tls, self.max_body, handler) {
                            tracing::debug!(%peer, error = %e, "connection ended without an answer");
                        }
                        active.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }
}

fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    max_body: usize,
    handler: &Handler<'_>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    match tls {
        None => exchange(stream, peer, None, max_body, handler).map(drop),
        Some(config) => {
            let conn = ServerConnection::new(config).map_err(std::io::Error::other)?;
            let mut tls = StreamOwned::new(conn, stream);
            while tls.conn.is_handshaking() {
                tls.conn.complete_io(&mut tls.sock)?;
            }
            let client_key =
                tls.conn.peer_certificates().and_then(|chain| chain.first()).and_then(|c| public_key_of(c));
            if exchange(&mut tls, peer, client_key, max_body, handler)? == Delivery::Whole {
                tls.conn.send_close_notify();
            }
            tls.flush()
        }
    }
}

/// Reads one request, answers it; says how much of the answer went out.
fn exchange<S: Read + Write>(
    mut s: S,
    peer: SocketAddr,
    client_key: Option<Vec<u8>>,
    max_body: usize,
    handler: &Handler<'_>,
) -> std::io::Result<Delivery> {
    let response = match read_request(&mut s, peer, client_key, max_body)? {
        Ok(request) => handler(&request),
        Err(status) => Response::new(status, "text/plain; charset=utf-8", reason(status).as_bytes().to_vec()),
    };
    if response.delivery == Delivery::Nothing {
        return Ok(Delivery::Nothing);
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (k, v) in &response.headers {
        if !k.contains(['\r', '\n']) && !v.contains(['\r', '\n']) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", response.body.len()));
    s.write_all(head.as_bytes())?;
    let body = match response.delivery {
        Delivery::CutAfter(n) => response.body.get(..n).unwrap_or(&response.body),
        Delivery::Whole | Delivery::Nothing => &response.body,
    };
    s.write_all(body)?;
    s.flush()?;
    Ok(response.delivery)
}

/// Reads one request from `s`: the head (at most `MAX_HEAD` bytes, parsed by
/// `httparse`) and a body of exactly `Content-Length` bytes (at most
/// `max_body`; chunked bodies are refused). Returns the request, or the
/// status to refuse it with; an I/O error when the client stops early.
pub fn read_request<S: Read>(
    s: &mut S,
    peer: SocketAddr,
    client_key: Option<Vec<u8>>,
    max_body: usize,
) -> std::io::Result<Result<Request, u16>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            // The last read may have brought the end of a head past the limit.
            if i + 4 > MAX_HEAD {
                return Ok(Err(431));
            }
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Ok(Err(431));
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    let (Ok(httparse::Status::Complete(_)), Some(method), Some(path)) =
        (parsed.parse(&buf[..head_len]), parsed.method, parsed.path)
    else {
        return Ok(Err(400));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).trim().to_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    if header("Transfer-Encoding").is_some() {
        return Ok(Err(411));
    }
    let length = match header("Content-Length").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= max_body => n,
        Some(Ok(_)) => return Ok(Err(413)),
        Some(Err(_)) => return Ok(Err(400)),
    };
    let mut body = buf[head_len..].to_vec();
    if body.len() > length {
        return Ok(Err(400));
    }
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        let n = s.read(&mut chunk[..want])?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Ok(Request { method, path, headers, body, peer, client_key }))
}

#[cfg(test)]
mod tests;
