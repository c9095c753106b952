//! The udev rules of `udev/` against recorded device properties: every
//! supported reader is tagged and kept awake, the RC-S380 is logged as
//! unsupported, each camera, the touch panel, the keypad and the status
//! panel's bus get their stable names from the override file's examples,
//! and nothing else is touched. Each recorded device lists every change the
//! rules must make (`expect …`); a change it does not list fails the test.

#![allow(clippy::panic)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use uketsuke_tests::udev::{Device, Outcome, Rules};

fn udev_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../udev")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(udev_dir().join(name)).unwrap_or_else(|e| panic!("udev/{name}: {e}"))
}

/// The override file with its documented examples switched on.
fn override_with_examples() -> String {
    read("69-uketsuke-local.rules")
        .lines()
        .map(|l| l.strip_prefix('#').filter(|r| r.starts_with("SUBSYSTEM")).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Recorded {
    name: String,
    device: Device,
    expect: Vec<String>,
}

fn recorded_devices() -> Vec<Recorded> {
    let dir = udev_dir().join("tests/devices");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    assert!(files.len() >= 20, "the recorded devices are missing from {}", dir.display());
    files.iter().map(|p| parse_device(p).unwrap_or_else(|e| panic!("{}: {e:#}", p.display()))).collect()
}

fn parse_device(path: &Path) -> Result<Recorded> {
    let text = std::fs::read_to_string(path)?;
    let mut device = Device::default();
    let mut expect = Vec::new();
    let mut parent = std::collections::BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        if let Some(e) = line.strip_prefix("expect ") {
            expect.push(e.to_owned());
            continue;
        }
        let (k, v) = line.split_once('=').with_context(|| format!("not KEY=value: {line}"))?;
        match k.split_once(':') {
            Some(("E", key)) => drop(device.env.insert(key.to_owned(), v.to_owned())),
            Some(("A", key)) => drop(device.attrs.insert(key.to_owned(), v.to_owned())),
            Some(("PA", key)) => drop(parent.insert(key.to_owned(), v.to_owned())),
            None if k == "ACTION" => device.action = v.to_owned(),
            None if k == "SUBSYSTEM" => device.subsystem = v.to_owned(),
            None if k == "KERNEL" => device.kernel = v.to_owned(),
            _ => bail!("unknown line {line}"),
        }
    }
    if !parent.is_empty() {
        device.parents.push(parent);
    }
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Recorded { name, device, expect })
}

/// Every change the rules made, in the `expect` lines' words.
fn changes(before: &Device, out: &Outcome) -> BTreeSet<String> {
    let mut c = BTreeSet::new();
    for (k, v) in &out.env {
        if before.env.get(k) != Some(v) {
            c.insert(format!("ENV{{{k}}}={v}"));
        }
    }
    c.extend(out.written.iter().map(|(k, v)| format!("ATTR{{{k}}}={v}")));
    c.extend(out.tags.iter().map(|t| format!("TAG+={t}")));
    c.extend(out.symlinks.iter().map(|s| format!("SYMLINK+={s}")));
    c.extend(out.group.iter().map(|g| format!("GROUP={g}")));
    c.extend(out.mode.iter().map(|m| format!("MODE={m}")));
    c.extend(out.owner.iter().map(|o| format!("OWNER={o}")));
    c.extend(out.run.iter().map(|r| format!("RUN={r}")));
    c
}

fn expected(expect: &[String], actual: &BTreeSet<String>) -> BTreeSet<String> {
    let mut want = BTreeSet::new();
    for e in expect.iter().filter(|e| *e != "nothing") {
        match e.strip_prefix("RUN~=") {
            // A program line is matched by a phrase of it.
            Some(phrase) => {
                want.extend(
                    actual.iter().filter(|a| a.starts_with("RUN=") && a.contains(phrase)).cloned().chain(
                        (!actual.iter().any(|a| a.contains(phrase))).then(|| format!("RUN containing {phrase:?}")),
                    ),
                )
            }
            None => drop(want.insert(e.clone())),
        }
    }
    want
}

#[test]
fn every_recorded_device_gets_exactly_the_changes_it_expects() {
    let rules = Rules::parse(&[
        ("69-uketsuke-local.rules", &override_with_examples()),
        ("70-uketsuke.rules", &read("70-uketsuke.rules")),
    ])
    .unwrap_or_else(|e| panic!("{e:#}"));
    let mut failures = Vec::new();
    for r in recorded_devices() {
        assert!(!r.expect.is_empty(), "{}: no expect line (use `expect nothing`)", r.name);
        let actual = changes(&r.device, &rules.apply(&r.device));
        let want = expected(&r.expect, &actual);
        if actual != want {
            failures.push(format!("{}:\n  expected {want:?}\n  got      {actual:?}", r.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shipped_override_file_gives_no_device_a_role_until_the_installer_chooses() {
    let rules = Rules::parse(&[
        ("69-uketsuke-local.rules", &read("69-uketsuke-local.rules")),
        ("70-uketsuke.rules", &read("70-uketsuke.rules")),
    ])
    .unwrap_or_else(|e| panic!("{e:#}"));
    for r in recorded_devices() {
        let out = rules.apply(&r.device);
        assert!(!out.env.contains_key("UKETSUKE_ROLE"), "{} has a role without an override", r.name);
        let named_by_role = out.symlinks.iter().any(|s| s != "input/uketsuke-touch");
        assert!(!named_by_role && out.group.is_none(), "{}: {:?}", r.name, out.symlinks);
    }
}

#[test]
fn every_tagged_reader_is_in_debians_libccid_list_and_the_rc_s380_is_not() {
    let rules = read("70-uketsuke.rules");
    let ids: Vec<(String, String)> = rules
        .lines()
        .filter(|l| l.starts_with("ATTR{idVendor}"))
        .filter_map(|l| {
            let v = l.split('"').nth(1)?;
            let p = l.split('"').nth(3)?;
            Some((v.to_owned(), p.to_owned()))
        })
        .collect();
    assert_eq!(ids.len(), 10, "nine supported readers and the RC-S380: {ids:?}");
    let readme = read("README.md");
    for (v, p) in &ids {
        assert!(readme.contains(&format!("{v}:{p}")), "udev/README.md does not list {v}:{p}");
    }
    // Debian's libccid list (pcscd depends on libccid, so it is installed
    // wherever the tests run). Its IDs are 0x-prefixed, upper case.
    let plist = std::fs::read_to_string("/etc/libccid_Info.plist")
        .unwrap_or_else(|e| panic!("libccid's Info.plist: {e} (run scripts/setup)"));
    let listed = |v: &str, p: &str| {
        let (v, p) = (format!("0x{}", v.to_uppercase()), format!("0x{}", p.to_uppercase()));
        let vendors: Vec<&str> = plist.split("<key>ifdVendorID</key>").nth(1).map(array_items).unwrap_or_default();
        let products: Vec<&str> = plist.split("<key>ifdProductID</key>").nth(1).map(array_items).unwrap_or_default();
        vendors.iter().zip(&products).any(|(a, b)| a.eq_ignore_ascii_case(&v) && b.eq_ignore_ascii_case(&p))
    };
    for (v, p) in &ids {
        let supported = !(v == "054c" && p == "06c1");
        assert_eq!(listed(v, p), supported, "{v}:{p} in libccid's list");
    }
}

fn array_items(after_key: &str) -> Vec<&str> {
    let body = after_key.split("</array>").next().unwrap_or_default();
    body.split("<string>").skip(1).filter_map(|s| s.split("</string>").next()).map(str::trim).collect()
}
