//! Just enough of the W3C WebDriver protocol, over HTTP with ureq, to drive
//! Debian's headless Chromium through ChromeDriver in a test: open a page,
//! type, click (real input events), run a script, take a screenshot.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde_json::{Value, json};

/// A headless Chromium session.
pub struct Browser {
    driver: Child,
    base: String,
    _profile: tempfile::TempDir,
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> Result<Value> {
    let v: Value = match r {
        Ok(r) => r.into_json()?,
        Err(ureq::Error::Status(code, r)) => {
            let body: Value = r.into_json().unwrap_or(Value::Null);
            bail!("WebDriver answered {code}: {}", body["value"]["message"]);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(v["value"].clone())
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium with an empty profile.
    pub fn start() -> Result<Self> {
        Self::start_trusting(None)
    }

    /// [`Browser::start`], trusting the self-signed server certificate
    /// `pinned` (PEM) by its public key, as a reception PC would after
    /// checking its fingerprint (`--ignore-certificate-errors-spki-list`
    /// accepts exactly that key, no other).
    pub fn start_trusting(pinned: Option<&str>) -> Result<Self> {
        use base64::Engine as _;
        let spki_list = match pinned {
            Some(pem) => {
                let cert = uketsuke_net::tls::certificates(pem, "the pinned certificate")?;
                let spki = uketsuke_net::tls::public_key_of(cert[0].as_ref()).context("no public key")?;
                let hash = sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &spki));
                Some(format!(
                    "--ignore-certificate-errors-spki-list={}",
                    base64::engine::general_purpose::STANDARD.encode(hash)
                ))
            }
            None => None,
        };
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver (run scripts/setup: Debian chromium-driver)")?;
        let profile = tempfile::Builder::new().prefix("uketsuke-chromium-").tempdir()?;
        let mut b = Self { driver, base: format!("http://127.0.0.1:{port}"), _profile: profile };
        let deadline = Instant::now() + Duration::from_secs(15);
        while ureq::get(&format!("{}/status", b.base)).call().is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not start");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1280,1000".to_owned(),
            format!("--user-data-dir={}", b._profile.path().display()),
        ];
        args.extend(spki_list);
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}});
        let session = answer(ureq::post(&format!("{}/session", b.base)).send_json(caps))?;
        let id = session["sessionId"].as_str().ok_or_else(|| anyhow!("no WebDriver session: {session}"))?;
        b.base = format!("{}/session/{id}", b.base);
        Ok(b)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        answer(ureq::post(&format!("{}{path}", self.base)).send_json(body))
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({"url": url})).map(drop)
    }

    fn element(&self, css: &str) -> Result<String> {
        let v = self.post("/element", json!({"using": "css selector", "value": css}))?;
        let id = v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str);
        id.map(str::to_owned).ok_or_else(|| anyhow!("no element {css}"))
    }

    /// Clicks the element matching `css`.
    pub fn click(&self, css: &str) -> Result<()> {
        let id = self.element(css)?;
        self.post(&format!("/element/{id}/click"), json!({})).map(drop)
    }

    /// Types `text` into the element matching `css`.
    pub fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let id = self.element(css)?;
        self.post(&format!("/element/{id}/value"), json!({"text": text})).map(drop)
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub fn eval(&self, script: &str) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    /// Polls `script` until it returns `true`.
    pub fn wait_for(&self, script: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.eval(script)? == Value::Bool(true) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        bail!("timed out waiting for: {script}")
    }

    /// Saves a PNG screenshot of the page to `path`.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let v = answer(ureq::get(&format!("{}/screenshot", self.base)).call())?;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or(""))?;
        std::fs::write(path, png)?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
