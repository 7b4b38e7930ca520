import { describe, expect, it } from "vitest";
import { sceneId } from "../src/panels/build_scenes";
import { LAYER_KINDS, newLayer } from "../src/panels/layer_editor";
import { liveState } from "./fixtures";

describe("building the show", () => {
  it("makes scene ids from names, never one that is taken", () => {
    expect(sceneId("Flash Sale!", [])).toBe("flash-sale");
    expect(sceneId("Promo", ["promo"])).toBe("promo-1");
    expect(sceneId("直播间", [])).toBe("直播间");
    expect(sceneId("***", [])).toBe("scene");
  });

  it("writes new layers of every kind as the show file does", () => {
    for (const kind of LAYER_KINDS) {
      const layer = newLayer(kind, `${kind}-1`, liveState(), "/media/a.png");
      expect(layer.kind).toBe(kind);
      expect(layer.id).toBe(`${kind}-1`);
    }
    expect(newLayer("product_card", "c", liveState()).product).toBe("a");
    expect(newLayer("image", "i", liveState(), "/media/a.png").path).toBe("/media/a.png");
  });
});
