// Sends the file picked in an <input type="file"> to the studio's media folder.
import { describe, type StudioClient, type Uploaded } from "../client";
import { t } from "../i18n";

/** The uploaded file, or null with the reason written in `errorLine`. */
export async function uploadPicked(client: StudioClient, input: HTMLInputElement, errorLine: HTMLElement): Promise<Uploaded | null> {
  const file = input.files?.[0];
  if (!file) {
    errorLine.textContent = t("upload.pick");
    return null;
  }
  if (!client.upload) {
    errorLine.textContent = t("upload.desktop");
    return null;
  }
  try {
    return await client.upload(file.name, file);
  } catch (error) {
    errorLine.textContent = t("upload.failed", { reason: describe(error) });
    return null;
  }
}
