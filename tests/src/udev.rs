//! A strict reader and evaluator for the subset of udev rules that
//! `udev/` uses, so that the rules can be checked against recorded device
//! properties without a live `/sys` (`udevadm test` needs the device to
//! exist). It follows systemd-udevd 252 (udev(7)): a rule line's matches are
//! all checked before any of its assignments; `GOTO` skips to its `LABEL`;
//! values are shell globs with `|` alternatives. A key, operator or
//! substitution it does not know is an error, so a typo fails the test
//! instead of being ignored as udevd would ignore it with a warning.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

/// One `KEY{attr} OP "value"` of a rule line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// `ENV`, `ATTR`, `SUBSYSTEM`…
    pub key: String,
    /// The part in braces: `ENV{ID_MODEL_ID}` → `ID_MODEL_ID`.
    pub attr: Option<String>,
    /// `==`, `!=`, `=`, `+=`, `:=`.
    pub op: String,
    /// The value between the quotes.
    pub value: String,
}

impl Token {
    fn is_match(&self) -> bool {
        self.op == "==" || self.op == "!="
    }
}

/// A rules file: its lines, each a list of tokens, with line numbers.
#[derive(Debug, Clone)]
pub struct Rules {
    lines: Vec<(usize, Vec<Token>)>,
}

const MATCH_KEYS: &[&str] = &["ACTION", "SUBSYSTEM", "KERNEL", "DEVTYPE", "ENV", "ATTR", "ATTRS", "TEST"];
const ASSIGN_KEYS: &[&str] = &["ENV", "ATTR", "TAG", "SYMLINK", "GROUP", "MODE", "OWNER", "RUN", "GOTO", "LABEL"];

impl Rules {
    /// Parses rules files' text, in the order udevd reads them.
    pub fn parse(texts: &[(&str, &str)]) -> Result<Self> {
        let mut lines = Vec::new();
        for (name, text) in texts {
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let tokens = parse_line(line).with_context(|| format!("{name}:{}: {line}", n + 1))?;
                lines.push((n + 1, tokens));
            }
        }
        let labels: BTreeSet<&str> =
            lines.iter().flat_map(|(_, t)| t).filter(|t| t.key == "LABEL").map(|t| t.value.as_str()).collect();
        for (n, tokens) in &lines {
            for t in tokens.iter().filter(|t| t.key == "GOTO") {
                if !labels.contains(t.value.as_str()) {
                    bail!("line {n}: GOTO {} has no LABEL", t.value);
                }
            }
        }
        Ok(Self { lines })
    }

    /// Runs every rule over one device and returns what the rules did to it.
    pub fn apply(&self, device: &Device) -> Outcome {
        let mut out = Outcome { env: device.env.clone(), attrs: device.attrs.clone(), ..Outcome::default() };
        let mut goto: Option<&str> = None;
        for (_, tokens) in &self.lines {
            if let Some(label) = goto {
                if tokens.iter().any(|t| t.key == "LABEL" && t.value == label) {
                    goto = None;
                }
                continue;
            }
            if !tokens.iter().filter(|t| t.is_match()).all(|t| matches(t, device, &out)) {
                continue;
            }
            for t in tokens.iter().filter(|t| !t.is_match()) {
                match (t.key.as_str(), t.attr.as_deref()) {
                    ("ENV", Some(k)) => {
                        out.env.insert(k.to_owned(), t.value.clone());
                    }
                    ("ATTR", Some(k)) => {
                        out.attrs.insert(k.to_owned(), t.value.clone());
                        out.written.insert(k.to_owned(), t.value.clone());
                    }
                    ("TAG", _) => add(&mut out.tags, t),
                    ("SYMLINK", _) => add(&mut out.symlinks, t),
                    ("RUN", _) => out.run.push(t.value.clone()),
                    ("GROUP", _) => out.group = Some(t.value.clone()),
                    ("MODE", _) => out.mode = Some(t.value.clone()),
                    ("OWNER", _) => out.owner = Some(t.value.clone()),
                    ("GOTO", _) => goto = Some(t.value.as_str()),
                    _ => {}
                }
            }
        }
        out
    }
}

fn add(set: &mut BTreeSet<String>, t: &Token) {
    if t.op == "=" || t.op == ":=" {
        set.clear();
    }
    set.extend(t.value.split_whitespace().map(str::to_owned));
}

fn matches(t: &Token, device: &Device, out: &Outcome) -> bool {
    let found = match (t.key.as_str(), t.attr.as_deref()) {
        ("ACTION", _) => glob_any(&t.value, &device.action),
        ("SUBSYSTEM", _) => glob_any(&t.value, &device.subsystem),
        ("KERNEL", _) => glob_any(&t.value, &device.kernel),
        ("DEVTYPE", _) | ("ENV", Some("DEVTYPE")) => {
            glob_any(&t.value, out.env.get("DEVTYPE").map_or("", String::as_str))
        }
        ("ENV", Some(k)) => glob_any(&t.value, out.env.get(k).map_or("", String::as_str)),
        ("ATTR", Some(k)) => out.attrs.get(k).is_some_and(|v| glob_any(&t.value, v)),
        ("ATTRS", Some(k)) => std::iter::once(&device.attrs)
            .chain(&device.parents)
            .any(|attrs| attrs.get(k).is_some_and(|v| glob_any(&t.value, v))),
        ("TEST", _) => device.attrs.contains_key(&t.value),
        _ => false,
    };
    found == (t.op == "==")
}

fn glob_any(pattern: &str, value: &str) -> bool {
    pattern.split('|').any(|p| glob(p.as_bytes(), value.as_bytes()))
}

