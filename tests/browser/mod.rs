//! Drives Debian's real Chromium, headless, for tests of pages a person uses: fill a form,
//! submit it, read what came back, take a screenshot, check accessibility with axe-core.
//!
//! An integration test includes it with `mod browser;`:
//!
//! ```ignore
//! let browser = browser::Browser::launch().await?;
//! let page = browser.page().await?;
//! page.goto(&format!("http://{addr}/form")).await?;
//! page.fill("#name", "Maria Rossi").await?;
//! page.click_and_wait_navigation("button[type=submit]").await?;
//! page.wait_for_text("main", "Maria Rossi").await?;
//! assert!(page.accessibility().await?.is_empty());
//! browser.close().await?;
//! ```
//!
//! Every wait polls every 100 ms up to a deadline of 30 s: a bound so that a broken page
//! fails the test instead of hanging it, never a measure of speed.
#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use chromiumoxide::browser::BrowserConfig;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::input::InsertTextParams;
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::error::CdpError;
use chromiumoxide::page::ScreenshotParams;
use futures_util::StreamExt;
use serde_json::Value;

/// How long a wait may last before it fails the test.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);
/// Every page's viewport, in CSS pixels.
pub const WIDTH: i64 = 1280;
pub const HEIGHT: i64 = 900;

/// axe-core, vendored by scripts/vendor-console-assets.
const AXE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/browser/axe.min.js"
));

/// A headless Chromium with a fresh profile. Dropping it kills the browser; `close` ends
/// it politely and waits for it. Either way its profile dir is removed once no process of
/// Chromium's is left using it.
pub struct Browser {
    // Field order matters for drop: the browser (killed on drop) before its profile dir.
    inner: chromiumoxide::Browser,
    handler: tokio::task::JoinHandle<()>,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium: `$CHROMIUM`, else /usr/bin/chromium, else `chromium` on PATH.
    pub async fn launch() -> anyhow::Result<Browser> {
        let executable = find_chromium()?;
        let profile = tempfile::Builder::new()
            .prefix("sportello-chromium-")
            .tempdir()
            .context("cannot make a profile dir for Chromium")?;
        let config = BrowserConfig::builder()
            .chrome_executable(&executable)
            .new_headless_mode()
            .no_sandbox()
            .window_size(WIDTH as u32, HEIGHT as u32)
            // No emulation by chromiumoxide (800x600, with touch): `page` sets the size.
            .viewport(None)
            .user_data_dir(profile.path())
            .args([
                "--disable-gpu",
                "--no-first-run",
                "--disable-component-update",
            ])
            .build()
            .map_err(|e| anyhow!("bad Chromium configuration: {e}"))?;
        let (inner, mut handler) = chromiumoxide::Browser::launch(config)
            .await
            .with_context(|| format!("cannot start Chromium at {}", executable.display()))?;
        // The handler carries every message between the browser and us: it must run
        // for as long as the browser is used. It ends when the connection does.
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(CdpError::Ws(_)) = event {
                    break;
                }
            }
        });
        Ok(Browser {
            inner,
            handler,
            profile,
        })
    }

    /// A new tab, on about:blank.
    pub async fn page(&self) -> anyhow::Result<Page> {
        let inner = self
            .inner
            .new_page("about:blank")
            .await
            .context("cannot open a tab")?;
        let page = Page { inner };
        page.set_viewport().await?;
        Ok(page)
    }

    /// Closes the browser and waits for it to exit (killing it if it will not).
    pub async fn close(mut self) -> anyhow::Result<()> {
        let polite = self.inner.close().await;
        let exited = tokio::time::timeout(Duration::from_secs(10), self.inner.wait()).await;
        if !matches!(exited, Ok(Ok(_))) {
            self.inner.kill().await;
        }
        self.handler.abort();
        // Its helper processes outlive the browser's by a moment, and write to the
        // profile as they go: the dir is removed (on drop) once they are gone.
        let started = tokio::time::Instant::now();
        while profile_in_use(self.profile.path()) && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(POLL).await;
        }
        polite.context("Chromium did not close when asked")?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.handler.abort();
        // Not closed: kill it now rather than leave that to chromiumoxide's kill-on-drop,
        // and give its helpers a moment to go before the profile dir is removed.
        if let Some(child) = self.inner.get_mut_child()
            && let Ok(None) = child.try_wait()
        {
            let _ = child.as_mut_inner().start_kill();
            let started = std::time::Instant::now();
            while profile_in_use(self.profile.path()) && started.elapsed() < Duration::from_secs(5)
            {
                std::thread::sleep(POLL);
            }
        }
    }
}

