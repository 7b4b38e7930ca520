//! Moderation as a table: full-width, mixed-script, emoji and Chinese-without-spaces cases.
#![allow(clippy::unwrap_used)]

use audience::moderation::{Action, ModerationRules, Moderator, Verdict};
use audience::{AudienceEvent, EventBody, User};

fn moderator(action: Action) -> Moderator {
    Moderator::new(&ModerationRules {
        banned_words: vec![
            "spam".into(),
            "傻瓜".into(),
            "微信".into(),
            "ＶＸ".into(),
            "free money".into(),
            "🖕".into(),
            "".into(),
            "  ".into(),
        ],
        blocked_users: vec!["troll42".into(), "bilibili:666".into(), "  ".into()],
        action,
    })
}

#[test]
fn banned_word_table() {
    let m = moderator(Action::Mask);
    // (text, banned words found, masked text)
    let table: &[(&str, &[&str], &str)] = &[
        ("hello 抹茶", &[], "hello 抹茶"),
        ("buy SPAM now", &["spam"], "buy **** now"),
        ("ＳＰＡＭ", &["spam"], "＊＊＊＊"), // full-width letters match half-width words
        ("ｓｐａｍ and Spam", &["spam", "spam"], "＊＊＊＊ and ****"),
        ("你这个傻瓜", &["傻瓜"], "你这个＊＊"), // no word boundaries in Chinese
        ("加我微信号", &["微信"], "加我＊＊号"),
        ("加vx123", &["ＶＸ"], "加**123"), // a full-width word matches half-width text
        ("加ＶＸ", &["ＶＸ"], "加＊＊"),
        ("sp\u{200b}am", &["spam"], "*****"), // zero-width spaces do not hide a word
        ("FREE MONEY!!", &["free money"], "**** *****!!"),
        ("nice 🖕🏻 ok", &["🖕"], "nice ＊🏻 ok"),
        ("😍😍 傻 瓜", &[], "😍😍 傻 瓜"), // separated characters are not the word
        ("spammer", &["spam"], "****mer"),
        ("", &[], ""),
    ];
    for (text, words, masked) in table {
        let found: Vec<String> = match m.check_text(text) {
            Ok(()) => vec![],
            Err(matches) => matches.into_iter().map(|x| x.word).collect(),
        };
        assert_eq!(found, *words, "words in {text:?}");
        assert_eq!(m.mask(text), *masked, "masking {text:?}");
    }
}

#[test]
fn match_ranges_point_into_the_original_text() {
    let m = moderator(Action::Mask);
    let text = "前面ＳＰＡＭ后面";
    let matches = m.check_text(text).unwrap_err();
    assert_eq!(&text[matches[0].start..matches[0].end], "ＳＰＡＭ");
}

fn chat(user: (&str, &str), text: &str) -> AudienceEvent {
    AudienceEvent {
        platform: "bilibili".into(),
        room: "1".into(),
        id: text.into(),
        at: chrono::Utc::now(),
        user: Some(User { id: user.0.into(), name: user.1.into(), badges: vec![] }),
        body: EventBody::Chat { text: text.into(), emotes: vec![] },
    }
}

#[test]
fn masks_or_hides_events_blocks_users_and_counts() {
    let mut m = moderator(Action::Mask);
    let mut event = chat(("1", "a"), "傻瓜 spam");
    assert_eq!(m.moderate(&mut event), Verdict::Masked(2));
    assert_eq!(event.body, EventBody::Chat { text: "＊＊ ****".into(), emotes: vec![] });
    assert_eq!(m.moderate(&mut chat(("2", "TROLL42"), "hi")), Verdict::HiddenUser, "names match without case");
    assert_eq!(m.moderate(&mut chat(("666", "x"), "hi")), Verdict::HiddenUser, "platform:id");
    assert_eq!(m.moderate(&mut chat(("3", "ok"), "hi")), Verdict::Pass);
    let counts = m.counts();
    assert_eq!((counts.checked, counts.masked, counts.hidden_users, counts.hidden_words), (2, 1, 2, 0));

    let mut hide = moderator(Action::Hide);
    let mut event = chat(("1", "a"), "加我微信");
    assert_eq!(hide.moderate(&mut event), Verdict::HiddenWord);
    assert_eq!(hide.counts().hidden_words, 1);
}

#[test]
fn on_air_text_layers_are_checked_with_the_same_filter() {
    let m = moderator(Action::Mask);
    assert!(m.check_text("抹茶礼盒 Matcha set ¥88 🍵").is_ok());
    assert!(m.check_text("扫码加ＶＸ领券").is_err());
    let empty = Moderator::new(&ModerationRules::default());
    assert!(empty.check_text("anything 傻瓜").is_ok());
}

#[test]
fn banned_words_replaced_during_the_show_apply_to_the_next_text() {
    let mut m = moderator(Action::Mask);
    assert_eq!(m.mask("最低价 spam"), "最低价 ****");
    m.set_banned_words(&["最低价".into(), "  ".into()]);
    assert_eq!(m.mask("最低价 spam"), "＊＊＊ spam", "the new word is masked and the removed one is not");
    m.set_banned_words(&[]);
    assert_eq!(m.mask("最低价 spam"), "最低价 spam");
    assert!(m.is_blocked(&chat(("7", "troll42"), "x")), "blocked users stay blocked");
}
