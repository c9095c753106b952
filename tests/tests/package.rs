//! The installable kiosk: the Debian package `scripts/package` builds (here
//! from the debug build the test command made, `cargo deb --profile dev`).
//! Its contents are listed and checked, lintian finds no error, its systemd
//! units pass `systemd-analyze verify`, it installs with `dpkg -i` into a
//! throwaway root (dpkg's chrootless mode, the maintainer scripts honouring
//! `DPKG_ROOT`) and purges cleanly, the installed binary refuses to start
//! without a configuration (and with the shipped one, until the terminal is
//! set) with one line, and provisioning makes its key once.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use uketsuke_tests::bin_path;

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Builds the package once for all the tests here.
fn package() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| {
        let target = bin_path("uketsuke").parent().and_then(Path::parent).unwrap().to_path_buf();
        assert!(bin_path("uketsuke").exists(), "build the kiosk first: cargo build --workspace --bins");
        let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package");
        let _ = std::fs::remove_dir_all(&out_dir);
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        run(Command::new("cargo")
            .args(["deb", "-p", "uketsuke-firmware", "--no-build", "--profile", "dev", "-o"])
            .arg(&out_dir)
            .current_dir(&workspace)
            .env("CARGO_TARGET_DIR", &target));
        let deb = std::fs::read_dir(&out_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "deb"));
        deb.expect("cargo deb made no .deb")
    })
}

fn contents() -> Vec<String> {
    let out = run(Command::new("dpkg-deb").arg("--contents").arg(package()));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5).map(str::to_owned))
        .collect()
}

#[test]
fn the_package_holds_the_kiosk_its_rules_units_config_and_docs_and_no_simulator() {
    let files = contents();
    for want in [
        "./usr/bin/uketsuke",
        "./usr/lib/udev/rules.d/70-uketsuke.rules",
        "./usr/share/uketsuke/udev/69-uketsuke-local.rules",
        "./usr/lib/systemd/system/uketsuke.service",
        "./usr/lib/systemd/system/uketsuke-provision.service",
        "./etc/uketsuke/kiosk.toml",
        "./usr/share/doc/uketsuke/copyright",
        "./usr/share/doc/uketsuke/kiosk.md",
        "./usr/share/doc/uketsuke/vendor-guide.md",
        "./usr/share/doc/uketsuke/udev/README.md",
    ] {
        assert!(files.iter().any(|f| f == want), "{want} is not in the package: {files:#?}");
    }
    let binaries: Vec<_> = files.iter().filter(|f| f.contains("/bin/") && !f.ends_with('/')).collect();
    assert_eq!(binaries, ["./usr/bin/uketsuke"], "only the product binary: no simulator, no test tools");
    let info = run(Command::new("dpkg-deb").arg("--info").arg(package()));
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains(" conffiles") && info.contains("pcscd"), "{info}");
}

#[test]
fn lintian_finds_no_error_in_the_package() {
    let out = Command::new("lintian")
        .args(["--tag-display-limit", "0"])
        .arg(package())
        .output()
        .expect("lintian (scripts/setup installs it)");
    let report = String::from_utf8_lossy(&out.stdout);
    let errors: Vec<_> = report.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{}", errors.join("\n"));
}

/// Installs the package into a new throwaway root and returns it.
fn install() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for dir in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"] {
        std::fs::create_dir_all(root.path().join(dir)).unwrap();
    }
    std::fs::write(root.path().join("var/lib/dpkg/status"), "").unwrap();
    // The root has none of the package's dependencies: install it alone.
    let out = run(Command::new("dpkg")
        .arg(format!("--root={}", root.path().display()))
        .args(["--force-script-chrootless", "--force-depends", "--no-triggers", "-i"])
        .arg(package()));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Setting up uketsuke"), "{out:?}");
    root
}

#[test]
fn the_systemd_units_pass_systemd_analyze_verify_in_the_installed_root() {
    let root = install();
    // The units refer to the system's targets: give the root the host's.
    let system = root.path().join("usr/lib/systemd/system");
    for entry in std::fs::read_dir("/usr/lib/systemd/system").unwrap().flatten() {
        let to = system.join(entry.file_name());
        if !to.exists() && entry.path().is_file() {
            let _ = std::fs::copy(entry.path(), to);
        }
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.path().display()))
        .args(["/usr/lib/systemd/system/uketsuke.service", "/usr/lib/systemd/system/uketsuke-provision.service"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
    let unit = std::fs::read_to_string(system.join("uketsuke.service")).unwrap();
    for key in [
        "Type=notify",
        "WatchdogSec=",
        "Restart=always",
        "User=uketsuke",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "StateDirectory=uketsuke",
        "DevicePolicy=closed",
        "SLINT_BACKEND=linuxkms",
    ] {
        assert!(unit.contains(key), "uketsuke.service lacks {key}");
    }
}

#[test]
fn the_installed_kiosk_refuses_to_start_without_a_configuration_in_one_line() {
    let root = install();
    let kiosk = root.path().join("usr/bin/uketsuke");
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(&kiosk).env("UKETSUKE_CONFIG_DIR", empty.path()).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.starts_with("uketsuke: error: no kiosk configuration:") && said.contains("scripts/kiosk"), "{said}");
    // The shipped configuration parses, and names what the installer must set.
    let out = Command::new(&kiosk).env("UKETSUKE_CONFIG_DIR", root.path().join("etc/uketsuke")).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), said.lines().count()), (Some(2), 1), "{said}");
    assert!(said.contains("host.url missing"), "{said}");
}

#[test]
fn provisioning_makes_the_kiosks_key_once_and_purge_removes_it() {
    let root = install();
    let state = root.path().join("var/lib/uketsuke");
    let shipped = std::fs::read_to_string(root.path().join("etc/uketsuke/kiosk.toml")).unwrap();
    let config = root.path().join("etc/uketsuke/kiosk-test.toml");
    std::fs::write(&config, shipped.replace("\"/var/lib/uketsuke", &format!("\"{}", state.display()))).unwrap();
    let provision =
        || run(Command::new(root.path().join("usr/bin/uketsuke")).arg("--config").arg(&config).arg("provision"));
    let first = String::from_utf8_lossy(&provision().stdout).into_owned();
    assert!(first.contains("kiosk key   made"), "{first}");
    let key = state.join("kiosk-key.p8");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(state.join("staff-token").exists() && state.join("staff-cert.pem").exists());
    let second = String::from_utf8_lossy(&provision().stdout).into_owned();
    assert!(second.contains("kept (already provisioned)"), "{second}");
    run(Command::new("dpkg").arg(format!("--root={}", root.path().display())).args([
        "--force-script-chrootless",
        "--force-depends",
        "--no-triggers",
        "--purge",
        "uketsuke",
    ]));
    assert!(!state.exists() && !root.path().join("usr/bin/uketsuke").exists(), "purge leaves the kiosk's key behind");
}