/// Whether a running process names `profile` on its command line (Chromium passes the
/// profile dir to each of its processes).
fn profile_in_use(profile: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let needle = profile.as_os_str().as_bytes();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|entry| {
        let numeric = entry.file_name().as_bytes().iter().all(u8::is_ascii_digit);
        numeric
            && std::fs::read(entry.path().join("cmdline"))
                .is_ok_and(|cmdline| cmdline.windows(needle.len()).any(|w| w == needle))
    })
}

fn find_chromium() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        bail!(
            "CHROMIUM={} is not a file: run `apt-get install chromium` \
             (scripts/test and scripts/install-chromium do) or fix CHROMIUM",
            path.display()
        );
    }
    let debian = Path::new("/usr/bin/chromium");
    if debian.is_file() {
        return Ok(debian.to_path_buf());
    }
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file());
    on_path.ok_or_else(|| {
        anyhow!(
            "no Chromium (not at /usr/bin/chromium nor on PATH): run `apt-get install chromium` \
             (scripts/test and scripts/install-chromium do), or set CHROMIUM"
        )
    })
}

/// One tab.
pub struct Page {
    inner: chromiumoxide::Page,
}

impl Page {
    /// chromiumoxide's page, for what this module does not offer.
    pub fn cdp(&self) -> &chromiumoxide::Page {
        &self.inner
    }

    /// A headless window of 1280x900 shows a smaller page (the window counts its own
    /// toolbars): make the page itself 1280x900.
    async fn set_viewport(&self) -> anyhow::Result<()> {
        self.inner
            .execute(SetDeviceMetricsOverrideParams::new(
                WIDTH, HEIGHT, 1.0, false,
            ))
            .await
            .context("cannot size the page")?;
        Ok(())
    }