fn glob(p: &[u8], v: &[u8]) -> bool {
    match (p.first(), v.first()) {
        (None, _) => v.is_empty(),
        (Some(b'*'), _) => glob(&p[1..], v) || (!v.is_empty() && glob(p, &v[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &v[1..]),
        (Some(b'['), Some(c)) => match p.iter().position(|&b| b == b']') {
            Some(end) => in_class(&p[1..end], *c) && glob(&p[end + 1..], &v[1..]),
            None => false,
        },
        (Some(a), Some(b)) => a == b && glob(&p[1..], &v[1..]),
        (Some(_), None) => false,
    }
}

/// A bracket class's body (`0-9a-f`, `!abc`) holds the byte.
fn in_class(class: &[u8], c: u8) -> bool {
    let (negated, class) = match class.split_first() {
        Some((b'!', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut found = false;
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == b'-' {
            found |= (class[i]..=class[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= class[i] == c;
            i += 1;
        }
    }
    found != negated
}

fn parse_line(line: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let key_end =
            rest.find(|c: char| !(c.is_ascii_uppercase() || c == '_')).context("a key without an operator")?;
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        let attr = if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').context("an unclosed '{'")?;
            let a = &r[..end];
            rest = &r[end + 1..];
            Some(a.to_owned())
        } else {
            None
        };
        let op =
            ["==", "!=", "+=", "-=", ":=", "="].into_iter().find(|op| rest.starts_with(op)).context("no operator")?;
        rest = rest[op.len()..].strip_prefix('"').context("a value must be in double quotes")?;
        let end = rest.find('"').context("an unclosed value")?;
        let value = rest[..end].to_owned();
        rest = rest[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        check_token(key, attr.as_deref(), op, &value)?;
        tokens.push(Token { key: key.to_owned(), attr, op: op.to_owned(), value });
    }
    Ok(tokens)
}

fn check_token(key: &str, attr: Option<&str>, op: &str, value: &str) -> Result<()> {
    let is_match = op == "==" || op == "!=";
    let known = if is_match { MATCH_KEYS } else { ASSIGN_KEYS };
    if !known.contains(&key) {
        bail!("{key} cannot take {op}");
    }
    let needs_attr = matches!(key, "ENV" | "ATTR" | "ATTRS");
    if needs_attr != attr.is_some() {
        bail!("{key} {}", if needs_attr { "needs {name}" } else { "takes no {name}" });
    }
    if !is_match && matches!(key, "GOTO" | "LABEL" | "GROUP" | "MODE" | "OWNER") && op != "=" {
        bail!("{key} takes '=' only");
    }
    if key == "MODE" && !(value.len() == 4 && value.bytes().all(|b| (b'0'..=b'7').contains(&b))) {
        bail!("MODE {value:?} is not four octal digits");
    }
    if key != "RUN" && (value.contains('$') || value.contains('%')) {
        bail!("substitutions are not used outside RUN: {value:?}");
    }
    if key == "SYMLINK" && (value.starts_with('/') || value.contains("..")) {
        bail!("SYMLINK {value:?} must be relative to /dev");
    }
    Ok(())
}

/// A device as `udevadm info` records it.
#[derive(Debug, Clone, Default)]
pub struct Device {
    /// The event: `add`, `change`, `remove`.
    pub action: String,
    /// `usb`, `video4linux`, `input`…
    pub subsystem: String,
    /// The kernel name: `video0`, `event3`, `spidev0.0`.
    pub kernel: String,
    /// Properties (`E:` lines) before the rules run.
    pub env: BTreeMap<String, String>,
    /// The device's sysfs attributes (`A:` lines).
    pub attrs: BTreeMap<String, String>,
    /// Its parents' attributes, nearest first (`PA:` lines, one parent).
    pub parents: Vec<BTreeMap<String, String>>,
}

/// What the rules did to one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Properties after the rules.
    pub env: BTreeMap<String, String>,
    /// Attributes after the rules.
    pub attrs: BTreeMap<String, String>,
    /// Attributes the rules wrote.
    pub written: BTreeMap<String, String>,
    /// Tags.
    pub tags: BTreeSet<String>,
    /// Symlinks under /dev.
    pub symlinks: BTreeSet<String>,
    /// Programs run.
    pub run: Vec<String>,
    /// Group of the node.
    pub group: Option<String>,
    /// Mode of the node.
    pub mode: Option<String>,
    /// Owner of the node.
    pub owner: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_take_stars_classes_and_alternatives() {
        assert!(glob_any("*:capture:*", ":capture:"));
        assert!(glob_any("?*", "x"));
        assert!(!glob_any("?*", ""));
        assert!(glob_any("event[0-9]|js*", "js0"));
        assert!(!glob_any("0dc8", "0dc9"));
    }

    #[test]
    fn an_unknown_key_or_an_unquoted_value_is_an_error() {
        assert!(Rules::parse(&[("x", "SUBSYSTEMS==\"usb\", FOO=\"1\"")]).is_err());
        assert!(Rules::parse(&[("x", "ATTR{idVendor}==054c")]).is_err());
        assert!(Rules::parse(&[("x", "GOTO=\"nowhere\"")]).is_err());
        assert!(Rules::parse(&[("x", "MODE=\"666\"")]).is_err());
    }

    #[test]
    fn a_line_assigns_nothing_unless_every_match_holds() {
        let rules = Rules::parse(&[("x", "TAG+=\"a\", SUBSYSTEM==\"usb\", TEST==\"power/control\"")])
            .unwrap_or_else(|e| panic!("{e}"));
        let dev = Device { subsystem: "usb".into(), ..Device::default() };
        assert!(rules.apply(&dev).tags.is_empty());
    }
}
