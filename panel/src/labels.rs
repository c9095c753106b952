// The status panel's words, one line per state: (key, Japanese, English).
// The build script rasterises exactly these characters (and printable
// ASCII, for error codes) from IPA P Gothic, so a word added here is drawn
// without any font engine at run time. Plain data only: build.rs includes
// this file too.

/// Each state's label: key, Japanese, English. Short enough to be read from
/// two metres on a 128×64 OLED (a unit test checks each fits its box).
pub const LABELS: &[(&str, &str, &str)] = &[
    ("idle", "待機中", "Ready"),
    ("reading", "読み取り中", "Reading card"),
    ("select", "方法選択", "Choosing"),
    ("face", "顔認証中", "Face check"),
    ("pin", "暗証番号", "PIN entry"),
    ("staff", "目視確認", "Staff check"),
    ("consent", "同意確認", "Consent"),
    ("sending", "照会中", "Checking"),
    ("done", "完了", "Done"),
    ("ended", "終了", "Finished"),
    ("error", "職員対応", "Staff needed"),
    ("out_of_service", "休止中", "Out of service"),
];
