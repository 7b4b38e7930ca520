//! The report's words in its two languages, 简体中文 and English. One struct of fields, one
//! value per language: a language missing a word does not compile. The language comes from
//! the caller: `kaibo report --lang`, the LANG variable, or the UI's language for its button.

/// A language the report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    /// `zh-CN`, `zh_CN.UTF-8`, `zh`, `en-US`, `en`, `C`...: the report's language for a
    /// BCP 47 tag or a POSIX locale, or None when it has no words for it.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if tag.starts_with("en") || tag == "c" || tag.starts_with("c.") || tag == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of the environment, as gettext reads it: LC_ALL, then LC_MESSAGES, then
    /// LANG (the first that is set and not empty); English when none names a language the
    /// report has.
    pub fn from_env() -> Lang {
        Lang::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] over any source of variables (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()))
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default()
    }

    /// The page's `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn words(self) -> &'static Words {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }
}

/// Every word of the report page. `{n}` stands for a number where a field says so.
#[derive(Debug)]
pub struct Words {
    pub session: &'static str,
    pub started: &'static str,
    pub activity: &'static str,
    pub no_activity: &'static str,
    pub summary: &'static str,
    pub peak_viewers: &'static str,
    pub chat_messages: &'static str,
    pub gifts: &'static str,
    pub super_chats: &'static str,
    pub orders: &'static str,
    pub units_ordered: &'static str,
    pub likes: &'static str,
    pub follows: &'static str,
    /// `{category} total`.
    pub total_of: &'static str,
    pub total_gift: &'static str,
    pub total_super_chat: &'static str,
    pub total_order: &'static str,
    /// `{n} stored events ...`.
    pub unreadable: &'static str,
    pub audience: &'static str,
    pub products: &'static str,
    /// `{n}` products with most units.
    pub chart_shows_top: &'static str,
    pub product: &'static str,
    pub units: &'static str,
    pub orders_during: &'static str,
    pub orders_outside: &'static str,
    pub units_during: &'static str,
    pub units_outside: &'static str,
    pub revenue: &'static str,
    pub exposures: &'static str,
    pub on_card_s: &'static str,
    pub no_products: &'static str,
    pub card_exposures: &'static str,
    pub layer: &'static str,
    pub cued_by: &'static str,
    pub from_utc: &'static str,
    pub until_utc: &'static str,
    pub still_on: &'static str,
    pub no_exposures: &'static str,
    pub leaderboard: &'static str,
    pub no_gifts: &'static str,
    pub name: &'static str,
    pub user: &'static str,
    pub total: &'static str,
    /// `{n} more ...`.
    pub more_in_export: &'static str,
    pub output_health: &'static str,
    pub control: &'static str,
    pub never_killed: &'static str,
    pub audit_log: &'static str,
    pub no_actions: &'static str,
    pub time_utc: &'static str,
    pub source: &'static str,
    pub action: &'static str,
    pub detail: &'static str,
    pub outcome: &'static str,
    pub chart_viewers: &'static str,
    pub chart_chat: &'static str,
    /// `... ({currency})`.
    pub chart_gifts: &'static str,
    pub chart_exposures: &'static str,
    pub chart_bitrate: &'static str,
    pub chart_dropped: &'static str,
}

pub const EN: Words = Words {
    session: "session",
    started: "started",
    activity: "activity",
    no_activity: "no activity recorded",
    summary: "Summary",
    peak_viewers: "peak viewers",
    chat_messages: "chat messages",
    gifts: "gifts",
    super_chats: "super chats",
    orders: "orders",
    units_ordered: "units ordered",
    likes: "likes",
    follows: "follows",
    total_of: "{category} total",
    total_gift: "gift total",
    total_super_chat: "super chat total",
    total_order: "order total",
    unreadable: "{n} stored events could not be read and are left out.",
    audience: "Audience",
    products: "Products",
    chart_shows_top: "The chart shows the {n} products with most units; the table has all.",
    product: "product",
    units: "units",
    orders_during: "orders during exposure",
    orders_outside: "orders outside",
    units_during: "units during",
    units_outside: "units outside",
    revenue: "revenue",
    exposures: "exposures",
    on_card_s: "on a card (s)",
    no_products: "No orders and no product cards in this session.",
    card_exposures: "Card exposures",
    layer: "layer",
    cued_by: "cued by",
    from_utc: "from (UTC)",
    until_utc: "until (UTC)",
    still_on: "still on (never closed)",
    no_exposures: "No product was put on a card.",
    leaderboard: "Gift leaderboard",
    no_gifts: "Nobody sent gifts or super chats.",
    name: "name",
    user: "user",
    total: "total",
    more_in_export: "{n} more in the JSON and CSV export.",
    output_health: "Output health",
    control: "Kill switch, resume and override",
    never_killed: "The show was never killed, resumed or overridden.",
    audit_log: "Audit log",
    no_actions: "No operator actions were recorded.",
    time_utc: "time (UTC)",
    source: "source",
    action: "action",
    detail: "detail",
    outcome: "outcome",
    chart_viewers: "Viewers",
    chart_chat: "Chat messages per minute",
    chart_gifts: "Gift value, cumulative ({currency})",
    chart_exposures: "Product card exposures and orders",
    chart_bitrate: "Output bitrate",
    chart_dropped: "Dropped frames (cumulative, per output)",
};

