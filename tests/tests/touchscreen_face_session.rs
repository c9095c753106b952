//! A whole face-authentication session on the touchscreen, pressed through
//! accessible labels: the card placed from the control panel, 顔認証を行う,
//! the match on the live camera, three consents, the result, the card taken
//! away, and the idle screen again.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use uketsuke_tests::touchscreen::play;

const SOON: Duration = Duration::from_secs(15);

#[test]
fn a_patient_completes_a_face_session_by_accessible_labels() {
    play("a_patient_completes_a_face_session_by_accessible_labels", |ui| {
        ui.wait_for("マイナンバーカードを置いてください。", SOON)?;
        assert_eq!(ui.panel_value("persona")?.as_deref(), Some("adult-registered"));
        assert_eq!(ui.panel_value("camera scene")?.as_deref(), Some("genuine"));
        ui.press_in_panel("Place card")?;

        ui.wait_for("本人確認の方法を選んでください。", SOON)?;
        // The PIN button shows once the card face has been read (its mark
        // could withdraw the PIN).
        ui.wait_for("暗証番号を入力", SOON)?;
        assert!(ui.shows("言語 Language")?, "the language button is on the screen");
        ui.press("顔認証を行う", SOON)?;
        ui.wait_for("顔を枠内に入れてください。", SOON)?;
        assert!(ui.shows("カメラの映像")?, "the live preview is on the screen");

        // The match: the virtual camera's genuine scene through the real models.
        ui.wait_for("③同意の選択（1／3）", Duration::from_secs(30))?;
        assert!(ui.preview_frames() > 0, "the live preview showed the camera");
        assert!(ui.shows("過去の手術情報を当機関に提供することに同意しますか。")?);
        ui.press("同意する", SOON)?;
        ui.wait_for("③同意の選択（2／3）", SOON)?;
        assert!(ui.shows("過去の手術以外の診療・お薬情報を当機関に提供することに同意しますか。")?);
        ui.press("同意する", SOON)?;
        ui.wait_for("③同意の選択（3／3）", SOON)?;
        assert!(ui.shows("(40歳以上対象) 過去の健診情報を当機関に提供することに同意しますか。")?);
        ui.press("同意しない・40歳未満の方", SOON)?;

        ui.wait_for("✓ 受付が完了しました。", SOON)?;
        ui.wait_for("カードをお取りください", SOON)?;
        ui.press_in_panel("Remove card")?;
        ui.wait_for("マイナンバーカードを置いてください。", SOON)?;
        assert!(!ui.shows("カードをお取りください")?);
        Ok(())
    })
    .unwrap();
}