    /// Loads `url` and waits for its `load` event. An HTTP error status is not an error
    /// here (read the page); a refused connection is.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.inner
            .goto(url)
            .await
            .with_context(|| format!("cannot load {url}"))?;
        self.wait_until(
            "the page to finish loading",
            "document.readyState === 'complete'",
        )
        .await
    }

    /// The page's address now.
    pub async fn url(&self) -> anyhow::Result<String> {
        self.eval_string("location.href").await
    }

    /// The whole document as HTML, as it stands now (after scripts ran).
    pub async fn html(&self) -> anyhow::Result<String> {
        self.eval_string("document.documentElement.outerHTML").await
    }

    /// The rendered text (`innerText`) of the first element matching `selector`.
    pub async fn text(&self, selector: &str) -> anyhow::Result<String> {
        let js = format!("{}.innerText", element(selector));
        self.eval_string(&js).await
    }

    /// Replaces the value of an `<input>` or `<textarea>` with `text`, as a person would:
    /// focuses it, empties it, types (any Unicode, newlines in a textarea), then leaves
    /// the field, so `input` events fire while typing and `change` fires at the end.
    pub async fn fill(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const e = {}; e.focus(); e.value = ''; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             return document.activeElement === e; }})()",
            element(selector)
        );
        if self.eval_json(&js).await? != Value::Bool(true) {
            bail!("cannot focus {selector} to fill it (disabled or hidden?)");
        }
        if !text.is_empty() {
            self.inner
                .execute(InsertTextParams::new(text))
                .await
                .with_context(|| format!("cannot type into {selector}"))?;
        }
        let js = format!(
            "(() => {{ const e = {}; e.blur(); return e.value; }})()",
            element(selector)
        );
        let value = self.eval_json(&js).await?;
        // A textarea keeps \r\n as \n; a maxlength may cut: say so rather than go on.
        if value.as_str() != Some(text.replace("\r\n", "\n").as_str()) {
            bail!("{selector} holds {value} after filling it with {text:?}");
        }
        Ok(())
    }

    /// Chooses the `<option>` whose value is `value` in a `<select>`, firing `input` and
    /// `change` as a person's choice does.
    pub async fn select(&self, selector: &str, value: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const e = {}; const v = {}; \
             if (![...e.options].some(o => o.value === v)) \
               throw new Error('no option with value ' + JSON.stringify(v)); \
             e.value = v; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); \
             return e.value; }})()",
            element(selector),
            js_string(value)
        );
        self.eval_json(&js)
            .await
            .with_context(|| format!("cannot select {value:?} in {selector}"))?;
        Ok(())
    }

    /// Ticks a checkbox (or chooses a radio button) unless it already is. Works on
    /// Bootstrap Italia's checkboxes too, whose `<input>` is visually hidden behind its
    /// label: it clicks the element itself, not a point on the screen.
    pub async fn check(&self, selector: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const e = {}; if (!e.checked) e.click(); return e.checked; }})()",
            element(selector)
        );
        if self.eval_json(&js).await? != Value::Bool(true) {
            bail!("{selector} is still not checked after clicking it (disabled?)");
        }
        Ok(())
    }

    /// Clicks the middle of the element with the mouse, after scrolling it into view.
    /// Fails if the element is not visible. Does not wait for anything the click starts:
    /// follow with `wait_for_text` (an htmx swap, a script) or use
    /// `click_and_wait_navigation` (a link, a form's submit button).
    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        let target = self
            .inner
            .find_element(selector)
            .await
            .with_context(|| format!("no element matches {selector}"))?;
        target
            .click()
            .await
            .with_context(|| format!("cannot click {selector} (hidden? covered?)"))?;
        Ok(())
    }

    /// Clicks like `click`, then waits until a new document has replaced this one and
    /// finished loading (a link followed, a form submitted, redirects followed). Fails
    /// after the deadline if the click loaded no new document (a validation message
    /// stopped the submit, or htmx swapped content in place: use `wait_for_text` then).
    pub async fn click_and_wait_navigation(&self, selector: &str) -> anyhow::Result<()> {
        // The old document carries a mark; the new one will not.
        self.eval_json("window.__sportelloHarnessOldDocument = true")
            .await?;
        self.click(selector).await?;
        self.wait_until(
            &format!("a new page to load after clicking {selector}"),
            "window.__sportelloHarnessOldDocument !== true && document.readyState === 'complete'",
        )
        .await
    }

    /// Waits until the first element matching `selector` exists and its `innerText`
    /// contains `needle`.
    pub async fn wait_for_text(&self, selector: &str, needle: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); return e ? e.innerText : null; }})()",
            js_string(selector)
        );
        let started = tokio::time::Instant::now();
        let mut last = Value::Null;
        loop {
            // While a navigation replaces the document an evaluation can fail: look again.
            if let Ok(value) = self.eval_json(&js).await {
                if value.as_str().is_some_and(|text| text.contains(needle)) {
                    return Ok(());
                }
                last = value;
            }
            if started.elapsed() > DEADLINE {
                let seen = match last {
                    Value::Null => "no such element".to_string(),
                    other => format!("its text is {other}"),
                };
                bail!(
                    "{selector} did not come to contain {needle:?} within {}s ({seen}; page {})",
                    DEADLINE.as_secs(),
                    self.url().await.unwrap_or_default()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Evaluates a JavaScript expression in the page (a promise is awaited) and returns
    /// its value as JSON (`null` for undefined). A thrown exception is an error.
    pub async fn eval_json(&self, js: &str) -> anyhow::Result<Value> {
        // Without a context id, Chromium evaluates in the current document's: robust
        // across navigations, where a remembered context would be stale.
        let params = EvaluateParams::builder()
            .expression(js)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .map_err(|e| anyhow!("bad evaluation: {e}"))?;
        let returned = self
            .inner
            .execute(params)
            .await
            .map_err(|e| anyhow!("cannot evaluate in the page: {e}"))?
            .result;
        if let Some(exception) = returned.exception_details {
            let message = exception
                .exception
                .and_then(|e| e.description)
                .unwrap_or(exception.text);
            bail!("the page's JavaScript threw: {message}");
        }
        Ok(returned.result.value.unwrap_or(Value::Null))
    }

    /// Saves a full-page PNG at `<target>/console-screenshots/<name>.png` and returns its
    /// path (`<target>` is `$CARGO_TARGET_DIR`, else the crate's `target/`).
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("console-screenshots");
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot make {}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        let params = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .full_page(true)
            .build();
        let png = self
            .inner
            .screenshot(params)
            .await
            .context("cannot take a screenshot")?;
        // A full-page capture resizes the page to its content, then drops every size.
        self.set_viewport().await?;
        std::fs::write(&path, png).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// axe-core's WCAG 2.0/2.1 A and AA checks on the page as it is now; returns the
    /// violations whose impact is serious or critical. Assert it is empty, printing each
    /// with `{}` for a readable failure.
    pub async fn accessibility(&self) -> anyhow::Result<Vec<Violation>> {
        if self.eval_json("typeof axe === 'undefined'").await? == Value::Bool(true) {
            self.eval_json(AXE).await.context("cannot load axe-core")?;
        }
        let found = self
            .eval_json(
                "axe.run(document, {runOnly: {type: 'tag', \
                   values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
                 .then(r => r.violations\
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                   .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,\
                     nodes: v.nodes.length,\
                     targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
            )
            .await
            .context("axe-core could not check the page")?;
        serde_json::from_value(found).context("axe-core's answer is not as expected")
    }

    async fn eval_string(&self, js: &str) -> anyhow::Result<String> {
        match self.eval_json(js).await? {
            Value::String(text) => Ok(text),
            other => bail!("{js} gave {other}, not a string"),
        }
    }

    /// Polls the JavaScript condition `js` until it is true, or fails after the deadline
    /// saying it was waiting for `what`. An evaluation that fails (mid-navigation) counts
    /// as not yet.
    async fn wait_until(&self, what: &str, js: &str) -> anyhow::Result<()> {
        let started = tokio::time::Instant::now();
        loop {
            if let Ok(Value::Bool(true)) = self.eval_json(js).await {
                return Ok(());
            }
            if started.elapsed() > DEADLINE {
                bail!(
                    "waited {}s for {what}; still at {}",
                    DEADLINE.as_secs(),
                    self.url().await.unwrap_or_default()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// One of axe-core's serious or critical findings.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Violation {
    /// The rule, e.g. `label`, `image-alt`, `color-contrast`.
    pub id: String,
    /// `serious` or `critical`.
    pub impact: String,
    /// What the rule asks, in a sentence.
    pub help: String,
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    /// How many elements break the rule.
    pub nodes: usize,
    /// CSS selectors of the first few of them.
    pub targets: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {} — {} element(s): {}",
            self.id,
            self.impact,
            self.help,
            self.nodes,
            self.targets.join(", ")
        )?;
        if self.nodes > self.targets.len() {
            write!(f, ", …")?;
        }
        write!(f, " <{}>", self.help_url)
    }
}

/// A JavaScript expression for the first element matching `selector`, throwing a clear
/// error when there is none.
fn element(selector: &str) -> String {
    let quoted = js_string(selector);
    format!(
        "(document.querySelector({quoted}) ?? (() => {{ \
         throw new Error('no element matches ' + {quoted}); }})())"
    )
}

/// `text` as a JavaScript string literal.
fn js_string(text: &str) -> String {
    // JSON strings are JavaScript strings (JSON escapes U+2028/9 as needed since ES2019).
    Value::String(text.to_string()).to_string()
}