pub const ZH_CN: Words = Words {
    session: "场次",
    started: "开始于",
    activity: "活动时间",
    no_activity: "没有记录到活动",
    summary: "概览",
    peak_viewers: "最高在线人数",
    chat_messages: "弹幕",
    gifts: "礼物",
    super_chats: "醒目留言",
    orders: "订单",
    units_ordered: "下单件数",
    likes: "点赞",
    follows: "关注",
    total_of: "{category}合计",
    total_gift: "礼物合计",
    total_super_chat: "醒目留言合计",
    total_order: "订单合计",
    unreadable: "有 {n} 条存储的事件无法读取，未计入。",
    audience: "观众",
    products: "商品",
    chart_shows_top: "图表只显示件数最多的 {n} 个商品；表格列出全部商品。",
    product: "商品",
    units: "件数",
    orders_during: "上卡期间订单",
    orders_outside: "上卡之外订单",
    units_during: "上卡期间件数",
    units_outside: "上卡之外件数",
    revenue: "销售额",
    exposures: "上卡次数",
    on_card_s: "上卡时长（秒）",
    no_products: "本场没有订单，也没有商品上卡。",
    card_exposures: "商品卡曝光",
    layer: "图层",
    cued_by: "操作来源",
    from_utc: "开始（UTC）",
    until_utc: "结束（UTC）",
    still_on: "仍在卡上（未关闭）",
    no_exposures: "没有商品上过卡。",
    leaderboard: "礼物排行榜",
    no_gifts: "没有人送礼物或醒目留言。",
    name: "昵称",
    user: "用户",
    total: "合计",
    more_in_export: "另有 {n} 位在 JSON 和 CSV 导出中。",
    output_health: "推流状态",
    control: "紧急切断、恢复与强制播出",
    never_killed: "本场没有紧急切断、恢复或强制播出。",
    audit_log: "操作记录",
    no_actions: "没有记录到操作。",
    time_utc: "时间（UTC）",
    source: "来源",
    action: "操作",
    detail: "详情",
    outcome: "结果",
    chart_viewers: "在线人数",
    chart_chat: "每分钟弹幕数",
    chart_gifts: "礼物价值累计（{currency}）",
    chart_exposures: "商品卡曝光与订单",
    chart_bitrate: "推流码率",
    chart_dropped: "丢帧数（累计，按推流目标）",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_tag_or_the_environment() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("C.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("fr_FR"), None);
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(Lang::from_vars(vars(&[("LANG", "zh_CN.UTF-8")])), Lang::ZhCn);
        assert_eq!(Lang::from_vars(vars(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_US.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_vars(vars(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "")])), Lang::ZhCn);
        assert_eq!(Lang::from_vars(vars(&[])), Lang::En);
    }

    #[test]
    fn no_chinese_word_is_left_in_english() {
        let (en, zh) = (format!("{EN:?}"), format!("{ZH_CN:?}"));
        let pick = |text: &str| -> Vec<String> {
            text.split(": \"").skip(1).map(|rest| rest.split('"').next().unwrap_or_default().to_owned()).collect()
        };
        assert_eq!(pick(&en).len(), pick(&zh).len());
        assert!(pick(&en).len() > 50, "every field is read");
        for (english, chinese) in pick(&en).iter().zip(pick(&zh)) {
            assert_ne!(english, &chinese, "\"{english}\" is not translated");
        }
    }
}
