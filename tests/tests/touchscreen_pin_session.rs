//! A session through the touchscreen's PIN pad, pressed through accessible
//! labels: two digits, English and back (the language chooser), キャンセル back to the method choice (the digits
//! forgotten), then the whole PIN, the consents, the result and idle.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use uketsuke_tests::touchscreen::play;

const SOON: Duration = Duration::from_secs(15);

#[test]
fn a_patient_cancels_the_pin_pad_then_enters_the_pin_by_accessible_labels() {
    play("a_patient_cancels_the_pin_pad_then_enters_the_pin_by_accessible_labels", |ui| {
        ui.wait_for("マイナンバーカードを置いてください。", SOON)?;
        ui.press_in_panel("Place card")?;
        ui.press("暗証番号を入力", SOON)?;
        ui.wait_for("暗証番号を入力してください。", SOON)?;
        ui.wait_for("残りの入力回数：3回", SOON)?;
        ui.wait_for("0桁入力済み", SOON)?;

        ui.press("1", SOON)?;
        ui.press("2", SOON)?;
        ui.wait_for("2桁入力済み", SOON)?;
        // A helper switches to English and back through the language
        // chooser; the digits stay entered.
        ui.press("言語 Language", SOON)?;
        ui.press("English", SOON)?;
        ui.wait_for("Please enter your PIN.", SOON)?;
        ui.wait_for("2 digits entered", SOON)?;
        ui.press("言語 Language", SOON)?;
        ui.press("日本語", SOON)?;
        ui.wait_for("2桁入力済み", SOON)?;
        ui.press("キャンセル", SOON)?;
        ui.wait_for("本人確認の方法を選んでください。", SOON)?;

        ui.press("暗証番号を入力", SOON)?;
        ui.wait_for("0桁入力済み", SOON)?;
        ui.press("9", SOON)?;
        ui.press("1文字消す", SOON)?;
        ui.wait_for("0桁入力済み", SOON)?;
        for digit in ["1", "2", "3", "4"] {
            ui.press(digit, SOON)?;
        }
        // The PIN is checked on the card without a try lost, then the consents.
        ui.wait_for("③同意の選択（1／3）", Duration::from_secs(30))?;
        for n in 1..=3 {
            ui.wait_for(&format!("③同意の選択（{n}／3）"), SOON)?;
            ui.press("同意する", SOON)?;
        }
        ui.wait_for("✓ 受付が完了しました。", SOON)?;
        ui.wait_for("カードをお取りください", SOON)?;
        ui.press_in_panel("Remove card")?;
        ui.wait_for("マイナンバーカードを置いてください。", SOON)?;
        Ok(())
    })
    .unwrap();
}
