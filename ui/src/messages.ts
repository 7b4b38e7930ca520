// The studio's words in the UI's language. An error, a notice or a command's note comes with
// a catalogue key (under `studio.` in locales/*.json) and its arguments, besides the English
// text; a key this UI does not know (a newer studio) or no key at all shows the English.
import { has, t } from "./i18n";

export interface StudioMessage {
  message: string;
  key?: string | null;
  args?: Partial<Record<string, string>> | null;
}

export function studioText(m: StudioMessage): string {
  if (!m.key) return m.message;
  const key = `studio.${m.key}`;
  if (!has(key)) return m.message;
  return t(key, { ...(m.args ?? {}), defaultValue: m.message });
}
