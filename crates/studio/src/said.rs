//! The studio's words in any language: an error, a notice, a command's note or a health
//! advice goes out as a catalogue key and its arguments, besides the English text (for older
//! clients, the CLI and the logs). The UI renders the key from its catalogue
//! (`studio.KEY` in `ui/src/locales/*.json`); a test below keeps the English there equal to
//! the templates here, and the Chinese complete.
//!
//! A template's `{name}` is an argument. Messages not listed here go out in English only.

use std::collections::BTreeMap;
use std::fmt::Display;

/// A sentence for the operator: the English text, and the key and arguments to translate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub key: &'static str,
    pub args: BTreeMap<String, String>,
    pub message: String,
}

/// One message of the catalogue: its key and its English template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub key: &'static str,
    pub english: &'static str,
}

/// A template cut into literal text and `{argument}`s.
enum Piece<'a> {
    Text(&'a str),
    Arg(&'a str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Arg(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

impl Template {
    /// The sentence with these arguments (each named as in the template).
    pub fn say(&self, args: &[(&str, &dyn Display)]) -> Said {
        let args: BTreeMap<String, String> = args.iter().map(|(k, v)| ((*k).to_owned(), v.to_string())).collect();
        let mut message = String::with_capacity(self.english.len() + 32);
        for piece in pieces(self.english) {
            match piece {
                Piece::Text(text) => message.push_str(text),
                Piece::Arg(name) => message.push_str(args.get(name).map_or("", String::as_str)),
            }
        }
        Said { key: self.key, args, message }
    }

    /// Reads `text` back into this template's arguments, when it is this sentence: words made
    /// elsewhere in English (the engine's health advice) get a key all the same.
    pub fn read(&self, text: &str) -> Option<Said> {
        let pieces = pieces(self.english);
        let mut args = BTreeMap::new();
        let mut rest = text;
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Text(literal) => rest = rest.strip_prefix(literal)?,
                Piece::Arg(name) => {
                    let end = match pieces.get(i + 1) {
                        Some(Piece::Text(next)) => rest.find(next)?,
                        Some(Piece::Arg(_)) => return None,
                        None => rest.len(),
                    };
                    args.insert((*name).to_owned(), rest[..end].to_owned());
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then(|| Said { key: self.key, args, message: text.to_owned() })
    }
}

macro_rules! templates {
    ($($name:ident = $key:literal => $english:literal;)*) => {
        $(pub const $name: Template = Template { key: $key, english: $english };)*
        /// Every template, for the catalogue check.
        pub const ALL: &[Template] = &[$($name),*];
    };
}

templates! {
    NOT_FOUND_SCENE = "not_found.scene" => "there is no scene \"{id}\" in this show";
    NOT_FOUND_LOOK = "not_found.look" => "there is no look \"{id}\" in this show";
    NOT_FOUND_LAYER = "not_found.layer" => "there is no layer \"{id}\" in this show";
    NOT_FOUND_PRODUCT = "not_found.product" => "there is no product \"{id}\" in this show";
    NOT_FOUND_DESTINATION = "not_found.destination" => "there is no destination \"{id}\" in this show";
    NOT_FOUND_BANNED_WORD = "not_found.banned_word" => "there is no banned word \"{id}\" in this show";
    NOT_FOUND_CONNECTED_CHAT = "not_found.connected_chat" => "there is no connected chat \"{id}\" in this show";
    NOT_FOUND_RUN_ITEM = "not_found.run_item" => "there is no product in the run of show called \"{id}\" in this show";
    NOT_FOUND_SCENE_LAYER = "not_found.scene_layer" => "there is no layer in scene \"{scene}\" called \"{id}\" in this show";
    ALREADY_LIVE = "live.already" => "the show is already live";
    NOT_LIVE = "live.not_live" => "the show is not live";
    NEEDS_LIVE = "live.needs_live" => "this works while live: press Go Live first";
    COULD_NOT_GO_LIVE = "live.could_not" => "could not go live: {reason}";
    ENDING_PROBLEM = "live.ending_problem" => "ending the show: {reason}";
    KILL_NOT_LIVE = "kill.not_live" => "the kill switch works while live: nothing is on air";
    KILL_NOT_ON = "kill.not_on" => "the kill switch is not on";
    KILLED = "kill.done" => "{count} destination(s) show the safe slate; what their delay held is gone";
    RESUMED = "kill.resumed" => "each destination returns to the program once its delay has refilled";
    BLOCKED_ONE = "blocked.one" => "not put on air: banned word {found}. Platforms close rooms over this; override only if you are sure.";
    BLOCKED_MANY = "blocked.many" => "not put on air: banned words {found}. Platforms close rooms over this; override only if you are sure.";
    BLOCKED_FOUND = "blocked.found" => "「{word}」 in {place}";
    OVERRIDE_TWICE = "blocked.override_twice" => "an override holds the command itself, not another override";
    SCENE_ON_AIR = "scenes.on_air" => "\"{scene}\" is the scene on air: switch to another scene before removing it";
    NOT_A_CARD = "scenes.not_a_card" => "layer \"{layer}\" is not a product card";
    OBS_IMPORTED = "scenes.obs_imported" => "{count} scene(s) added from OBS: {scenes}";
    OBS_IMPORTED_SOME = "scenes.obs_imported_some" => "{count} scene(s) added from OBS: {scenes}. Not imported: {skipped}";
    NO_MEDIA_FOLDER = "scenes.no_media_folder" => "this studio has no media folder to copy the collection's pictures and clips into";
    BANNED_EMPTY = "banned.empty" => "a banned word cannot be empty";
    BANNED_ALREADY = "banned.already" => "「{word}」 is banned already";
    NEXT_GO_LIVE = "encoding.next_go_live" => "saved: it takes effect at the next Go Live";
    ENCODING_LOCKED = "encoding.locked" => "the encoding cannot change while live or recording: end the show (and stop the recording) first";
    NO_RUN_OF_SHOW = "run.none" => "this show has no run of show";
    RUN_LAST = "run.last" => "that was the last product of the run of show";
    RUN_CARD_ELSEWHERE = "run.card_elsewhere" => "the run of show's card \"{card}\" is not in the scene on air (\"{scene}\"): switch to a scene with it first";
    ON_CARD = "run.on_card" => "on the card now: {name}";
    AUTO_ADVANCE_STOPPED = "run.auto_advance_stopped" => "auto-advance stopped: {reason}";
    SOLD_OUT = "products.sold_out" => "\"{product}\" is sold out: its card says so now";
    IMPORTED = "products.imported" => "{added} products added, {updated} updated";
    DESTINATION_NAME = "destinations.bad_name" => "a destination name uses letters, digits, - and _ only";
    DESTINATION_TAKEN = "destinations.taken" => "there is already a destination called \"{id}\"";
    DESTINATION_SENDING = "destinations.sending" => "\"{id}\" is sending: stop it first";
    RECORDING_ALREADY = "recording.already" => "the show is being recorded already (to {path}): stop that recording first";
    NO_RECORDING_FOLDER = "recording.no_folder" => "this studio has no recording folder: start it without --no-record (or with --record-dir DIR)";
    NOTHING_RECORDED = "recording.nothing" => "nothing is being recorded";
    RECORDING_TO = "recording.to" => "recording to {path}";
    RECORDING_SAVED = "recording.saved" => "recording saved: {path}";
    RECORDING_GOES_ON = "recording.goes_on" => "the recording goes on ({path}): stop it with REC";
    RECORDING_STOPPED = "recording.stopped" => "the recording stopped: {reason} ({path} is kept)";
    COULD_NOT_RECORD = "recording.could_not" => "could not start recording: {reason}";
    NO_SESSION_DATA = "files.no_session_data" => "this studio keeps no session data (start it with --data)";
    SHOW_SAVED = "files.show_saved" => "show saved: {path}";
    REPORT_SAVED = "files.report_saved" => "report saved: {path}";
    PROGRAM_BACK = "program.back" => "the program is back";
    PROGRAM_FAILED = "program.failed" => "the program failed: {reason}; opening it again";
    PROGRAM_NOT_RUNNING = "program.not_running" => "the program is not running (it is being opened again): try again";
    PROGRAM_COULD_NOT_START = "program.could_not_start" => "the program could not start: {reason}";
    STUDIO_CLOSING = "program.closing" => "the studio is closing";
    NO_PREVIEW = "program.no_preview" => "no preview yet: the program is starting (or being opened again)";
    CAMERA_LOST = "camera.lost" => "camera lost ({reason}): the slate is on air";
    CAMERA_BACK = "camera.back" => "the camera is back";
    LOOK_GAVE_WAY = "looks.gave_way" => "the look you picked ({picked}) gave way to the look of scene {scene} ({look})";
    LOOK_OFF = "looks.off" => "the look you picked ({picked}) is off: scene {scene} has no look of its own";
    READING_CHAT = "chat.reading" => "reading {label}";
    UNKNOWN_PLATFORM = "chat.unknown_platform" => "unknown platform \"{platform}\": use twitch, youtube or bilibili";
    NO_AUDIENCE_PATH = "chat.no_feed" => "the audience path is not running in this studio";
    UPLOAD_TOO_SLOW = "health.upload_too_slow" => "upload too slow for {target} kbps: {dropped}% of frames dropped; lower the bitrate to {suggestion} kbps or free up the network";
    DISK_TOO_SLOW = "health.disk_too_slow" => "the disk cannot keep up: {dropped}% of frames dropped; record to a faster drive";
    TICKET_USED = "auth.ticket_used" => "this report link was already used or is too old: open the report again from the studio";
}

/// The engine's health advice (English), with its key when it is one the catalogue knows.
pub fn health_advice(advice: &str) -> Option<Said> {
    [UPLOAD_TOO_SLOW, DISK_TOO_SLOW].iter().find_map(|t| t.read(advice))
}

/// The not-found template for a kind of thing, when the catalogue has one.
pub fn not_found(what: &str) -> Option<Template> {
    Some(match what {
        "scene" => NOT_FOUND_SCENE,
        "look" => NOT_FOUND_LOOK,
        "layer" => NOT_FOUND_LAYER,
        "product" => NOT_FOUND_PRODUCT,
        "destination" => NOT_FOUND_DESTINATION,
        "banned word" => NOT_FOUND_BANNED_WORD,
        "connected chat" => NOT_FOUND_CONNECTED_CHAT,
        "product in the run of show called" => NOT_FOUND_RUN_ITEM,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_says_its_sentence_and_keeps_its_arguments() {
        let said = SOLD_OUT.say(&[("product", &"茶")]);
        assert_eq!(said.message, "\"茶\" is sold out: its card says so now");
        assert_eq!(said.key, "products.sold_out");
        assert_eq!(said.args["product"], "茶");
    }

    #[test]
    fn english_made_elsewhere_is_read_back_into_its_arguments() {
        let advice = "upload too slow for 6000 kbps: 2.0% of frames dropped; lower the bitrate to 4000 kbps or free up the network";
        let said = health_advice(advice).expect("known advice");
        assert_eq!(said.key, "health.upload_too_slow");
        assert_eq!(said.args["target"], "6000");
        assert_eq!(said.args["dropped"], "2.0");
        assert_eq!(said.args["suggestion"], "4000");
        assert_eq!(said.message, advice);
        assert!(health_advice("something else entirely").is_none());
        assert!(DISK_TOO_SLOW
            .read("the disk cannot keep up: 9.0% of frames dropped; record to a faster drive!")
            .is_none());
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = ALL.iter().map(|t| t.key).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key is used twice");
    }
}
