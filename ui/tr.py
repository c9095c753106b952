#!/usr/bin/env python3
"""Lists every @tr() string of the screens with its context (the component
it stands in), and writes lang/en/LC_MESSAGES/uketsuke-ui.po from the
English below. Fails when a string has no English.

    python3 ui/tr.py          # check and rewrite the .po
"""
import pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent
EN = {
    "顔認証付きカードリーダー": "Face-recognition card reader",
    "マイナンバーカード": "My Number Card",
    "マイナンバーカードを置いてください。": "Please place your My Number Card.",
    "ご家族や介助の方、職員が操作をお手伝いすることもできます。": "Family, carers or staff may operate the screen for you.",
    "終了する": "End",
    "①本人確認の方法の選択": "① Choose how to confirm your identity",
    "本人確認の方法を選んでください。": "Please choose how to confirm your identity.",
    "顔認証を行う": "Face recognition",
    "暗証番号を入力": "Enter PIN",
    "職員に確認してもらう": "Ask staff to check",
    "本人確認の情報は、他の目的には使用しません。": "Identity information is not used for any other purpose.",
    "②本人認証（顔認証）": "② Identity check (face)",
    "カメラの映像": "Camera image",
    "顔を枠内に入れてください。": "Please bring your face inside the frame.",
    "カメラに顔を向けてください。": "Please face the camera.",
    "おひとりだけ映るようにしてください。": "Only one person in view, please.",
    "もう少し近づいてください。": "Please come a little closer.",
    "少し離れてください。": "Please move back a little.",
    "顔を枠の中央に合わせてください。": "Please centre your face in the frame.",
    "明るい場所で、顔に光が当たるようにしてください。": "Please make sure your face is well lit.",
    "まぶしすぎます。背後の光を避けてください。": "Too bright: please avoid light from behind.",
    "動かずにそのままお待ちください。": "Please hold still.",
    "正面を向いてください。": "Please look straight ahead.",
    "写真や画面ではなく、ご本人の顔をカメラに向けてください。": "Please show your own face to the camera, not a photo or a screen.",
    "顔を確認できませんでした。": "Your face could not be checked.",
    "顔認証で本人確認ができませんでした。": "Face recognition could not confirm your identity.",
    "別の方法を選んでください。": "Please choose another way.",
    "もう一度顔認証を行う": "Try face recognition again",
    "②本人認証（暗証番号）": "② Identity check (PIN)",
    "暗証番号を入力してください。": "Please enter your PIN.",
    "{}桁入力済み": "{} digits entered",
    "残りの入力回数：{}回": "Tries left: {}",
    "暗証番号が違います。": "The PIN is not correct.",
    "暗証番号が違います。次に間違えるとロックされます。": "Wrong PIN. One more wrong PIN locks it.",
    "次に間違えるとロックされます。": "One more wrong PIN locks it.",
    "キャンセル": "Cancel",
    "1文字消す": "Delete one",
    "暗証番号がロックされています。": "Your PIN is locked.",
    "暗証番号の再設定は、お住まいの市区町村（住所地の市区町村）の窓口で行ってください。今日は顔認証または職員による確認で受付できます。":
        "Please have your PIN reset at the office of the municipality where you live. Today you can check in by face recognition or with staff.",
    "③同意の選択（{}／{}）": "③ Consent ({}/{})",
    "過去の手術情報を当機関に提供することに同意しますか。": "Do you agree to provide your past surgery information to this facility?",
    "過去の手術以外の診療・お薬情報を当機関に提供することに同意しますか。":
        "Do you agree to provide your past treatment and medication information (other than surgery) to this facility?",
    "(40歳以上対象) 過去の健診情報を当機関に提供することに同意しますか。":
        "(Aged 40 and over) Do you agree to provide your past health check-up information to this facility?",
    "この情報はあなたの診察や健康管理のために使用します。": "This information is used for your care and health management.",
    "同意する": "Agree",
    "同意しない・40歳未満の方": "Do not agree / under 40",
    "同意しない": "Do not agree",
    "健康保険証利用の申込み": "Registering as a health insurance card",
    "マイナンバーカードを保険証として登録しますか？": "Register your My Number Card as your health insurance card?",
    "登録は一度だけです。": "You only need to register once.",
    "登録せずに終了": "End without registering",
    "登録する": "Register",
    "受付結果": "Result",
    "受付が完了しました。": "You are checked in.",
    "エラー（{}）": "Error ({})",
    "本人確認ができませんでした。受付にお声がけください。": "Your identity could not be confirmed. Please speak to reception.",
    "登録せずに終了しました。": "Ended without registering.",
    "終了しました。": "Ended.",
    "受付でお名前を呼ばれるまでお待ちください。": "Please wait until your name is called.",
    "ご不明な点は受付にお声がけください。": "If you have any questions, please speak to reception.",
    "カードをお取りください": "Please take your card",
    "カードの取り忘れにご注意ください。": "Please do not leave your card behind.",
    "まもなく最初の画面に戻ります。続ける場合は画面に触れてください。": "Returning to the start soon. Touch the screen to continue.",
    "まもなく最初の画面に戻ります。": "Returning to the start soon.",
    "続ける（画面に触れてください）": "Continue (touch the screen)",
    "カードを読み取っています。": "Reading your card.",
    "カードを動かさないでください。": "Please do not move the card.",
    "マイナンバーカードではありません。": "This is not a My Number Card.",
    "カードを読み取れませんでした。": "The card could not be read.",
    "カードをお取りになり、マイナンバーカードを置いてください。": "Please take this card and place your My Number Card.",
    "カードケースから出して、カードを置き直してください。": "Please take the card out of its case and place it again.",
    "暗証番号を確認しています。": "Checking your PIN.",
    "②本人認証（職員による確認）": "② Identity check (staff)",
    "職員が本人確認を行います。": "A member of staff will confirm your identity.",
    "確認に少しお時間がかかります。そのままお待ちください。": "This takes a moment. Please wait here.",
    "②本人認証": "② Identity check",
    "資格情報を確認しています。": "Checking your eligibility.",
    "しばらくお待ちください。": "Please wait a moment.",
    "登録しています。": "Registering.",
    "登録完了": "Registration complete",
    "続けて同意の選択に進みます。": "Next: consent.",
    "③同意の選択": "③ Consent",
    "送信しています。": "Sending.",
    "資格確認端末に接続できません。": "The eligibility terminal cannot be reached.",
    "受付にお声がけください。職員が別の方法で確認します。": "Please speak to reception. Staff will check another way.",
    "この受付機は現在ご利用いただけません。": "This reception machine is out of service.",
    "受付にお声がけください。": "Please speak to reception.",
    "もう一度聞く": "Hear again",
}

COMPONENT = re.compile(r"\bcomponent\s+([A-Za-z][\w-]*)")
TR = re.compile(r'@tr\("((?:[^"\\]|\\.)*)"')


def extract():
    found = []
    for path in sorted((ROOT / "ui").rglob("*.slint")):
        context = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = COMPONENT.search(line)
            if m:
                context = m.group(1)
            for s in TR.findall(line):
                found.append((context, s, path.relative_to(ROOT)))
    return found


def po_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def main():
    entries = {}
    missing = []
    for context, msgid, path in extract():
        if msgid not in EN:
            missing.append(f"{path}: {msgid}")
            continue
        entries[(context, msgid)] = EN[msgid]
    if missing:
        print("no English for:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: en\\n"', ""]
    for (context, msgid), en in sorted(entries.items()):
        out += [f'msgctxt "{po_escape(context)}"', f'msgid "{po_escape(msgid)}"', f'msgstr "{po_escape(en)}"', ""]
    po = ROOT / "lang" / "en" / "LC_MESSAGES" / "uketsuke-ui.po"
    po.write_text("\n".join(out), encoding="utf-8")
    print(f"{len(entries)} strings -> {po.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
