// Sends the file picked in an <input type="file"> to the studio's media folder.
import { describe, type StudioClient, type Uploaded } from "../client";

/** The uploaded file, or null with the reason written in `errorLine`. */
export async function uploadPicked(client: StudioClient, input: HTMLInputElement, errorLine: HTMLElement): Promise<Uploaded | null> {
  const file = input.files?.[0];
  if (!file) {
    errorLine.textContent = "Pick a file first.";
    return null;
  }
  if (!client.upload) {
    errorLine.textContent = "This window picks files with its own dialog, not by upload.";
    return null;
  }
  try {
    return await client.upload(file.name, file);
  } catch (error) {
    errorLine.textContent = `The file was not taken: ${describe(error)}`;
    return null;
  }
}
